#!/bin/sh
# pecctl repl driven through a real terminal (tmux), as a person would:
# completion, multi-line entries, printing, secrets, Ctrl-C, stepping a
# procedure, Ctrl-D.
. "$(dirname "$0")/../lib.sh"

command -v tmux >/dev/null || skip_all "tmux is needed to drive the REPL through a terminal"

run_pecctl repl -h
is "$status" 0 "repl -h exits 0"
like "$out" "^usage: pecctl repl" "and prints the usage"

run_pecctl repl --bogus
is "$status" 64 "an unknown option exits 64"

start_pecsim
export PW='MarioRossi.2024'
SECRET='Sup3r-Segreto.99'

# A test procedure that only needs sessions: log in to GestioneMail.
mkdir -p "$T/scripts"
cat >"$T/scripts/peek-login.lua" <<'EOF'
return {
	name = "peek-login",
	summary = "log in to GestioneMail and read the first page (test)",
	operations = {},
	params = { casella = { help = "mailbox" }, password = { secret = true, help = "its password" } },
	changes_state = false,
	run = function(ctx)
		local s = pecctl.session()
		local r = assert(s:get("https://gestionemail.pec.it/"))
		local form = pecctl.html.parse(r.body, r.url):form { id = "login" }
		local after, err = form:fill { casella = ctx.params.casella, password = ctx.params.password }:submit(s)
		if not after then return nil, err end
		return { message = "logged in", url = after.url }
	end,
}
EOF

# Slower under the sanitizers: every wait is generous, and polls.
WAIT=${PECCTL_SANITIZED:+40}
WAIT=${WAIT:-15}
PAUSE=0.4
[ -n "${PECCTL_SANITIZED:-}" ] && PAUSE=1
tm() { tmux -S "$T/tmux.sock" "$@"; }
screen() { tm capture-pane -p -J -S -200 -t repl; }
# wait_for PATTERN: until the screen shows it; 1 when it never does.
wait_for() {
	_w=0
	while ! screen | grep -Eq -- "$1"; do
		_w=$((_w + 1))
		[ $_w -gt $((WAIT * 10)) ] && return 1
		sleep 0.1
	done
	return 0
}
# type TEXT: typed literally, then Enter.
type_line() { tm send-keys -t repl -l "$1"; tm send-keys -t repl Enter; }
# expect PATTERN DESCRIPTION
expect() {
	if wait_for "$1"; then ok 0 "$2"; else
		ok 1 "$2"
		echo "#   the screen never showed /$1/:"
		screen | grep -v '^$' | tail -15 | sed 's/^/#   | /'
	fi
}
cleanup_tmux() { tm kill-server 2>/dev/null; cleanup; }
trap cleanup_tmux EXIT
# A session that outlives the REPL's: killing the last session stops the
# tmux server, and a new-session racing its exit would find no server.
tm new-session -d -s keeper "sleep 3600"

tm new-session -d -s repl -x 200 -y 50 \
	"$PECCTL_BIN --sandbox $SIM --cacert $SIM_CA --script-path $T/scripts repl; echo REPL-EXIT=\$?; sleep 120"
expect "help\(\) lists the helpers" "the REPL starts with a banner"

# Completion: the API, nested fields, a session's methods.
tm send-keys -t repl -l "pecctl.jso"
tm send-keys -t repl Tab
tm send-keys -t repl -l ".enc"
tm send-keys -t repl Tab
tm send-keys -t repl -l "{b = 1}"
tm send-keys -t repl Enter
expect '^pecctl> pecctl\.json\.encode\{b = 1\}$' "Tab completes pecctl.jso and .enc to pecctl.json.encode"
expect '^"\{\\"b\\":1\}"$' "and the completed call runs"
tm send-keys -t repl -l "session:coo"
tm send-keys -t repl Tab
tm send-keys -t repl -l "()"
tm send-keys -t repl Enter
expect '^pecctl> session:cookies\(\)$' "Tab after session: completes its methods"

