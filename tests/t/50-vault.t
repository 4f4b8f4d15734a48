#!/bin/sh
# The vault through the real binary: init, set, get, list, rm, import,
# export, passwd, the rotation API, vault: references, concurrent writers,
# file modes, and no secret in any output but the one asked for.
. "$(dirname "$0")/../lib.sh"
# The system Python when there is one: version-manager shims start slowly.
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi

# The KDF floor keeps the suite fast; secrets travel by env and stdin only.
export PECCTL_NO_TTY=1 PECCTL_VAULT_KDF=interactive
export PECCTL_VAULT_PASSPHRASE='Vault pass-phrase 1'
VAULT="$XDG_DATA_HOME/pecctl/vault"
PW1='Rossi.2024-pec'
PW2='N3w,Pass"word x'
PW3='Bianchi!77'
: > "$T/all-stderr"

# v ARGS...: run_pecctl, keeping every stderr for the sweep at the end.
v() { run_pecctl "$@"; cat "$T/err" >> "$T/all-stderr"; }
v_in() { run_pecctl_in "$@"; cat "$T/err" >> "$T/all-stderr"; }
mode_of() { stat -c %a "$1"; }

# init
v vault init
is "$status" 0 "vault init creates a vault"
ok "$([ -f "$VAULT" ]; echo $?)" "it is at \$XDG_DATA_HOME/pecctl/vault"
is "$(mode_of "$VAULT")" 600 "the vault file is mode 0600"
is "$(mode_of "$(dirname "$VAULT")")" 700 "its directory is mode 0700"
head -c 8 "$VAULT" > "$T/magic"
is "$(cat "$T/magic")" "PECCTLV1" "the file starts with the PECCTLV1 magic"
kdf=$("$PY" -c 'import sys; d=open(sys.argv[1],"rb").read(); print(int.from_bytes(d[12:20],"big"), int.from_bytes(d[20:28],"big"))' "$VAULT")
is "$kdf" "2 67108864" "PECCTL_VAULT_KDF=interactive stores the floor (opslimit 2, 64 MiB)"
cp "$VAULT" "$T/v0"
v vault init
is "$status" 73 "a second init refuses (exit 73)"
like "$err" "already exists at .*pecctl/vault" "and says where the vault is"
cmp -s "$VAULT" "$T/v0"; ok $? "the existing vault is untouched"

# set / get
v_in "$PW1
" vault set mario.rossi@pec.it
is "$status" 0 "set reads the password from stdin"
v vault get mario.rossi@pec.it
is "$status" 0 "get exits 0"
is "$out" "$PW1" "get prints the current password"
is "$(mode_of "$VAULT")" 600 "the replaced file is still 0600"
is "$(mode_of "$VAULT.lock")" 600 "the lock file is 0600"
ok "$(ls "$(dirname "$VAULT")" | grep -c tmp)" "no temporary file is left behind"
v_in "$PW2" vault set mario.rossi@pec.it
v vault get mario.rossi@pec.it
is "$out" "$PW2" "set again replaces the current password (stdin without a newline works)"
v vault get --previous mario.rossi@pec.it
is "$out" "$PW1" "and keeps the old one as previous"
v_in "$PW1" vault set mario.rossi@pec.it "$PW3"
is "$status" 64 "a password on the command line is refused"
unlike "$err" "Bianchi" "and is not echoed back"
v vault get nobody@pec.it
is "$status" 66 "get of an unknown key exits 66"
like "$err" "no entry nobody@pec.it" "and names the key"
v vault get
is "$status" 64 "get without a key is a usage error"

touch "$VAULT.tmp-AbC123"; chmod 600 "$VAULT.tmp-AbC123"
v_in "$PW2" vault set mario.rossi@pec.it
ok "$([ ! -e "$VAULT.tmp-AbC123" ]; echo $?)" "a temporary file left by a killed writer is removed by the next write"

odd=$(printf 'P\303\244ss "w\\rd"\tx/\342\202\254{}')
v_in "$odd" vault set odd@pec.it
v vault get odd@pec.it
is "$out" "$odd" "quotes, backslashes, a tab and UTF-8 in a password come back byte for byte"
v_in "$(printf 'x%.0s' $(seq 1 257))" vault set long@pec.it
is "$status" 65 "a password over 256 bytes is refused"
v vault rm odd@pec.it

