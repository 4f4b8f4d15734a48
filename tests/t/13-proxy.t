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

# check HOW DESCRIPTION [VAR=VALUE...]: an https:// fetch with those
# variables, which must go HOW: "proxied" (answered through a tunnel the
# proxy opened), "direct" (answered, the proxy not asked) or "refused" (sent
# to a proxy that is not there: the test proxy not asked).
check() {
	_how=$1 _what=$2
	shift 2
	fetch https://a.test/echo "$@"
	case $_how in
	refused) like "$out" "^error " "$_what: the fetch fails" ;;
	*) is "$out" "status 200 method GET" "$_what: the server answers" ;;
	esac
	case $_how in
	proxied) like "$asked" "^CONNECT " "$_what: through the proxy" ;;
	*) is "$asked" "" "$_what: the proxy is not asked" ;;
	esac
}

check direct "no proxy variable"
check proxied "https_proxy" "https_proxy=$PROXY"
check proxied "HTTPS_PROXY in upper case" "HTTPS_PROXY=$PROXY"
check proxied "all_proxy, the fallback" "all_proxy=$PROXY"
check proxied "https_proxy set to nothing counts as not set" "https_proxy=" "ALL_PROXY=$PROXY"
check refused "the scheme's own variable before all_proxy" \
	"https_proxy=http://127.0.0.1:1" "all_proxy=$PROXY"
check direct "no_proxy naming the host" "https_proxy=$PROXY" "no_proxy=b.test,a.test"
check direct "NO_PROXY=*" "https_proxy=$PROXY" "NO_PROXY=*"
check proxied "no_proxy naming another host" "https_proxy=$PROXY" "no_proxy=b.test"
check direct "http_proxy, which is not for https:// URLs" "http_proxy=$PROXY"

# (--sandbox makes libcurl tunnel even plain HTTP: the proxy is asked for
# a tunnel to the test server, which speaks only HTTPS)
fetch http://a.test/page "http_proxy=$PROXY"
like "$asked" "^CONNECT " "http_proxy carries http:// URLs"

fetch http://a.test/page "HTTP_PROXY=$PROXY"
is "$asked" "" "HTTP_PROXY in upper case is never read"

done_testing
