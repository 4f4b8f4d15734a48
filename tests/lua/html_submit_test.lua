-- Forms submitted through a real session: pecctl.html builds the request,
-- pecctl.session sends it to tests/tools/https_server.py's /echo, reached
-- as a.test through --sandbox. Run by tests/t/11-html-submit.t.
local t = dofile(arg[0]:match("(.*/)") .. "tap.lua")

local page = [[<html><body>
<form id="login" method="post" action="/echo?from=login">
  <input type="hidden" name="_token" value="tok 1">
  <input name="casella"><input type="password" name="password">
  <button type="submit">Accedi</button>
</form>
<form id="cerca" action="/echo"><input name="q"></form>
</body></html>]]

local function echoed(r, what)
	local pat = what:gsub("%p", "%%%0") .. " ([^\n]*)"
	return r and (r.body:match("^" .. pat) or r.body:match("\n" .. pat))
end
local function body(r) return r and r.body:match("\n\n(.*)$") end

local s = pecctl.session()
local doc = pecctl.html.parse(page, "https://a.test/login")
local pw = pecctl.secrets.new("Nuova.pass-1 &=")
local r, err = doc:form{ action = "/echo" }
	:fill{ casella = "mario.rossi@pec.it", password = pw }
	:submit(s)
t.ok(r ~= nil, "a form with a secret submits through a session" .. (err and ": " .. err.message or ""))
t.is(r and r.status, 200, "the server answers")
t.is(echoed(r, "method"), "POST", "as a POST")
t.is(echoed(r, "path"), "/echo?from=login", "to the form's action, query kept")
t.is(echoed(r, "header content-type:"), "application/x-www-form-urlencoded", "as a urlencoded form")
t.is(body(r), "_token=tok+1&casella=mario.rossi%40pec.it&password=Nuova.pass-1+%26%3D",
	"the server receives the secret's real bytes, encoded")

r, err = doc:form{ id = "cerca" }:fill{ q = "ricerca è" }:submit(s)
t.is(echoed(r, "method"), "GET", "a GET form sends a GET")
t.is(echoed(r, "path"), "/echo?q=ricerca+%C3%A8", "with its fields as the query")
t.is(echoed(r, "body-length"), "0", "and no body")

t.done()