# list
v_in "$PW3" vault set anna.bianchi@legalmail.it
v vault list
is "$status" 0 "list exits 0"
like "$out" "anna.bianchi@legalmail.it +ok" "list shows each key and its state"
like "$out" "mario.rossi@pec.it +ok, updated .*previous kept" "and whether a previous password is kept"
v vault list --json
is "$(printf '%s' "$out" | "$PY" -c 'import json,sys; print(",".join(e["key"] for e in json.load(sys.stdin)))')" \
	"anna.bianchi@legalmail.it,mario.rossi@pec.it" "list --json gives the keys, sorted"

# rm
v vault rm anna.bianchi@legalmail.it
is "$status" 0 "rm removes a key"
v vault get anna.bianchi@legalmail.it
is "$status" 66 "and it is gone"
v vault rm anna.bianchi@legalmail.it
is "$status" 66 "rm of an unknown key exits 66"

# import
cat > "$T/good.csv" <<EOF
account,password
a@pec.it,alpha-1
"b@pec.it","be,ta""2"
c@pec.it,gamma 3

mario.rossi@pec.it,$PW3
EOF
v vault import "$T/good.csv"
is "$status" 0 "import of a good CSV exits 0"
like "$err" "imported 4 accounts .*1 replaced" "and counts what it did"
v vault get b@pec.it
is "$out" 'be,ta"2' "quoted fields with commas and doubled quotes import intact"
v vault get c@pec.it
is "$out" 'gamma 3' "spaces inside a password are kept"
v vault get --previous mario.rossi@pec.it
is "$out" "$PW2" "an imported account keeps its replaced password as previous"
cat > "$T/bad.csv" <<EOF
d@pec.it,delta
e@pec.it
,nobody
f@pec.it,"open
d@pec.it,again
g@pec.it,
h@pec.it,x,y
EOF
cp "$VAULT" "$T/before-import"
v vault import "$T/bad.csv"
is "$status" 65 "import with bad rows exits 65"
like "$err" "bad.csv:2: expected 2 fields" "a row with one field is reported with its line"
like "$err" "bad.csv:3: the account is empty" "an empty account is reported"
like "$err" "bad.csv:4: a quoted field is not closed" "an unclosed quote is reported"
like "$err" "bad.csv:5: d@pec.it was already given on line 1" "a repeated account is reported"
like "$err" "bad.csv:6: the password is empty" "an empty password is reported"
like "$err" "bad.csv:7: expected 2 fields" "a row with three fields is reported"
like "$err" "nothing imported" "and nothing is imported"
cmp -s "$VAULT" "$T/before-import"; ok $? "the vault file is unchanged"
v vault import --skip-bad "$T/bad.csv"
is "$status" 0 "--skip-bad imports the good rows"
v vault get d@pec.it
is "$out" "delta" "the good row is in"
v vault import "$T/missing.csv"
is "$status" 66 "import of a missing file exits 66"

# export round trip
v vault export
is "$status" 0 "export to a file exits 0"
printf '%s\n' "$out" > "$T/export.csv"
is "$(head -n 1 "$T/export.csv")" "account,password" "export starts with a header row"
like "$out" 'b@pec.it,"be,ta""2"' "export quotes what needs quoting"
PECCTL_VAULT="$T/copy" v vault init
PECCTL_VAULT="$T/copy" v vault import "$T/export.csv"
is "$status" 0 "an export imports into another vault (PECCTL_VAULT)"
PECCTL_VAULT="$T/copy" v vault export
is "$out" "$(cat "$T/export.csv")" "and exports the same again"