# Expressions print without return; tables are pretty-printed, sorted.
type_line '1 + 41'
expect '^42$' "an expression is printed without return"
type_line '{ zeta = 1, alpha = { 2, 3 }, [10] = true }'
expect '^\{ \[10\] = true, alpha = \{ 2, 3 \}, zeta = 1 \}$' "a table is pretty-printed with sorted keys"
type_line 'loop = {}; loop.self = loop'
type_line 'loop'
expect '^\{ self = <cycle> \}$' "a cycle is marked, not followed"

# Multi-line input: an unfinished entry asks for more.
type_line 'function double(x)'
expect '^>> $' "an unfinished entry asks for more with >>"
type_line '  return 2 * x'
type_line 'end'
type_line 'double(21) + 100'
expect '^142$' "and the finished function works"

# Secrets print as ***, alone or inside a table, and stay out of history.
type_line "s = pecctl.secret(\"$SECRET\")"
type_line 's'
expect '^\*\*\*$' "a secret prints as ***"
type_line '{ pw = s, n = #tostring(s) }'
expect '^\{ n = 3, pw = \*\*\* \}$' "and as *** inside a table"

# Exchanges: last(), forms(), trace().
type_line 'r = session:get("https://gestionemail.pec.it/")'
type_line 'last()'
expect '^GET https://gestionemail.pec.it/ -> 200' "last() shows the last exchange"
expect '^title: Accedi - GestioneMail PEC$' "with the page's title"
expect '^form#login: POST https://gestionemail.pec.it/login  fields: _token, casella, password$' "and its forms"
type_line 'forms()[1].fields.password.type'
expect '^"password"$' "forms() gives the fields of the last page's forms"
type_line 'trace(true)'
type_line 'session:get("https://gestionemail.pec.it/password-dimenticata").status'
expect '^-> GET https://gestionemail.pec.it/password-dimenticata  [0-9]+  ' "trace(true) prints each exchange as it happens"
type_line 'trace(false)'

# Ctrl-C stops a long call and returns to the prompt.
type_line 'pecctl.sleep(30)'
sleep 1
tm send-keys -t repl C-c
expect '^(\^C)?interrupted$' "Ctrl-C during pecctl.sleep(30) interrupts it"
type_line '"still here"'
expect '^"still here"$' "and the prompt is back"

# Ctrl-C during an HTTP request the portal is slow to answer.
admin POST /__sandbox/faults '{"host":"gestionemail.pec.it","method":"GET","path":"/lento","when":"before","action":"delay:10000","times":1}' >/dev/null
type_line 'session:get("https://gestionemail.pec.it/lento")'
sleep 1
started=$(date +%s)
tm send-keys -t repl C-c
type_line '"after the request"'
expect '^"after the request"$' "Ctrl-C stops a request in flight"
took=$(( $(date +%s) - started ))
ok "$([ "$took" -lt 6 ]; echo $?)" "long before the portal would have answered (${took}s)"

# Stepping a procedure: Enter sends each exchange, q stops.
type_line 'pw = pecctl.secrets.resolve("env:PW")'
type_line 'run("peek-login", { casella = "mario.rossi@pec.it", password = pw }, { step = true })'
expect 'press Enter to send GET https://gestionemail.pec.it/; q to stop' "step mode pauses before the first exchange"
tm send-keys -t repl Enter
expect 'press Enter to send POST https://gestionemail.pec.it/login; q to stop' "then before the POST"
tm send-keys -t repl Enter
expect 'press Enter to send GET https://gestionemail.pec.it/titolare; q to stop' "then before the redirect it follows"
tm send-keys -t repl Enter
expect 'message = "logged in"' "and the procedure ends as it would without stepping"
type_line 'run("peek-login", { casella = "mario.rossi@pec.it", password = pw }, { step = true })'
_w=0
while [ "$(screen | grep -c 'press Enter to send GET https://gestionemail.pec.it/;')" -lt 2 ] && [ $_w -lt $((WAIT * 10)) ]; do
	_w=$((_w + 1)); sleep 0.1
done
is "$(screen | grep -c 'press Enter to send GET https://gestionemail.pec.it/;')" 2 "a second run pauses again"
type_line 'q'
expect 'stopped before GET https://gestionemail.pec.it/ \(step mode\)' "q stops the procedure before anything is sent"

