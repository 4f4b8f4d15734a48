#!/bin/sh
# A vault that cannot be trusted is refused: wrong passphrase, truncated,
# one flipped byte anywhere, an unknown version, weakened key derivation,
# a lock held by another process, loose permissions. Each gives a clear
# error and its exit code, and the file stays byte-for-byte as it was.
. "$(dirname "$0")/../lib.sh"
# The system Python when there is one: version-manager shims start slowly.
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi

export PECCTL_NO_TTY=1 PECCTL_VAULT_KDF=interactive PECCTL_VAULT_LOCK_TIMEOUT=1
export PECCTL_VAULT_PASSPHRASE='Bad-input pass 1'
VAULT="$XDG_DATA_HOME/pecctl/vault"
SECRET='Sup3r.Segreta-77'
: > "$T/all-stderr"

run_pecctl vault init
printf '%s\n' "$SECRET" | "$PECCTL_BIN" vault set mario.rossi@pec.it 2>/dev/null
printf 'other-pw\n' | "$PECCTL_BIN" vault set anna@legalmail.it 2>/dev/null
cp "$VAULT" "$T/good"
run_pecctl vault get mario.rossi@pec.it
is "$status:$out" "0:$SECRET" "a good vault opens"

# edit FILE ACTION...: python helpers on the header. Offsets: version 8,
# opslimit 12, memlimit 20, salt 28, nonce 44, key check 68, checksum 84.
edit() {
	if [ "$2" = cut ]; then  # without python, which starts slowly
		case "$3" in -*) truncate -s "$(( $(stat -c %s "$1") $3 ))" "$1" ;; *) truncate -s "$3" "$1" ;; esac
		return
	fi
	"$PY" - "$@" <<'PY'
import hashlib, sys
path, action = sys.argv[1], sys.argv[2]
d = bytearray(open(path, "rb").read())
if action == "flip":          # flip OFFSET [MASK]
    off = int(sys.argv[3]); off = off if off >= 0 else len(d) + off
    d[off] ^= int(sys.argv[4], 0) if len(sys.argv) > 4 else 1
elif action == "set":         # set OFFSET SIZE VALUE, then fix the checksum
    off, size, value = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    d[off:off + size] = value.to_bytes(size, "big")
    d[84:100] = hashlib.blake2b(bytes(d[:84]), digest_size=16).digest()
elif action == "cut":         # cut LENGTH (negative: drop bytes from the end)
    n = int(sys.argv[3]); d = d[:n] if n >= 0 else d[:len(d) + n]
open(path, "wb").write(d)
PY
}

# attempt CODE PATTERN DESCRIPTION: a write (set) and a read (get) on the
# vault as it is now: both exit CODE with PATTERN, the file unchanged.
attempt() {
	cp -p "$VAULT" "$T/before"
	printf 'new-password-1\n' | "$PECCTL_BIN" vault set mario.rossi@pec.it >"$T/out" 2>"$T/err"
	st_set=$?
	err_set=$(cat "$T/err"); cat "$T/err" >> "$T/all-stderr"
	"$PECCTL_BIN" vault get mario.rossi@pec.it >"$T/out" 2>"$T/err" </dev/null
	st_get=$?
	cat "$T/err" >> "$T/all-stderr"
	is "$st_set/$st_get" "$1/$1" "$3: set and get exit $1"
	like "$err_set" "$2" "$3: the error says so"
	cmp -s "$VAULT" "$T/before"; ok $? "$3: the file is byte-for-byte unchanged"
	is "$(cat "$T/out")" "" "$3: nothing on stdout"
}

restore() { cp "$T/good" "$VAULT"; chmod 600 "$VAULT"; }

PECCTL_VAULT_PASSPHRASE='not the passphrase' attempt 77 \
	"wrong passphrase for the vault .*vault: try again" "wrong passphrase"

restore; edit "$VAULT" cut 50
attempt 65 "is truncated \(50 bytes; a vault has at least 116\): restore it from a backup" "cut to 50 bytes"
restore; edit "$VAULT" cut 0
attempt 65 "is truncated \(0 bytes" "an empty file"
restore; edit "$VAULT" cut -1
attempt 65 "is damaged: the passphrase is right but the contents fail authentication" "the last byte cut"
restore; edit "$VAULT" cut 116
attempt 65 "is damaged" "cut to the header and a tag"