# the terminal: get and export refuse it, init asks twice
if "$PY" -c 'import pty' 2>/dev/null; then
	PTY="$PY $TOP/tests/tools/pty_run.py"
	shown=$(env -u PECCTL_NO_TTY $PTY -- "$PECCTL_BIN" vault get mario.rossi@pec.it); st=$?
	is "$st" 64 "get on a terminal refuses without --reveal"
	unlike "$shown" "Bianchi" "and shows nothing secret"
	shown=$(env -u PECCTL_NO_TTY $PTY -- "$PECCTL_BIN" vault get --reveal mario.rossi@pec.it); st=$?
	is "$st" 0 "get --reveal prints on a terminal"
	like "$shown" "$PW3" "the password is shown"
	shown=$(env -u PECCTL_NO_TTY $PTY -- "$PECCTL_BIN" vault export); st=$?
	is "$st" 64 "export on a terminal refuses without --force"
	shown=$(env -u PECCTL_NO_TTY -u PECCTL_VAULT_PASSPHRASE $PTY --answer 'typed passphrase' \
		--answer 'typed passphrase' -- "$PECCTL_BIN" vault --vault "$T/tty-vault" init); st=$?
	is "$st" 0 "init on a terminal asks for the passphrase twice"
	like "$shown" "passphrase \(again\)" "the second question says so"
	unlike "$shown" "typed passphrase" "the passphrase is not echoed"
	shown=$(env -u PECCTL_NO_TTY -u PECCTL_VAULT_PASSPHRASE $PTY --answer 'typed passphrase' \
		--answer 'tty-secret-1' --answer 'tty-secret-1' -- "$PECCTL_BIN" vault --vault "$T/tty-vault" set k); st=$?
	is "$st" 0 "set on a terminal asks the passphrase, then the password twice"
	unlike "$shown" "tty-secret-1" "the password is not echoed"
	shown=$(env -u PECCTL_NO_TTY -u PECCTL_VAULT_PASSPHRASE $PTY --answer 'wrong passphrase' \
		--answer 'typed passphrase' -- "$PECCTL_BIN" vault --vault "$T/tty-vault" get --reveal k); st=$?
	is "$st" 0 "a wrong passphrase on a terminal is asked again"
	like "$shown" "wrong passphrase, try again" "saying why"
	like "$shown" "tty-secret-1" "and the second answer opens the vault"
else
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13; do ok 0 "# SKIP no python pty module"; done
fi

# the passphrase: a file, --vault, no source at all
printf '%s\n' "$PECCTL_VAULT_PASSPHRASE" > "$T/pass.txt"
env -u PECCTL_VAULT_PASSPHRASE "$PECCTL_BIN" vault --passphrase-file "$T/pass.txt" get mario.rossi@pec.it \
	>"$T/out" 2>>"$T/all-stderr" </dev/null
is "$?:$(cat "$T/out")" "0:$PW3" "--passphrase-file gives the passphrase"
env -u PECCTL_VAULT_PASSPHRASE PECCTL_VAULT_PASSPHRASE_FILE="$T/pass.txt" \
	"$PECCTL_BIN" vault get mario.rossi@pec.it >"$T/out" 2>>"$T/all-stderr" </dev/null
is "$?:$(cat "$T/out")" "0:$PW3" "so does PECCTL_VAULT_PASSPHRASE_FILE"
env -u PECCTL_VAULT_PASSPHRASE "$PECCTL_BIN" vault get mario.rossi@pec.it >"$T/out" 2>"$T/err" </dev/null
is "$?" 20 "with no passphrase source and no terminal, exit 20"
like "$(cat "$T/err")" "PECCTL_VAULT_PASSPHRASE" "and the error says how to give one"
v vault --vault "$T/nowhere/vault" list
is "$status" 66 "--vault FILE names the vault (a missing one exits 66)"
like "$err" "no vault at $T/nowhere/vault: create one with 'pecctl vault init'" "saying what to do"

# passwd
cp "$VAULT" "$T/before-passwd"
PECCTL_VAULT_NEW_PASSPHRASE='Second pass-phrase' v vault passwd
is "$status" 0 "passwd re-encrypts under a new passphrase"
v vault list
is "$status" 77 "the old passphrase no longer opens it (exit 77)"
PECCTL_VAULT_PASSPHRASE='Second pass-phrase' v vault get mario.rossi@pec.it
is "$status:$out" "0:$PW3" "the new one does, with every entry intact"
salt_old=$(od -An -tx1 -j28 -N16 "$T/before-passwd")
salt_new=$(od -An -tx1 -j28 -N16 "$VAULT")
ok "$([ "$salt_old" != "$salt_new" ]; echo $?)" "and a new salt"
PECCTL_VAULT_PASSPHRASE='Second pass-phrase' PECCTL_VAULT_NEW_PASSPHRASE='short' v vault passwd
is "$status" 65 "a passphrase under 8 characters is refused"
PECCTL_VAULT_PASSPHRASE='Second pass-phrase' PECCTL_VAULT_NEW_PASSPHRASE='Vault pass-phrase 1' v vault passwd
is "$status" 0 "and changed back"

# concurrency: eight writers at once, every write survives
for i in 1 2 3 4 5 6 7 8; do
	printf 'concurrent-%s\n' "$i" | "$PECCTL_BIN" vault set "c$i@pec.it" >/dev/null 2>>"$T/all-stderr" &
done
wait
v vault list
n=$(printf '%s\n' "$out" | grep -c '^c[1-8]@pec.it ')
is "$n" 8 "eight processes setting eight keys at once: all eight are there"
v vault get c5@pec.it
is "$out" "concurrent-5" "with their own passwords"