# Ctrl-D leaves, with the history saved and free of the secret.
tm send-keys -t repl C-d
expect '^REPL-EXIT=0$' "Ctrl-D leaves with status 0"
hist="$XDG_STATE_HOME/pecctl/repl_history"
ok "$([ -f "$hist" ]; echo $?)" "the history is kept in \$XDG_STATE_HOME/pecctl"
like "$(cat "$hist" 2>/dev/null)" 'double' "with the entries typed"
unlike "$(cat "$hist" 2>/dev/null)" "$SECRET" "and without the secret typed into it"
unlike "$(screen)" "$PW" "the password never reached the screen"

# With --account: the mailbox bound to its provider, its operations as
# methods, and a real procedure stepped through.
tm kill-session -t repl
tm new-session -d -s repl -x 200 -y 50 \
	"$PECCTL_BIN --sandbox $SIM --cacert $SIM_CA repl --account mario.rossi@pec.it --secret env:PW; echo REPL-EXIT=\$?; sleep 120"
expect 'account = mario.rossi@pec.it \(aruba\)' "--account binds the mailbox to its provider"
type_line 'account.password'
expect '^\*\*\*$' "its password prints as ***"
tm send-keys -t repl -l "account:log"
tm send-keys -t repl Tab
tm send-keys -t repl -l "i"
tm send-keys -t repl Tab
tm send-keys -t repl -l "{}"
tm send-keys -t repl Enter
expect '^pecctl> account:login\{\}$' "Tab completes the provider's operations after account:"
expect 'logged_in = true' "and the operation runs on the live session"
type_line 'run("verify-login", {}, { step = true })'
expect 'press Enter to send GET https://gestionemail.pec.it/' "a real procedure can be stepped"
# however many exchanges it makes (an empty line at the prompt is ignored)
for _ in 1 2 3 4 5 6 7 8 9 10 11 12; do
	screen | grep -q 'message = "login ok"' && break
	tm send-keys -t repl Enter
	sleep "$PAUSE"
done
expect 'message = "login ok"' "exchange by exchange, to its end"
unlike "$(screen)" "$PW" "and the password never reached the screen"
tm send-keys -t repl C-d
expect '^REPL-EXIT=0$' "Ctrl-D leaves"

# Ctrl-C during a push wait: a mailbox with two-step verification waits
# for the phone app; nobody approves.
export BIANCHI_PW='Bianchi-Studio.75'
# the tmux server (kept alive since the start) gives new sessions its own
# environment, which predates this variable
tm set-environment -g BIANCHI_PW "$BIANCHI_PW"
tm kill-session -t repl
tm new-session -d -s repl -x 200 -y 50 \
	"$PECCTL_BIN --sandbox $SIM --cacert $SIM_CA repl --account studio.bianchi@pec.it --secret env:BIANCHI_PW; echo REPL-EXIT=\$?; sleep 120"
expect 'account = studio.bianchi@pec.it' "a mailbox with two-step verification"
type_line 'account:login{}'
expect 'approve it in the app' "its login waits for the app approval"
tm send-keys -t repl C-c
expect '^(\^C)?interrupted$' "Ctrl-C stops the wait"
type_line '"back at the prompt"'
expect '^"back at the prompt"$' "and the prompt is back"
tm send-keys -t repl C-d
expect '^REPL-EXIT=0$' "Ctrl-D leaves"

# Without --secret, the account's password comes from the vault, as for run.
export PECCTL_VAULT_PASSPHRASE='repl test vault' PECCTL_VAULT_KDF=interactive
"$PECCTL_BIN" vault init >/dev/null 2>&1
printf '%s' "$PW" | "$PECCTL_BIN" vault set mario.rossi@pec.it >/dev/null 2>&1
out=$(echo 'account:login{}.logged_in' | PECCTL_NO_TTY=1 "$PECCTL_BIN" --sandbox "$SIM" --cacert "$SIM_CA" \
	repl --account mario.rossi@pec.it 2>&1)
like "$out" '^true$' "repl --account without --secret logs in with the vault's password"

done_testing
