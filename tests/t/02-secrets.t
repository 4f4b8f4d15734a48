#!/bin/sh
# Secrets never show: as Lua values, in logs (text and JSON), in errors.
. "$(dirname "$0")/../lib.sh"

secret='Wr0ng!Pass word&%'
printf '%s\n' "$secret" > "$T/secret.txt"
export PECCTL_TEST_SECRET="$secret"

"$PECCTL_BIN" script "$TOP/tests/lua/secrets_test.lua" "$T/secret.txt" >"$T/tap" 2>"$T/log"
is "$?" 0 "the Lua secret checks pass"
unlike "$(cat "$T/tap")" '^not ok' "$(grep -c '^ok' "$T/tap") Lua checks of secrets, none failing"
grep '^not ok' -A2 "$T/tap" | sed 's/^/# /'
log=$(cat "$T/log")
unlike "$log" 'Sup3r\.Segreta' "a registered secret never reaches the log"
like "$log" 'plain \*\*\*' "its place is marked ***"
like "$log" 'encoded pw=\*\*\*&x=1' "a secret inside other text is masked in place"

# The URL-encoded and JSON spellings of a secret with special characters.
cat > "$T/spellings.lua" <<'LUA'
local s = pecctl.secrets.resolve("env:PECCTL_TEST_SECRET")
pecctl.log.warn("form body: password=%s", "Wr0ng%21Pass+word%26%25")
pecctl.log.warn("json body: %s", '{"password":"Wr0ng!Pass word&%"}')
error("failed with Wr0ng!Pass word&% in the message")
LUA
"$PECCTL_BIN" --log-format json script "$T/spellings.lua" 2>"$T/log2"
is "$?" 70 "a script error exits 70"
log2=$(cat "$T/log2")
unlike "$log2" 'Wr0ng' "no spelling of the secret reaches the JSON log or the error"
like "$log2" '"level":"warn"' "log lines are JSON objects with a level"
like "$log2" 'failed with \*\*\* in the message' "the error message is scrubbed too"
first=$(head -n 1 "$T/log2")
printf '%s' "$first" | python3 -c 'import json,sys; json.loads(sys.stdin.read())' 2>/dev/null
is "$?" 0 "each JSON log line parses"

"$PECCTL_BIN" -q script "$T/spellings.lua" 2>"$T/log3"
unlike "$(cat "$T/log3")" 'warn' "-q hides warnings"

done_testing
