#!/bin/sh
# Provider plugins: an out-of-tree plugin built against the installed header
# and pkg-config file is listed; broken, unsafe or unpinned plugins are
# refused with the file and the reason on stderr, and the good ones still load.
. "$(dirname "$0")/../lib.sh"

[ -x "$PECCTL_BIN" ] || skip_all "$PECCTL_BIN is not built"

PLUGIN_CC="cc -std=c11 -Wall -Wextra -Werror -fPIC -fvisibility=hidden -shared"

# build_test_plugin NAME OUT [CFLAGS...]: tests/plugins/NAME.c -> OUT
build_test_plugin() {
	_src=$1; _out=$2; shift 2
	# shellcheck disable=SC2086
	$PLUGIN_CC "$@" -I"$TOP/core/include" $(pkg-config --cflags libcjson) \
		-o "$_out" "$TOP/tests/plugins/$_src.c" >>"$T/cc.log" 2>&1
}

# --- install the plugin SDK (header + pecctl.pc) into a staging root ---
# A build directory of its own, so the .pc carries this PREFIX and the
# suite's build tree is left alone; MAKEFLAGS from an outer `make check`
# must not leak in.
env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -C "$TOP" -s -j2 BUILD="$T/build" SAN= \
	CFLAGS=-O0 PREFIX=/usr DESTDIR="$T/root" install >"$T/install.log" 2>&1
ok $? "make install PREFIX=/usr DESTDIR=... succeeds"
test -f "$T/root/usr/include/pecctl/plugin.h"
ok $? "the plugin header is installed under include/pecctl"
like "$(cat "$T/root/usr/lib/pkgconfig/pecctl.pc" 2>&1)" "^prefix=/usr$" \
	"pecctl.pc is installed with the PREFIX given"

# --- the example plugin, built out of tree as a plugin author would ---
cp -R "$TOP/examples/plugin-hello" "$T/hello-src"
rm -f "$T/hello-src/hello.so"
env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS \
	PKG_CONFIG_PATH="$T/root/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$T/root" \
	make -C "$T/hello-src" >"$T/hello-build.log" 2>&1
ok $? "examples/plugin-hello builds against the installed header and pecctl.pc"
if [ ! -f "$T/hello-src/hello.so" ]; then
	sed 's/^/# /' "$T/install.log" "$T/hello-build.log" | tail -30
	echo "Bail out! no hello.so to test with"
	exit 1
fi
HELLO="$T/hello-src/hello.so"
syms=$(nm -D --defined-only "$HELLO" 2>&1)
like "$syms" "pecctl_plugin_init" "hello.so exports pecctl_plugin_init though built hidden"
like "$syms" "pecctl_plugin_abi_version" "hello.so exports pecctl_plugin_abi_version"

# --- a trusted directory holding only hello.so ---
mkdir "$T/good"
cp "$HELLO" "$T/good/hello.so"
chmod 755 "$T/good" "$T/good/hello.so"
run_pecctl --plugin-path "$T/good" providers
is "$status" 0 "providers exits 0"
like "$out" "^hello \(Hello Example\)" "hello is listed with its title"
like "$out" "domains: +hello\.example" "its domain is listed"
like "$out" "hosts: +portal\.hello\.example" "its hosts are listed"
like "$out" "login +say hello to the mailbox" "its operation is listed with the summary"
like "$out" "10-24 characters" "its password policy numbers are shown"
like "$out" "from 10 to 24 characters: letters" "the policy's own description is shown"
like "$out" "60 logins/minute, 4 mailboxes at once" "its rate limits are shown"
like "$out" "never need a human" "whether logins need a human is shown"
is "$err" "" "nothing on stderr for a good plugin"

