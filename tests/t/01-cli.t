#!/bin/sh
# The command line as a user meets it: help, version, usage errors and
# their exit codes.
. "$(dirname "$0")/../lib.sh"

# every command of `pecctl help`, and every vault subcommand, answers -h
commands=$("$PECCTL_BIN" help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
like "$commands" "batch" "pecctl help lists the commands"
for cmd in $commands; do
	run_pecctl "$cmd" -h
	is "$status" 0 "pecctl $cmd -h exits 0"
	like "$out" "^usage: pecctl $cmd" "pecctl $cmd -h prints its usage"
done
for sub in init set get list rm import export passwd reconcile; do
	run_pecctl vault "$sub" -h
	is "$status" 0 "pecctl vault $sub -h exits 0"
	like "$out" "usage: pecctl vault" "pecctl vault $sub -h prints its usage"
done

run_pecctl version
is "$status" 0 "version exits 0"
like "$out" '^pecctl [0-9]+\.[0-9]+\.[0-9]+ \(plugin ABI [0-9]+\.[0-9]+\)$' "version names the release and the ABI"

# libxml2 is linked from its static archive (core/icu_on_demand.c): pecctl
# starts without ICU and the C++ runtime that its shared library would load
# (UBSan's runtime brings the C++ one of its own)
loaded=$(LD_DEBUG=libs "$PECCTL_BIN" version 2>&1 >/dev/null | grep -o 'file=[^ ]*' | sort -u)
like "$loaded" "libcurl" "the loader names the libraries pecctl starts with"
unlike "$loaded" "libicu|libxml2" "no ICU or shared libxml2 among them"
if [ "${PECCTL_SANITIZED:-}" != 1 ]; then
	unlike "$loaded" "libstdc" "nor the C++ runtime"
fi

run_pecctl --version
like "$out" '^pecctl [0-9]' "--version is version"

run_pecctl
is "$status" 64 "no command is a usage error"
like "$out" "Commands:" "no command prints the overview"

run_pecctl frobnicate
is "$status" 64 "an unknown command exits 64"
like "$err" "'frobnicate' is not a command" "and says which"

run_pecctl run verify-login
is "$status" 64 "run without --account exits 64"
like "$err" "give --account" "and says what to add"

run_pecctl run no-such-procedure --account a@pec.it
is "$status" 64 "an unknown procedure exits 64"
like "$err" "no procedure named 'no-such-procedure'" "and names it"

run_pecctl run verify-login --account someone@example.org --secret env:NOPE
is "$status" 64 "an address no provider serves exits 64"
like "$err" "no provider serves 'someone@example.org'" "and says to use --provider"

run_pecctl --provider nosuch run verify-login --account a@pec.it --secret env:NOPE
is "$status" 64 "an unknown --provider exits 64"
like "$err" "unknown provider 'nosuch'" "and names it"

run_pecctl run verify-login --account a@pec.it --param host
is "$status" 64 "--param without = exits 64"
like "$err" "NAME=VALUE" "and shows the form"

run_pecctl run verify-login --account a@pec.it --param colour=blue --secret env:NOPE
is "$status" 64 "an undeclared parameter exits 64"
like "$err" "has no parameter 'colour'" "and names it"

run_pecctl run verify-login --account a@pec.it
is "$status" 64 "no password source and no terminal exits 64"
like "$err" "give --secret REF" "and says how to give one"

run_pecctl --timeout zero version
is "$status" 64 "a bad --timeout exits 64"
like "$err" "whole seconds" "and says what it wants"

run_pecctl version --log-format yaml
is "$status" 64 "a bad --log-format after the command is seen too"

run_pecctl procedures
is "$status" 0 "procedures lists the scripts"
like "$out" "verify-login" "verify-login is among them"

done_testing
