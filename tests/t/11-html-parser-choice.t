#!/bin/sh
# Pages are read by pecctl's HTML reader; PECCTL_HTML_PARSER=libxml2 reads
# them with libxml2's own parser instead (and -vv says so). A portal page
# gives the same answers either way.
. "$(dirname "$0")/../lib.sh"

cat >"$T/page.html" <<'EOF'
<!DOCTYPE html>
<html><head><title>Accesso</title></head><body>
<form id="login" method="post" action="/login">
<input type="hidden" name="_token" value="t0k&amp;en"><input name="casella">
<input type="password" name="password"><button type="submit">Accedi</button>
</form><p class="alert alert-danger">Credenziali non valide</p></body></html>
EOF
cat >"$T/read.lua" <<'EOF'
local f = assert(io.open(arg[1]))
local doc = pecctl.html.parse(f:read("a"), "https://gestionemail.pec.it/")
f:close()
local form = doc:form{ id = "login" }
local names = {}
for name in pairs(form:fields()) do names[#names + 1] = name end
table.sort(names)
print("form", form.action, form.method, table.concat(names, ","), form:get("_token"))
print("alert", doc:text(".alert-danger"))
print("body", doc:xpath("normalize-space(//body)")[1])
EOF

run_pecctl -vv script "$T/read.lua" "$T/page.html"
is "$status" 0 "the page is read"
ours=$out
unlike "$err" "PECCTL_HTML_PARSER" "by pecctl's reader"
PECCTL_HTML_PARSER=libxml2 run_pecctl -vv script "$T/read.lua" "$T/page.html"
is "$status" 0 "and read with PECCTL_HTML_PARSER=libxml2"
like "$err" "pages are read by libxml2's HTML parser" "which -vv confirms"
like "$ours" "^form	https://gestionemail.pec.it/login	POST	_token,casella,password	t0k&en" \
	"the form, its fields and an entity in a value"
like "$ours" "alert	Credenziali non valide" "the alert's text"
is "$ours" "$out" "both readers give the same answers"
PECCTL_HTML_PARSER=libxm run_pecctl script "$T/read.lua" "$T/page.html"
like "$err" "PECCTL_HTML_PARSER=libxm is not 'libxml2'" "a misspelt choice is pointed out"
is "$out" "$ours" "and pecctl's reader reads the page"

done_testing
