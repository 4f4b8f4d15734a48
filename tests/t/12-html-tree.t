#!/bin/sh
# Pages are built into trees by core/html_tree.c, and libxml2's own parser
# must build the same tree: for tag soup of every kind (in the unit test)
# and for every page pecsim serves to doctor and to the procedures.
. "$(dirname "$0")/../lib.sh"

command -v python3 >/dev/null || skip_all "python3 is needed to read the HAR traces"
start_pecsim
export PECCTL_NO_TTY=1 MARIO_PW=MarioRossi.2024 LUCA_PW=Marini.Studio7
admin PATCH /__sandbox/settings '{"login_rate_per_minute":1000}' >/dev/null

trace() { # trace NAME ARGS...: a run of pecctl with its exchanges kept
	_name=$1
	shift
	run_sim "$@" --har "$T/$_name.har"
}
trace doctor-aruba doctor --account mario.rossi@pec.it --secret env:MARIO_PW
trace doctor-legalmail doctor --account luca.marini@legalmail.it --secret env:LUCA_PW
trace history run access-history --account mario.rossi@pec.it --secret env:MARIO_PW
for proc in profile-correction contacts-update password-expiry; do
	trace "$proc" run "$proc" --check --account mario.rossi@pec.it --secret env:MARIO_PW
done
trace wrong run verify-login --account mario.rossi@pec.it --secret env:LUCA_PW

mkdir -p "$T/corpus"
pages=$(python3 - "$T/corpus" "$T"/*.har <<'PY'
import json, sys
out, n = sys.argv[1], 0
for har in sys.argv[2:]:
    for e in json.load(open(har))["log"]["entries"]:
        c = e["response"]["content"]
        if "html" in c.get("mimeType", "") and c.get("text"):
            n += 1
            open("%s/%03d.html" % (out, n), "w").write(c["text"])
print(n)
PY
)
# the unit test prints the plan and every result
[ "${pages:-0}" -ge 20 ] || { echo "Bail out! only ${pages:-0} HTML pages in the traces"; exit 1; }
UNIT_PKGS=libxml-2.0 HTML_CORPUS="$T/corpus" run_unit html_tree_test \
	"$TOP/core/html_tree.c" "$TOP/core/utf8.c" "$TOP/core/xml_alloc.c"
exit $?
