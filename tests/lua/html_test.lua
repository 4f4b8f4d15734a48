-- pecctl.html on pages shaped like the portals in tests/sandbox/README.md.
-- Run by tests/t/11-html.t:  pecctl script THIS
local t = dofile(arg[0]:match("(.*/)") .. "tap.lua")
local html = pecctl.html

local function why(err) return err and (err.code .. ": " .. err.message) or "" end

-- Submitting goes through session:request; this stand-in records what a
-- form asks for, so the tests can read the exact request.
local function recorder()
	local s = { sent = {} }
	function s:request(req)
		self.sent[#self.sent + 1] = req
		return { status = 303, url = req.url, body = "", headers = {} }
	end
	return s
end

local GESTIONEMAIL = "https://gestionemail.pec.it/"

local login_page = [[<!DOCTYPE html>
<html lang="it"><head><meta charset="utf-8"><title>GestioneMail</title></head>
<body>
  <main class="container">
    <h1>Accedi a GestioneMail</h1>
    <form method="post" class="form-login" id="login" action="/login">
      <input type="hidden" name="_token" value="tok-3f9a&amp;x">
      <label>Nome completo casella <input type="text" name="casella" value=""></label>
      <label>Password <input type="password" name="password"></label>
      <input type="hidden" name="_ts" value="1700000000">
      <button type="submit" class="btn btn-primary">Accedi</button>
    </form>
    <a href="/password-dimenticata">Password dimenticata?</a>
  </main>
</body></html>]]

local cambio_page = [[<html><head><title>Cambio Password</title></head><body>
<nav id="menu"><ul>
  <li><a href="/titolare">Titolare</a></li>
  <li><a href="/posta">Posta in arrivo</a></li>
  <li class="active"><a href="/cambio-password">Cambio Password</a></li>
  <li><a href="/accessi">Accessi</a></li>
</ul></nav>
<section>
<h2>Cambia la password della tua casella PEC</h2>
<div class="alert   alert-danger" role="alert">
   La nuova password deve avere una lunghezza
   compresa fra gli 8 ed i 20 caratteri&nbsp;</div>
<form id="cambio-password" action="/cambio-password?step=1" method="POST">
  <input type="password" name="password_attuale">
  <span class="field-error" data-field="password_attuale"></span>
  <input type="password" name="nuova_password">
  <span class="field-error" data-field="nuova_password">Troppo corta</span>
  <input type="password" name="ripeti_password">
  <input type="hidden" name="_token" value="c4f3">
  <button>Cambia Password</button>
</form>
<form id="logout" action="/logout" method="post"><input type="hidden" name="_token" value="c4f3"></form>
</section>
<table class="caselle">
  <tr data-casella="a@dominio.it"><td>a@dominio.it</td></tr>
  <tr data-casella="b@dominio.it"><td>b@dominio.it</td></tr>
  <tr data-casella="c@dominio.it"><td>c@dominio.it</td></tr>
</table>
</body></html>]]

local scadenza_page = [[<html><body>
<div id="password-programmi" data-stato="attiva">Valida fino al 31/05/2027</div>
<form action="scadenza" method="post" id="scadenza">
  <input type="checkbox" name="attiva">
  <select name="giorni"><option value="30">30</option><option value="90" selected>90</option></select>
  <select name="preavviso"><option>7</option><option>15</option></select>
  <input type="checkbox" name="notifica_email" value="si" checked>
  <input type="radio" name="canale" value="email"><input type="radio" name="canale" value="sms" checked>
  <textarea name="note">
riga uno
riga due</textarea>
  <input type="text" name="bloccato" value="x" disabled>
  <input type="reset" name="annulla"><input type="submit" name="salva" value="Salva">
  <button name="azione" value="rigenera">Rigenera</button>
  <button name="azione" value="estendi">Estendi</button>
  <input type="hidden" name="_token" value="t1">
</form>
<form action="/cerca" id="cerca"><input name="q"><input name="pagina" value="1"></form>
</body></html>]]

-- parse ---------------------------------------------------------------
local doc = html.parse(login_page, GESTIONEMAIL)
t.ok(doc ~= nil, "a login page parses")
t.like(tostring(doc), "gestionemail%.pec%.it", "a document says which page it is")
t.is(doc:url(), GESTIONEMAIL, "the document keeps its URL")

local broken = html.parse("<div><p>senza chiusura<b>grassetto</div><td>cella", "https://x.test/")
t.is(broken and broken:text("b"), "grassetto", "tag soup parses in recovery mode")
t.ok(html.parse("") ~= nil, "an empty body is an empty page, not an error")
local from_response = html.parse({ status = 200, url = "https://account.aruba.it/pec",
	body = [[<form action="/pec/login" id="f"></form>]], headers = {} })
t.is(from_response and from_response:form{ id = "f" }.action, "https://account.aruba.it/pec/login",
	"parse(response) takes the body and resolves against the response URL")
t.raises("bad argument #1", "parse refuses a value that is not a page", html.parse, 42 == 42)

-- Form actions resolve by the URL rules, whether the shortcut for a plain
-- "/path" takes them or libcurl's parser does.
local resolutions = {
	{ "https://a.test/x/y", "/p?q=1", "https://a.test/p?q=1" },
	{ "https://a.test/x/y", "/p/./q", "https://a.test/p/q" },
	{ "https://a.test/x/y", "/p/../q", "https://a.test/q" },
	{ "https://a.test/x/y", "/p#frag", "https://a.test/p" },
	{ "https://a.test:8443/x", "/p", "https://a.test:8443/p" },
	{ "https://A.Test/x", "/p", "https://A.Test/p" },
	{ "http://a.test", "/p", "http://a.test/p" },
	{ "https://a.test/x/y", "//b.test/p", "https://b.test/p" },
	{ "https://a.test/x/y", "p", "https://a.test/x/p" },
	{ "https://a.test/x/y?z=1", "", "https://a.test/x/y?z=1" },
}
for _, r in ipairs(resolutions) do
	local rdoc = html.parse(string.format('<form id="f" action="%s"></form>', r[2]), r[1])
	t.is(rdoc and rdoc:form{ id = "f" }.action, r[3], string.format("%q against %s", r[2], r[1]))
end

-- XPath ---------------------------------------------------------------
t.is(doc:xpath("//h1")[1], "Accedi a GestioneMail", "xpath gives an element's text")
local names = doc:xpath("//form[@id='login']//input/@name")
t.is(table.concat(names, ","), "_token,casella,password,_ts", "xpath gives attribute values in page order")
t.is(doc:xpath("//input[@name='_token']/@value")[1], "tok-3f9a&x", "entities in attributes are decoded")
t.is(#doc:xpath("//table"), 0, "no match is an empty array")
local cdoc = html.parse(cambio_page, GESTIONEMAIL .. "cambio-password")
t.is(cdoc:xpath("count(//tr[@data-casella])")[1], "3", "a number result is one string")
t.is(cdoc:xpath("boolean(//nav[@id='menu'])")[1], "true", "a boolean result is one string")
t.is(cdoc:xpath("normalize-space(//div[contains(@class,'alert')])")[1],
	"La nuova password deve avere una lunghezza compresa fra gli 8 ed i 20 caratteri\194\160",
	"a string result is one string")
local v, err = doc:xpath("//input[@name=")
t.fails("invalid", "a bad XPath expression is nil, err", v, err)
t.like(err and err.message, "XPath", "the error says it is the XPath")
t.like(err and err.message, "//input%[@name=", "the error quotes the expression")
v, err = doc:xpath("nosuchfunction(1)")
t.fails("invalid", "an unknown XPath function is nil, err", v, err)
v, err = doc:xpath("//input[@name=")
t.fails("invalid", "a bad expression fails again when asked again", v, err)
-- expressions are compiled once and kept: the same one asked of another
-- page answers for that page, and one pushed out by many others still works
t.is(doc:xpath("count(//input)")[1], "4", "count(//input) on the login page")
t.is(cdoc:xpath("count(//input)")[1], cdoc:xpath("count(//form//input)")[1],
	"the same expression on another page answers for that page")
t.ok(cdoc:xpath("count(//input)")[1] ~= "4", "(which has another number of inputs)")
for i = 1, 12 do doc:xpath("count(//*[" .. i .. "])") end
t.is(doc:xpath("count(//input)")[1], "4", "and after a dozen other expressions, again for the first page")

-- CSS -----------------------------------------------------------------
local inputs = doc:select("form#login input[name]")
t.is(#inputs, 4, "form#login input[name] finds the four named inputs")
t.is(inputs[2].tag, "input", "an element has its tag")
t.is(inputs[2].attrs.name, "casella", "an element has its attributes")
t.is(inputs[3].attrs.type, "password", "attributes keep their values")
t.is(#doc:select("input[type=hidden]"), 2, "[attr=value] matches")
t.is(#doc:select('input[type="hidden"]'), 2, '[attr="value"] matches')
t.is(#doc:select("FORM#login > INPUT"), 2, "child combinator: only direct children; tags in any case")
t.is(#doc:select("form#login > label > input"), 2, "child combinators chain")
t.is(#doc:select("main input"), 4, "descendant combinator")
t.is(#doc:select(".form-login"), 1, ".class matches one of several classes")
t.is(#doc:select(".form"), 0, ".class does not match a class that only starts the same")
t.is(#cdoc:select("div.alert.alert-danger"), 1, "several classes at once, any spacing")
local txt = cdoc:text(".alert-danger")
t.is(txt, "La nuova password deve avere una lunghezza compresa fra gli 8 ed i 20 caratteri",
	"text is trimmed and white space (and &nbsp;) collapsed")
t.is(cdoc:text('span.field-error[data-field="nuova_password"]'), "Troppo corta",
	"a field's error found by data-field")
t.is(cdoc:select("nav#menu li.active > a")[1].attrs.href, "/cambio-password", "the active menu entry")
local both = cdoc:select("h2, nav#menu")
t.is(both[1] and both[1].tag, "nav", "a comma list gives matches in page order")
t.is(#both, 2, "a comma list gives every match once")
t.is(#cdoc:select("tr[data-casella]"), 3, "one tr[data-casella] per mailbox")
t.is(cdoc:select_one("tr[data-casella]").attrs["data-casella"], "a@dominio.it", "select_one gives the first")
t.is(cdoc:select_one("tr.nothing"), nil, "select_one of nothing is nil")
t.is(cdoc:text("h3"), nil, "text of nothing is nil")
local sdoc = html.parse(scadenza_page, "https://account.aruba.it/pec/password/")
t.is(sdoc:select_one("#password-programmi[data-stato=attiva]").text, "Valida fino al 31/05/2027",
	"#id[attr=value] together")
t.is(#sdoc:select("*[name=azione]"), 2, "* matches any tag")
local quoted = html.parse([[<p title="l'uno">A</p><p title='il "due"'>B</p><p title="tre">C</p>]])
t.is(quoted:text("p[title=\"l'uno\"]"), "A", "a quoted value may hold an apostrophe")
t.is(quoted:text("p[title='il \"due\"']"), "B", "or double quotes")
t.is(quoted:text("p[TITLE=tre]"), "C", "attribute names match in any case")
for _, bad in ipairs({ "a:first-child", "li + li", "a[href^=x]", "div ~ p", "a[href", "#", "a,,b", "" }) do
	local r, e = cdoc:select(bad)
	t.fails("invalid", "unsupported selector refused: " .. bad, r, e)
end
local _, e = cdoc:select("nav a:hover")
t.like(e and e.message, "':' at offset 5", "the error says what and where")
t.like(e and e.message, "supported:", "the error lists what is supported")

-- Forms: finding ------------------------------------------------------
local f = doc:form{ action = "/login" }
t.ok(f ~= nil, "a form found by its action path")
t.is(f and f.action, "https://gestionemail.pec.it/login", "the action is an absolute URL")
t.is(f and f.method, "POST", "the method is upper case")
t.is(f and f.id, "login", "the form has its id")
t.ok(doc:form{ id = "login" } ~= nil, "a form found by its id")
t.ok(doc:form{ action = "https://gestionemail.pec.it/login" } ~= nil, "a form found by its absolute action")
t.ok(doc:form{ action = "login" } ~= nil, "a relative action resolves against the page")
t.ok(doc:form{ action = "/login?next=%2Ftitolare" } ~= nil, "the query is ignored when matching")
t.ok(doc:form("/login") ~= nil, "form(path) is form{action=path}")
t.ok(cdoc:form{ action = "/cambio-password" } ~= nil, "an action with a query matches its path")
t.is(cdoc:form{ action = "/cambio-password", id = "cambio-password" }.id, "cambio-password",
	"action and id together")
t.is(cdoc:form{ action = "/logout" }.id, "logout", "the form with that action, not the first form")
local nf, nerr = doc:form{ action = "/cambio-password" }
t.fails("portal_changed", "a missing form is nil, err portal_changed", nf, nerr)
t.like(nerr and nerr.message, 'no form with action "/cambio%-password"', "the error names the action")
nf, nerr = doc:form{ id = "cambio" }
t.fails("portal_changed", "a missing id is nil, err", nf, nerr)
t.is(doc:form{ action = "https://account.aruba.it/login" }, nil, "another host's action does not match")
t.raises("give 'action' or 'id'", "form{} without action or id is misuse", doc.form, doc, {})
local sf = sdoc:form{ id = "scadenza" }
t.is(sf.action, "https://account.aruba.it/pec/password/scadenza", "a relative action resolves in the directory")
t.is(sdoc:form{ id = "cerca" }.method, "GET", "a form without method is GET")
local forms = cdoc:forms()
t.is(#forms, 2, "forms() lists every form")
t.is(forms[2].action, "https://gestionemail.pec.it/logout", "forms() gives each action")
t.is(table.concat(forms[1].fields, ","), "password_attuale,nuova_password,ripeti_password,_token",
	"forms() gives each form's field names")
local deep = html.parse([[<!-- c --><div><table><tr><td><form id="a"></form></td></tr></table></div>
<p><span><form id="b"><input name="x"></form></span></p><form id="c"></form>]], "https://x.test/")
local ids = {}
for _, df in ipairs(deep:forms()) do ids[#ids + 1] = df.id end
t.is(table.concat(ids, ","), "a,b,c", "forms() finds forms at every depth, in page order")
t.is(deep:form{ id = "c" } and deep:form{ id = "c" }.id, "c", "and form{} finds the last one")
t.is(deep:xpath("count(id('b')//input)")[1], "1", "XPath's id() finds an element by its id")
t.is(deep:xpath("count(id('nessuno'))")[1], "0", "and nothing for an id not on the page")

-- Forms: fields -------------------------------------------------------
local fields = f:fields()
t.is(fields._token and fields._token.value, "tok-3f9a&x", "hidden fields are kept, with their value")
t.is(fields._token and fields._token.type, "hidden", "fields have their type")
t.is(fields._ts and fields._ts.value, "1700000000", "every hidden field is kept")
t.is(fields.casella and fields.casella.type, "text", "a text field")
t.is(fields.password and fields.password.value, "", "an empty password field sends an empty value")
local n = 0
for _ in pairs(fields) do n = n + 1 end
t.is(n, 4, "buttons are not fields")
t.is(f:get("_token"), "tok-3f9a&x", "get reads a field")
v, err = f:get("pasword")
t.fails("portal_changed", "get of an undeclared field is nil, err", v, err)

local sfields = sf:fields()
t.is(sfields.attiva.value, nil, "an unchecked checkbox sends nothing")
t.is(sfields.attiva.type, "checkbox", "a checkbox is declared even when unchecked")
t.is(sfields.notifica_email.value, "si", "a checked checkbox sends its value")
t.is(sfields.giorni.value, "90", "a select sends its selected option")
t.is(sfields.preavviso.value, "7", "a select with nothing selected sends its first option")
t.is(sfields.canale.value, "sms", "a radio group sends the checked button")
t.is(sfields.note.value, "riga uno\nriga due", "a textarea sends its text")
t.is(sfields.bloccato, nil, "disabled fields are not fields")
t.is(sfields.salva, nil, "submit inputs are not fields")
t.is(sfields.azione, nil, "named buttons are not fields")

-- Forms: fill ---------------------------------------------------------
local filled, ferr = f:fill{ casella = "mario.rossi@pec.it", password = "vecchia" }
t.ok(filled == f, "fill returns the form, for chaining")
t.is(f:get("casella"), "mario.rossi@pec.it", "fill sets a field")
filled, ferr = f:fill{ casella = "other@pec.it", pasword = "typo" }
t.fails("portal_changed", "fill refuses a name the form does not declare", filled, ferr)
t.is(ferr and ferr.message, 'form "/login" has no field "pasword"', "the error names the form and the field")
t.is(ferr and ferr.field, "pasword", "the error carries the field")
t.is(f:get("casella"), "mario.rossi@pec.it", "a refused fill changes nothing")
t.raises("field names must be strings", "a non-string name is misuse", f.fill, f, { "x" })
t.raises("must be a string, number, boolean or secret", "a table value is misuse",
	f.fill, f, { casella = {} })
f:fill{ _ts = 1700000001 }
t.is(f:get("_ts"), "1700000001", "numbers fill as text")

-- Forms: submit -------------------------------------------------------
local s = recorder()
f:fill{ casella = "mario.rossi@pec.it", password = "a b&c=d+é%~" }
local r = f:submit(s)
t.is(r and r.status, 303, "submit returns what the session returns")
local req = s.sent[1]
t.is(req.method, "POST", "submit posts a POST form")
t.is(req.url, "https://gestionemail.pec.it/login", "to the form's action")
t.is(req.headers["Content-Type"], "application/x-www-form-urlencoded", "as a urlencoded form")
t.is(req.body, "_token=tok-3f9a%26x&casella=mario.rossi%40pec.it&password=a+b%26c%3Dd%2B%C3%A9%25~&_ts=1700000001",
	"the body encodes every field in page order: unreserved kept, space as +, the rest %XX")

sf:fill{ attiva = true, notifica_email = false, canale = "email", giorni = "30", azione = "estendi" }
sf:submit(s)
t.is(s.sent[2].body, "attiva=on&giorni=30&preavviso=7&canale=email&note=riga+uno%0Ariga+due&azione=estendi&_token=t1",
	"boxes tick and clear with booleans; a named button is sent when pressed")
sf:fill{ salva = true }
sf:submit(s)
t.unlike(s.sent[3].body, "azione", "pressing another button releases the first")
t.like(s.sent[3].body, "salva=Salva", "a submit input sends its value when pressed")

local gf = sdoc:form{ id = "cerca" }
gf:fill{ q = "caselle è" }
gf:submit(s, { headers = { ["Accept"] = "text/html" } })
t.is(s.sent[4].method, "GET", "a GET form submits with GET")
t.is(s.sent[4].url, "https://account.aruba.it/cerca?q=caselle+%C3%A8&pagina=1", "with the fields as the query")
t.is(s.sent[4].body, nil, "and no body")
t.is(s.sent[4].headers.Accept, "text/html", "extra headers pass through")
gf:submit(s, { redirects = false })
t.is(s.sent[5].redirects, false, "redirects=false passes through")
t.raises("expected a session", "submit without a session is misuse", f.submit, f)

-- Secrets -------------------------------------------------------------
local pw = pecctl.secrets.new("Segreta.2024")
local lf = doc:form{ id = "login" }
lf:fill{ casella = "mario.rossi@pec.it", password = pw }
t.is(tostring(lf:get("password")), "***", "a secret field reads back as the secret, not its text")
t.ok(pecctl.secrets.is_secret(lf:fields().password.value), "fields() gives the secret too")
lf:submit(s)
local body = s.sent[#s.sent].body
t.ok(pecctl.secrets.is_secret(body), "a body holding a secret is itself a secret")
t.is(tostring(body), "***", "and prints as ***")
t.is(#body, #"_token=tok-3f9a%26x&casella=mario.rossi%40pec.it&password=Segreta.2024&_ts=1700000000",
	"the secret body holds the whole encoded form")
lf:fill{ password = "plain" }
t.is(lf:get("password"), "plain", "refilling with text forgets the secret")

-- Lifetimes -----------------------------------------------------------
do
	local closing <close> = html.parse(login_page, GESTIONEMAIL)
	t.ok(closing:form{ id = "login" } ~= nil, "a document works inside a <close> block")
end
local early = html.parse(login_page)
local keep = early:form{ action = "/login" }
early:close()
early:close()
t.raises("closed", "a closed document refuses use", early.xpath, early, "//a")
t.is(keep.action, "/login", "a form outlives its document (and without a URL its action stays relative)")
keep:close()
t.raises("closed", "a closed form refuses use", keep.fields, keep)
collectgarbage()
collectgarbage()

t.done()