run_pecctl --plugin-path "$T/good" providers --json
is "$status" 0 "providers --json exits 0"
summary=$(printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
p = d[0]
print(len(d), p["name"], ",".join(p["domains"]), p["operations"][0]["name"],
      p["password_policy"]["min_length"], p["password_policy"]["max_length"],
      p["rate_limits"]["logins_per_minute"], p["may_need_human"])' 2>&1)
is "$summary" "1 hello hello.example login 10 24 60 False" "the JSON carries the same facts"

run_pecctl --plugin-path "$T/good" providers -h
is "$status" 0 "providers -h exits 0"
like "$out" "^usage: pecctl providers" "providers -h prints the usage"

run_pecctl --plugin-path "$T/good" providers nosuch
is "$status" 64 "an unknown provider name is a usage error"
like "$err" "no provider named 'nosuch'" "and says which name"

# The operation runs through the host table: host->account gives the address.
cat >"$T/hello.lua" <<'EOF'
local acct = assert(pecctl.account{address = "mario@Hello.Example"})
local res, err = acct:login{}
print(res and res.greeting or err.message)
print(pecctl.providers.for_account("x@HELLO.EXAMPLE"))
EOF
run_pecctl --plugin-path "$T/good" script "$T/hello.lua"
is "$status" 0 "a script calling the hello provider exits 0"
is "$out" "hello mario@Hello.Example
hello" "login answers the greeting; the domain matches whatever its case"

# --- broken plugins beside a good one ---
mkdir "$T/mixed"
cp "$HELLO" "$T/mixed/hello.so"
build_test_plugin bad_abi "$T/mixed/bad_abi.so"
build_test_plugin bad_abi "$T/mixed/newer_minor.so" -DBAD_ABI_MAJOR=1 -DBAD_ABI_MINOR=99
build_test_plugin no_symbol "$T/mixed/no_symbol.so"
build_test_plugin bad_provider "$T/mixed/bad_provider.so"
ok $? "the broken test plugins build"
chmod 755 "$T/mixed" "$T/mixed"/*.so
run_pecctl --plugin-path "$T/mixed" providers
is "$status" 0 "providers still exits 0 with good plugins beside broken ones"
like "$out" "^hello \(Hello Example\)" "the good plugin is still listed"
like "$err" "plugin $T/mixed/bad_abi\.so was built for ABI 99\.0, this pecctl provides 1\.0" \
	"a different major is refused, naming the file and both versions"
like "$err" "plugin $T/mixed/newer_minor\.so was built for ABI 1\.99, this pecctl provides 1\.0; upgrade pecctl" \
	"a newer minor is refused, naming the file and both versions"
like "$err" "plugin $T/mixed/no_symbol\.so does not export pecctl_plugin_abi_version" \
	"a plugin without the ABI symbol is refused, naming the symbol"
like "$err" "plugin $T/mixed/bad_provider\.so: provider 'broken' refused: .*domains" \
	"a malformed provider is refused with the reason"
like "$err" "bad_provider\.so: pecctl_plugin_init failed" "and its failed init is reported"
unlike "$out" "^broken" "the malformed provider is not listed"

# --- the same provider twice ---
mkdir "$T/dup"
cp "$HELLO" "$T/dup/a.so"
cp "$HELLO" "$T/dup/b.so"
chmod 755 "$T/dup" "$T/dup"/*.so
run_pecctl --plugin-path "$T/dup" providers
like "$err" "plugin $T/dup/b\.so: provider 'hello' refused: a provider with this name is already loaded from $T/dup/a\.so" \
	"a second provider of the same name is refused, naming both files"
is "$(printf '%s\n' "$out" | grep -c '^hello ')" 1 "hello is listed once"

# --- untrusted places ---
mkdir "$T/groupw"
cp "$HELLO" "$T/groupw/hello.so"
chmod 775 "$T/groupw"
chmod 755 "$T/groupw/hello.so"
run_pecctl --plugin-path "$T/groupw" providers
is "$status" 78 "no usable plugin: configuration error"
like "$err" "plugin directory $T/groupw is writable by its group.*run 'chmod go-w $T/groupw'" \
	"a group-writable directory is refused, saying what to run"
unlike "$out" "hello" "nothing is loaded from it"

mkdir "$T/worldw"
cp "$HELLO" "$T/worldw/hello.so"
chmod 755 "$T/worldw"
chmod 666 "$T/worldw/hello.so"
run_pecctl --plugin-path "$T/worldw" providers
like "$err" "plugin $T/worldw/hello\.so is writable by everyone.*chmod go-w $T/worldw/hello\.so" \
	"a world-writable plugin file is refused, saying what to run"

mkdir "$T/owned"
cp "$HELLO" "$T/owned/hello.so"
chmod 755 "$T/owned" "$T/owned/hello.so"
if [ "$(id -u)" = 0 ] && chown 4242 "$T/owned/hello.so" 2>/dev/null; then
	run_pecctl --plugin-path "$T/owned" providers
	like "$err" "plugin $T/owned/hello\.so is owned by uid 4242, not by you \(uid 0\) or root" \
		"a plugin owned by someone else is refused"
else
	ok 0 "# SKIP needs root to give a file to another user"
fi

# --- the sha256 allow-list ---
mkdir -p "$XDG_CONFIG_HOME/pecctl"
allow="$XDG_CONFIG_HOME/pecctl/plugins.allow"
printf '%064d  hello.so\n' 0 >"$allow"
chmod 600 "$allow"
run_pecctl --plugin-path "$T/good" providers
digest=$(sha256sum "$T/good/hello.so" | cut -d' ' -f1)
like "$err" "plugin $T/good/hello\.so \(sha256 $digest\) is not in the allow-list $allow" \
	"a plugin missing from the allow-list is refused with its digest"
unlike "$out" "hello" "and not loaded"

(cd "$T/good" && sha256sum hello.so) >"$allow"
run_pecctl --plugin-path "$T/good" providers
is "$status" 0 "with its digest listed (sha256sum output) it loads"
like "$out" "^hello " "and is listed"

printf '# pinned plugins\n\n%s  /elsewhere/hello.so\n' "$digest" >"$allow"
run_pecctl --plugin-path "$T/good" providers
like "$out" "^hello " "comments, blank lines and a path in the list are fine"

chmod 666 "$allow"
run_pecctl --plugin-path "$T/good" providers
like "$err" "allow-list $allow is not a file only you can write" \
	"an allow-list others can write refuses every plugin"
unlike "$out" "hello" "so nothing loads"
rm -f "$allow"

if [ -s "$T/cc.log" ]; then sed 's/^/# cc: /' "$T/cc.log"; fi
done_testing
