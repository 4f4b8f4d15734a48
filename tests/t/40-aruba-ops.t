#!/bin/sh
# The Aruba PEC plugin against pecsim: every operation, dry runs, portal
# messages, push approvals (approved, denied, expired), codes by email and
# SMS, unknown outcomes and a portal that changed. The assertions are in
# tests/lua/aruba_ops.lua; this file sets the stage: the emulator, an OTP
# command reading the emulator's outbox, and a phone that denies a push.
. "$(dirname "$0")/../lib.sh"

[ -x "$PECCTL_BIN" ] || skip_all "$PECCTL_BIN is not built"
[ -x "$PECSIM_BIN" ] || skip_all "$PECSIM_BIN is not built"
[ -f "$BUILD/plugins/aruba.so" ] || skip_all "the aruba plugin is not built"
command -v curl >/dev/null 2>&1 || skip_all "curl is not installed"

start_pecsim

# The code for the destination named at the end of the prompt (an email
# address or a +39 number), as the user would read it from the message.
# $T/wrong-code makes it answer one wrong code first.
cat >"$T/otp.sh" <<EOF
#!/bin/sh
if [ -f "$T/wrong-code" ]; then rm -f "$T/wrong-code"; echo 000000; exit 0; fi
to=\$(printf '%s' "\$PECCTL_PROMPT" | sed 's/:\$//' | awk '{print \$NF}')
curl -sS --cacert "$SIM_CA" --connect-to "gestionemail.pec.it:443:$SIM" -G \
	--data-urlencode "to=\$to" https://gestionemail.pec.it/__sandbox/outbox |
	grep -o '"code":"[0-9]*"' | tail -1 | cut -d'"' -f4
EOF
chmod 755 "$T/otp.sh"

# The phone: deny-next.sh denies the next push that appears (it waits up to
# 10 s for one), so a test denies exactly the push it means to.
cat >"$T/deny-next.sh" <<EOF
#!/bin/sh
admin() {
	curl -sS --cacert "$SIM_CA" --connect-to "gestionemail.pec.it:443:$SIM" -X "\$1" \\
		"https://gestionemail.pec.it\$2"
}
i=0
while [ \$i -lt 100 ]; do
	id=\$(admin GET /__sandbox/push | grep -o '"id":"[0-9a-f]*"' | head -1 | cut -d'"' -f4)
	if [ -n "\$id" ]; then admin POST "/__sandbox/push/\$id/deny"; exit 0; fi
	i=\$((i + 1))
	sleep 0.1
done
exit 1
EOF
chmod 755 "$T/deny-next.sh"

run_sim --otp-command "$T/otp.sh" script "$TOP/tests/lua/aruba_ops.lua" "$T"
printf '%s\n' "$out"
if [ "$status" -ne 0 ]; then
	printf '%s\n' "$err" | tail -40 | sed 's/^/# /'
	exit 1
fi