# rotation from Lua, vault: references
cat > "$T/rotate.lua" <<'LUA'
local v = pecctl.vault
local function check(cond, what) print((cond and "ok " or "not ok ") .. what) end
check(v.available(), "available")
check(v.unlock(), "unlock")
local new = pecctl.secrets.resolve("env:NEWPW")
check(v.stage("mario.rossi@pec.it", new, "op-1"), "stage")
local p, op = v.pending("mario.rossi@pec.it")
check(p == new and op == "op-1", "pending gives the staged password and its op")
local ok, err = v.stage("mario.rossi@pec.it", "other-pw", "op-2")
check(not ok and err.code == "invalid", "another op cannot stage over a pending password")
check(v.get("mario.rossi@pec.it") ~= new, "get still gives the current password")
if os.getenv("STEP") == "promote" then
	check(v.promote("mario.rossi@pec.it", "op-1"), "promote")
	check(v.get("mario.rossi@pec.it") == new, "the staged password is current")
	check(v.pending("mario.rossi@pec.it") == nil, "nothing is pending")
	check(pecctl.secrets.resolve("vault:mario.rossi@pec.it") == new, "vault:KEY resolves to it")
	local none, e = pecctl.secrets.resolve("vault:")
	check(none == nil and e.code == "usage", "vault: alone is refused")
	check(not v.promote("mario.rossi@pec.it", "op-1"), "a second promote fails")
end
LUA
NEWPW='Rotated.2025-pec' "$PECCTL_BIN" script "$T/rotate.lua" >"$T/lua-out" 2>>"$T/all-stderr"
is "$?" 0 "a script stages a password"
unlike "$(cat "$T/lua-out")" "^not ok" "$(grep -c '^ok' "$T/lua-out") checks of staging pass"
grep '^not ok' "$T/lua-out" | sed 's/^/# /'
v vault list
like "$out" "mario.rossi@pec.it +PENDING since .* \(operation op-1\)" "list shows the pending password and its operation"
v vault get --pending mario.rossi@pec.it
is "$out" "Rotated.2025-pec" "get --pending prints it"
v vault rm mario.rossi@pec.it
is "$status" 65 "rm refuses an entry with a pending password"
like "$err" "reconcile mario.rossi@pec.it" "and says to reconcile it first"
cat > "$T/discard.lua" <<'LUA'
assert(pecctl.vault.discard("mario.rossi@pec.it", "op-1"))
LUA
"$PECCTL_BIN" script "$T/discard.lua" 2>>"$T/all-stderr"
is "$?" 0 "discard drops the pending password"
v vault get mario.rossi@pec.it
is "$out" "$PW3" "and the current one stays"
NEWPW='Rotated.2025-pec' STEP=promote "$PECCTL_BIN" script "$T/rotate.lua" >"$T/lua-out" 2>>"$T/all-stderr"
is "$?" 0 "a script stages and promotes a password"
unlike "$(cat "$T/lua-out")" "^not ok" "$(grep -c '^ok' "$T/lua-out") checks of promotion pass"
grep '^not ok' "$T/lua-out" | sed 's/^/# /'
v vault get --previous mario.rossi@pec.it
is "$out" "$PW3" "the promoted password's predecessor is previous"
v vault reconcile
is "$status" 0 "reconcile with nothing pending exits 0"

# a vault reached through a symbolic link: the file behind it is replaced,
# the link stays
mkdir -p "$T/elsewhere"
PECCTL_VAULT="$T/elsewhere/vault" v vault init
ln -s "$T/elsewhere/vault" "$T/linked-vault"
PECCTL_VAULT="$T/linked-vault" v_in "linked-1" vault set linked@pec.it
is "$status" 0 "set works through a symlinked vault"
ok "$([ -L "$T/linked-vault" ]; echo $?)" "the link is still a link"
PECCTL_VAULT="$T/elsewhere/vault" v vault get linked@pec.it
is "$out" "linked-1" "and the file it points to holds the new entry"

# no secret on stderr, ever
for s in "$PW1" "$PW2" "$PW3" "$PECCTL_VAULT_PASSPHRASE" 'Second pass-phrase' 'Rotated.2025-pec' \
	'alpha-1' 'gamma 3' 'concurrent-5' 'tty-secret-1' 'linked-1'; do
	if grep -qF -- "$s" "$T/all-stderr"; then ok 1 "no secret on stderr ($s found)"; fi
done
ok 0 "no password or passphrase ever reached stderr ($(wc -l < "$T/all-stderr") lines checked)"

done_testing
