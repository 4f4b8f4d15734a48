#!/bin/sh
# Proxies from the environment, as libcurl reads them (core/proxy_env.c
# reads them once for the process): https_proxy or HTTPS_PROXY, else
# all_proxy or ALL_PROXY; http_proxy, never HTTP_PROXY, for http:// URLs;
# no_proxy or NO_PROXY to go direct; a variable set to "" is not set. The
# real binary fetches from the loopback HTTPS server through --sandbox, with
# tests/tools/connect_proxy.py as the proxy, which logs what it is asked.
. "$(dirname "$0")/../lib.sh"

[ -x "$PECCTL_BIN" ] || { echo "Bail out! $PECCTL_BIN is not built"; exit 1; }
start_https_echo_server
python3 "$TOP/tests/tools/connect_proxy.py" --port-file "$T/proxy-port" --log "$T/proxy.log" \
	>"$T/proxy.err" 2>&1 &
_pids="$_pids $!"
wait_for_port_file "$T/proxy-port" "$T/proxy.err" "the test proxy"
PROXY="http://127.0.0.1:$(cat "$T/proxy-port")"

# fetch.lua URL: the status and first line of the answer, or the error.
cat >"$T/fetch.lua" <<'LUA'
local r, err = pecctl.session():get(arg[1])
if r then
	print("status " .. r.status .. " " .. (r.body:match("^[^\n]*") or ""))
else
	print("error " .. err.code .. ": " .. err.message)
end
LUA

# fetch URL [VAR=VALUE...]: pecctl fetches URL with those variables set;
# $out is what it printed, $asked what the proxy was asked meanwhile.
fetch() {
	_url=$1
	shift
	_before=$(wc -l <"$T/proxy.log")
	out=$(env "$@" "$PECCTL_BIN" --sandbox "127.0.0.1:$PORT" --cacert "$T/ca.pem" \
		script "$T/fetch.lua" "$_url" 2>&1)
	asked=$(tail -n +$((_before + 1)) "$T/proxy.log")
}

fetch https://a.test/echo
is "$out" "status 200 method GET" "no proxy variable: the server answers"
is "$asked" "" "and the proxy is not asked"

fetch https://a.test/echo "https_proxy=$PROXY"
is "$out" "status 200 method GET" "https_proxy: the server answers through the tunnel"
like "$asked" "^CONNECT " "the proxy was asked for the tunnel"

fetch https://a.test/echo "HTTPS_PROXY=$PROXY"
like "$asked" "^CONNECT " "HTTPS_PROXY in upper case is taken too"

fetch https://a.test/echo "all_proxy=$PROXY"
is "$out" "status 200 method GET" "all_proxy: the server answers"
like "$asked" "^CONNECT " "all_proxy is the fallback"

fetch https://a.test/echo "https_proxy=" "ALL_PROXY=$PROXY"
like "$asked" "^CONNECT " "https_proxy set to nothing counts as not set"

fetch https://a.test/echo "https_proxy=http://127.0.0.1:1" "all_proxy=$PROXY"
like "$out" "^error " "the scheme's own variable comes before all_proxy"
is "$asked" "" "and all_proxy's proxy is not asked"

fetch https://a.test/echo "https_proxy=$PROXY" "no_proxy=b.test,a.test"
is "$out" "status 200 method GET" "no_proxy naming the host: the server answers"
is "$asked" "" "directly"

fetch https://a.test/echo "https_proxy=$PROXY" "NO_PROXY=*"
is "$asked" "" "NO_PROXY=* sends everything directly"

fetch https://a.test/echo "https_proxy=$PROXY" "no_proxy=b.test"
like "$asked" "^CONNECT " "a host no_proxy does not name still goes through the proxy"

fetch https://a.test/echo "http_proxy=$PROXY"
is "$asked" "" "http_proxy is not for https:// URLs"

# (--sandbox makes libcurl tunnel even plain HTTP: the proxy is asked for
# a tunnel to the test server, which speaks only HTTPS)
fetch http://a.test/page "http_proxy=$PROXY"
like "$asked" "^CONNECT " "http_proxy carries http:// URLs"

fetch http://a.test/page "HTTP_PROXY=$PROXY"
is "$asked" "" "HTTP_PROXY in upper case is never read"

done_testing
