#!/bin/sh
# The InfoCert Legalmail plugin end to end: the real binary against pecsim's
# Legalmail API. tests/lua/infocert_ops.lua holds the operations; this file
# adds what needs a second actor (denying a push on the "phone") or another
# configuration, and checks that no secret reaches the output.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/sandbox/sim-helpers.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
[ -x "$PECCTL_BIN" ] || { echo "Bail out! $PECCTL_BIN is not built"; exit 1; }
[ -x "$PECSIM_BIN" ] || { echo "Bail out! $PECSIM_BIN is not built"; exit 1; }
[ -f "$BUILD/plugins/infocert.so" ] || { echo "Bail out! the infocert plugin is not built"; exit 1; }

start_pecsim
settings '{"login_rate_per_minute":1000}'

# Polling every 2 s, as for a person, would only slow the tests down.
mkdir -p "$XDG_CONFIG_HOME/pecctl"
printf '%s\n' 'infocert.poll_interval_ms = 100' >"$XDG_CONFIG_HOME/pecctl/config"

# The "phone" for codes: the newest code in the outbox, or a wrong one
# while $T/otp.mode says so; every question is counted in $T/otp.asked.
cat >"$T/otp.sh" <<EOF
#!/bin/sh
echo "\$PECCTL_PROMPT" >>"$T/otp.asked"
if [ "\$(cat "$T/otp.mode" 2>/dev/null)" = wrong ]; then echo 000000; exit 0; fi
curl -sS --cacert "$SIM_CA" --connect-to "gestionemail.pec.it:443:$SIM" \
	https://gestionemail.pec.it/__sandbox/outbox |
	python3 -c 'import json, sys; d = json.load(sys.stdin); print(d[-1]["code"] if d else "")'
EOF
chmod +x "$T/otp.sh"
export INFOCERT_TEST_DIR="$T"

# relay: the Lua script's TAP lines, renumbered into this file's stream.
relay() {
	while IFS= read -r line; do
		case "$line" in
		"ok "*) ok 0 "${line#* - }" ;;
		"not ok "*) ok 1 "${line#* - }" ;;
		"1.."*) ;;
		*) echo "# $line" ;;
		esac
	done
}

run_sim --otp-command "$T/otp.sh" script "$TOP/tests/lua/infocert_ops.lua"
relay <"$T/out"
is "$status" 0 "the operations script exits 0"
[ "$status" = 0 ] || printf '%s\n' "$err" | tail -20 | sed 's/^/# stderr: /'
unlike "$out$err" "Marini\.Studio7|Nuova\.Pass2025|Pec!Sicura2024|Colombo_Lm2024|Ancona|Blu\b" \
	"no password or answer appears in the output"

# --- the bearer token and the passwords stay out of traces and HAR files
reset_sim
settings '{"login_rate_per_minute":1000}'
cat >"$T/trace.lua" <<'EOF'
local acct = pecctl.account { address = "luca.marini@legalmail.it", password = pecctl.secret("Marini.Studio7") }
assert(acct:login {})
assert(acct:twofa_status {})
assert(acct:change_password { new_password = pecctl.secret("Nuova.Pass2025") })
print("done")
EOF
run_sim -v -v --har "$T/trace.har" script "$T/trace.lua"
is "$out" "done" "a traced run"
like "$(cat "$T/trace.har")" "/legalmail/api/v1/account/password" "the HAR file holds the exchanges"
unlike "$(cat "$T/trace.har")$err" "[0-9a-f]{64}|Marini\.Studio7|Nuova\.Pass2025" \
	"and neither the token nor a password, in it or in the debug log"

# --- a push denied on the phone: a second actor denies it while we wait
reset_sim
settings '{"login_rate_per_minute":1000,"auto_approve_ms":-1}'
cat >"$T/login.lua" <<'EOF'
local acct = pecctl.account { address = "francesca.neri@legalmail.it", password = pecctl.secret("Pec!Sicura2024") }
local res, err = acct:login {}
print(res and "ok" or (err.code .. ": " .. err.message))
EOF
(
	i=0
	while [ $i -lt 100 ]; do
		id=$(pending_push francesca.neri@legalmail.it)
		if [ -n "$id" ]; then
			admin POST "/__sandbox/push/$id/deny" >/dev/null
			break
		fi
		sleep 0.1
		i=$((i + 1))
	done
) &
denier=$!
run_sim script "$T/login.lua"
wait $denier
is "$out" "denied: login approval was denied in the MyInfoCert app: Operazione non autorizzata" \
	"a push denied in the app is 'denied', in the portal's words too"
is "$status" 0 "(the script itself ends normally)"

# --- nobody answers and our own patience runs out before the portal's
printf '%s\n' 'infocert.push_timeout_s = 1' >>"$XDG_CONFIG_HOME/pecctl/config"
run_sim -v script "$T/login.lua"
like "$out" "^expired: " "an approval not given within push_timeout_s is 'expired'"
like "$err" "waiting up to 1 s" "the wait is announced with its length"

# --- the API base URL and paths are settings: a moved API is a config edit
reset_sim
settings '{"login_rate_per_minute":1000}'
printf '%s\n' 'infocert.api_base = https://webmail.infocert.it/legalmail/api/v2' \
	>>"$XDG_CONFIG_HOME/pecctl/config"
cat >"$T/luca.lua" <<'EOF'
local acct = pecctl.account { address = "luca.marini@legalmail.it", password = pecctl.secret("Marini.Studio7") }
local res, err = acct:login {}
print(res and "ok" or (err.code .. ": " .. err.message))
EOF
run_sim script "$T/luca.lua"
like "$out" "^portal_changed: " "infocert.api_base is followed; a path the API lacks is a portal change"
sed -i 's|^infocert.api_base = .*|infocert.api_base = https://webmail.infocert.it/legalmail/api/v1/|' \
	"$XDG_CONFIG_HOME/pecctl/config"
run_sim script "$T/luca.lua"
is "$out" "ok" "a base URL ending in / works as well"

done_testing