# One flipped bit at every header offset, and across the ciphertext: the
# damaged copies are made in one go (python starts slowly).
mkdir "$T/flips"
"$PY" - "$T/good" "$T/flips" <<'PY'
import sys
good = open(sys.argv[1], "rb").read()
n = len(good)
for off in list(range(0, 100)) + [100, 101, 150, n // 2, n - 17, n - 16, n - 1]:
    for mask in (0x01, 0x80):
        d = bytearray(good); d[off] ^= mask
        open("%s/%d-%d" % (sys.argv[2], off, mask), "wb").write(d)
PY
bad=0; tried=0
for flipped in "$T"/flips/*; do
		cp "$flipped" "$VAULT"; chmod 600 "$VAULT"
		cp "$VAULT" "$T/before"
		off=${flipped##*/}; mask=${off#*-}; off=${off%-*}
		printf 'new-password-1\n' | "$PECCTL_BIN" vault set mario.rossi@pec.it >/dev/null 2>"$T/err"
		st=$?
		cat "$T/err" >> "$T/all-stderr"
		tried=$((tried + 1))
		if [ "$st" != 65 ] || ! cmp -s "$VAULT" "$T/before" || ! grep -q . "$T/err"; then
			bad=$((bad + 1))
			echo "# offset $off mask $mask: exit $st: $(cat "$T/err")"
		fi
done
is "$bad" 0 "a flipped bit at any of $tried places: exit 65, a message, the file unchanged"
restore; edit "$VAULT" flip 0
attempt 65 "is not a pecctl vault \(it does not start with PECCTLV1\)" "a flipped magic byte"
restore; edit "$VAULT" flip 60
attempt 65 "has a damaged header \(its checksum does not match\)" "a flipped nonce byte"
restore; edit "$VAULT" flip 200
attempt 65 "is damaged: the passphrase is right" "a flipped ciphertext byte"

restore; edit "$VAULT" set 8 4 2
attempt 65 "has format version 2, which this pecctl \(version 1\) cannot read" "an unknown version"

restore; edit "$VAULT" set 12 8 1
attempt 65 "key derivation weaker than pecctl accepts \(opslimit 1, memlimit 65536 KiB; the floor is 2 and 65536 KiB\)" \
	"opslimit weakened to 1"
restore; edit "$VAULT" set 20 8 8388608
attempt 65 "key derivation weaker than pecctl accepts \(opslimit 2, memlimit 8192 KiB" "memlimit weakened to 8 MiB"
restore; edit "$VAULT" flip 19
attempt 65 "damaged header" "opslimit changed without fixing the checksum"
restore; edit "$VAULT" set 20 8 1099511627776
attempt 65 "key derivation costlier than pecctl allows" "memlimit raised to 1 TiB"

# The lock: held by flock(1), then by a process that records its pid.
restore
flock "$VAULT.lock" sleep 5 &
holder=$!; _pids="$_pids $holder"
sleep 0.3
started=$(date +%s%N)
cp "$VAULT" "$T/before"
printf 'new-password-1\n' | "$PECCTL_BIN" vault set mario.rossi@pec.it >/dev/null 2>"$T/err"
is "$?" 75 "a lock held by another process: set exits 75"
waited=$(( ($(date +%s%N) - started) / 1000000 ))
like "$(cat "$T/err")" "is locked by another process and was not released within 1 s: wait for it to finish" \
	"the error says who holds it and what to do"
ok "$([ "$waited" -ge 900 ] && [ "$waited" -lt 5000 ]; echo $?)" "it waited PECCTL_VAULT_LOCK_TIMEOUT (${waited} ms)"
cmp -s "$VAULT" "$T/before"; ok $? "the file is unchanged"
run_pecctl vault get mario.rossi@pec.it
is "$status:$out" "0:$SECRET" "readers do not wait for the lock (the file is replaced atomically)"
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null

"$PY" - "$VAULT.lock" "$T/holder.ready" <<'PY' &
import fcntl, os, sys, time
f = open(sys.argv[1], "r+")
fcntl.flock(f, fcntl.LOCK_EX)
f.truncate(0); f.write("%d\n" % os.getpid()); f.flush()
open(sys.argv[2], "w").close()
time.sleep(5)
PY
holder=$!; _pids="$_pids $holder"
i=0; while [ ! -e "$T/holder.ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
printf 'new-password-1\n' | "$PECCTL_BIN" vault set mario.rossi@pec.it >/dev/null 2>"$T/err"
is "$?" 75 "a lock held by a process that wrote its pid: exit 75"
like "$(cat "$T/err")" "locked by another pecctl \(pid $holder\)" "the error names the holder's pid"
cmp -s "$VAULT" "$T/before"; ok $? "the file is unchanged"
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
printf 'new-password-1\n' | "$PECCTL_BIN" vault set mario.rossi@pec.it >/dev/null 2>>"$T/all-stderr"
is "$?" 0 "once the holder is gone the write goes through"
restore

# Permissions, wrong kinds of file, a missing vault.
chmod 644 "$VAULT"
attempt 78 "is open to other users \(mode 0644\): refusing to use it; run 'chmod 600 " "a vault readable by others"
chmod 640 "$VAULT"
attempt 78 "mode 0640" "a vault readable by the group"
restore
echo 'just some text, long enough to pass for something else entirely, but not a vault at all, no; not one bit of it' > "$VAULT"
chmod 600 "$VAULT"
attempt 65 "is not a pecctl vault" "a file that is not a vault"
rm -f "$VAULT"
printf 'x-password\n' | "$PECCTL_BIN" vault set mario.rossi@pec.it >/dev/null 2>"$T/err"
is "$?" 66 "no vault: set exits 66"
like "$(cat "$T/err")" "no vault at .*: create one with 'pecctl vault init'" "and says how to make one"
ok "$([ ! -e "$VAULT" ]; echo $?)" "and creates nothing"
PECCTL_VAULT_PASSPHRASE='short' "$PECCTL_BIN" vault init 2>"$T/err"
is "$?" 65 "init with a passphrase under 8 characters exits 65"
ok "$([ ! -e "$VAULT" ]; echo $?)" "and creates no vault"
PECCTL_VAULT_KDF=feeble "$PECCTL_BIN" vault init 2>"$T/err"
is "$?" 64 "an unknown KDF level is a usage error"
like "$(cat "$T/err")" "interactive .*moderate .*sensitive" "naming the levels"
restore
run_pecctl vault get mario.rossi@pec.it
is "$status:$out" "0:$SECRET" "the good copy, put back, still opens"

# None of the errors above carried a password or the passphrase.
for s in "$SECRET" 'other-pw' 'new-password-1' "$PECCTL_VAULT_PASSPHRASE" 'not the passphrase'; do
	if grep -qF -- "$s" "$T/all-stderr"; then ok 1 "no secret on stderr ($s found)"; fi
done
ok 0 "no secret in any error ($(wc -l < "$T/all-stderr") lines checked)"

done_testing
