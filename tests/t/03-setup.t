#!/bin/sh
# Setting up: the dependency installer and the configuration file.
. "$(dirname "$0")/../lib.sh"

# As a user who is not root, a missing package is named with the exact
# apt-get line, and nothing is installed.
printf '# test list\nlibc6\npecctl-surely-missing-package\n' > "$T/deps.txt"
chmod 755 "$T"; chmod 644 "$T/deps.txt"
if command -v setpriv >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
	PECCTL_DEPS_FILE="$T/deps.txt" setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$TOP/tools/ensure-deps" >"$T/out" 2>"$T/err"
	status=$?
	is "$status" 1 "a non-root user with a missing package stops"
	like "$(cat "$T/err")" 'apt-get install -y pecctl-surely-missing-package$' "with the exact apt-get line, installed packages left out"
else
	PECCTL_DEPS_FILE="$T/deps.txt" "$TOP/tools/ensure-deps" >"$T/out" 2>"$T/err"
	is "$?" 1 "a non-root user with a missing package stops"
	like "$(cat "$T/err")" 'apt-get install -y pecctl-surely-missing-package$' "with the exact apt-get line"
fi
printf 'libc6\n' > "$T/ok.txt"
PECCTL_DEPS_FILE="$T/ok.txt" "$TOP/tools/ensure-deps" >"$T/out" 2>&1
is "$?" 0 "nothing missing: nothing to do"
is "$(cat "$T/out")" "" "and nothing printed"

# The configuration file gives defaults the command line overrides.
mkdir -p "$XDG_CONFIG_HOME/pecctl"
printf '# defaults\ntimeout = 0\n' > "$XDG_CONFIG_HOME/pecctl/config"
run_pecctl version
is "$status" 78 "a bad value in the config file is a configuration error"
like "$err" "whole seconds" "saying what is wrong"

printf 'sandbox\n' > "$XDG_CONFIG_HOME/pecctl/config"
run_pecctl version
is "$status" 78 "a line without = is refused"
like "$err" 'config:1: expected "key = value"' "naming the file and line"

printf 'log_format = json\n' > "$XDG_CONFIG_HOME/pecctl/config"
printf 'pecctl.log.warn("from the script")\n' > "$T/warn.lua"
run_pecctl script "$T/warn.lua"
like "$err" '^\{.*"message":"from the script"' "a config setting applies"
run_pecctl --log-format text script "$T/warn.lua"
like "$err" '^pecctl: warn: from the script' "and the command line overrides it"
rm "$XDG_CONFIG_HOME/pecctl/config"

done_testing
