-- HTTP sessions against tests/tools/https_server.py, reached through
-- --sandbox under the real-looking names a.test and b.test.
-- Run by tests/t/10-http.t:  pecctl --sandbox ... --cacert ... script THIS [untrusted]
local t = dofile(arg[0]:match("(.*/)") .. "tap.lua")
io.stdout:setvbuf("line")  -- results so far survive a crash

local A, B = "https://a.test", "https://b.test"

-- The echo server answers "method M", "host H", "header name: value"
-- lines, then a blank line and the body it received.
local function echoed(r, what)
	local pat = what:gsub("%p", "%%%0") .. " ([^\n]*)"
	return r and (r.body:match("^" .. pat) or r.body:match("\n" .. pat))
end
local function header(r, name) return echoed(r, "header " .. name .. ":") end
local function body(r) return r and r.body:match("\n\n(.*)$") end
local function why(err) return err and (err.code .. ": " .. err.message) or "" end
local function encode(s)
	return (s:gsub("[^%w]", function(c) return string.format("%%%02X", c:byte()) end))
end

if arg[1] == "untrusted" then
	local s = pecctl.session()
	local r, err = s:get(A .. "/echo")
	t.fails("network", "a certificate from an unknown CA is refused", r, err)
	t.like(err and err.message, "certificate", "the error says it is the certificate")
	t.like(err and err.message, "a%.test", "the error names the host")
	t.like(err and err.message, "%-%-cacert", "the error says how to trust a test CA")
	t.done()
end

if arg[1] == "global-timeout" then
	local r, err = pecctl.session():get(A .. "/slow?s=3")
	t.fails("timeout", "--timeout applies to new sessions", r, err)
	t.like(err and err.message, "within 1 s", "the error gives the timeout")
	t.done()
end

local s = pecctl.session{headers = {["X-Session"] = "kept"}}

-- GET: request headers go out, response headers come back by lower-case name.
local r, err = s:get(A .. "/echo?q=1", {headers = {["X-Request"] = "hello"}})
t.ok(r, "a GET gets an answer " .. why(err))
t.is(r and r.status, 200, "GET status is 200")
t.is(echoed(r, "method"), "GET", "the server saw a GET")
t.is(r and r.url, A .. "/echo?q=1", "url is the one asked for")
t.is(echoed(r, "host"), "a.test", "Host is the real name, not the sandbox address")
t.is(header(r, "x-request"), "hello", "the call's headers are sent")
t.is(header(r, "x-session"), "kept", "the session's headers are sent")
t.is(r and r.headers["content-type"], "text/plain; charset=utf-8", "headers are keyed in lower case")
t.is(r and r.headers["x-dup"], "one, two", "repeated headers are joined")
t.is(r and r.redirects, 0, "no redirects counted")
t.ok(r and type(r.time) == "number" and r.time >= 0, "time is a number of seconds")

-- Pages come compressed when the portal can: gzip is asked for, and undone.
t.is(header(r, "accept-encoding"), "gzip", "gzip is what pecctl says it takes")
local function times(r, name)
	local n = 0
	for _ in (r and r.body or ""):gmatch("header " .. name .. ": [^\n]*") do n = n + 1 end
	return n
end
t.like(header(r, "user-agent"), "^pecctl/%d", "pecctl names itself")
t.is(times(r, "user%-agent") .. " " .. times(r, "accept%-encoding"), "1 1", "each of them once")
r = s:get(A .. "/echo", {headers = {["User-Agent"] = "Mozilla/5.0 (test)", ["Accept-Encoding"] = "identity"}})
t.is(header(r, "user-agent"), "Mozilla/5.0 (test)", "a caller's User-Agent replaces pecctl's")
t.is(header(r, "accept-encoding"), "identity", "and a caller's Accept-Encoding replaces gzip")
t.is(times(r, "user%-agent") .. " " .. times(r, "accept%-encoding"), "1 1", "neither is sent twice")
-- A large body goes at once: no "Expect: 100-continue" and a wait for the answer to it.
r = s:post(A .. "/echo", {body = string.rep("x", 1100000), content_type = "text/plain"})
t.is(echoed(r, "body-length"), "1100000", "a large body arrives whole")
t.is(times(r, "expect"), 0, "without asking the server to expect it")
r = s:get(A .. "/gzip")
t.is(r and r.headers["content-encoding"], "gzip", "the page came compressed")
t.is(r and r.body, string.rep("compressed page ", 64), "and reads as the text it was")

-- A call's header overrides the session's one of the same name.
r = s:get(A .. "/echo", {headers = {["x-session"] = "mine"}})
t.is(header(r, "x-session"), "mine", "a call header overrides the session header")

-- A GET form goes in the query string, as a browser sends it.
r = s:get(A .. "/echo?x=1#top", {form = {q = "a b", n = 2}})
t.is(echoed(r, "path"), "/echo?x=1&n=2&q=a+b", "a GET form is appended to the query")
t.is(echoed(r, "body-length"), "0", "a GET form sends no body")

-- POST form: sorted fields, form-encoded, with the content type set.
r, err = s:post(A .. "/echo", {form = {user = "mario rossi", pass = "p&ss=w+rd", n = 3}})
t.is(echoed(r, "method"), "POST", "form POST is a POST " .. why(err))
t.is(body(r), "n=3&pass=p%26ss%3Dw%2Brd&user=mario+rossi", "form body round trip")
t.is(header(r, "content-type"), "application/x-www-form-urlencoded", "form content type")
t.is(header(r, "expect"), nil, "no Expect: 100-continue")

-- POST JSON.
r, err = s:post(A .. "/echo", {json = {name = "Mario"}})
t.is(body(r), '{"name":"Mario"}', "json body round trip " .. why(err))
t.is(header(r, "content-type"), "application/json", "json content type")

-- A raw body with its content type, and a PUT through request{}.
r = s:post(A .. "/echo", {body = "<x/>", content_type = "application/xml"})
t.is(body(r), "<x/>", "raw body round trip")
t.is(header(r, "content-type"), "application/xml", "content_type is sent")
r, err = s:request{method = "PUT", url = A .. "/echo", body = "put me",
	headers = {["Content-Type"] = "text/plain"}}
t.is(echoed(r, "method"), "PUT", "request{} sends its method " .. why(err))
t.is(body(r), "put me", "request{} sends its body")
t.is(header(r, "content-type"), "text/plain", "a caller Content-Type wins")

-- Secrets go out as their bytes, when the secret module is there.
if pecctl.secrets and pecctl.secrets.new then
	local pw = pecctl.secrets.new("s3cret-Pass!")
	r, err = s:post(A .. "/echo", {form = {password = pw}})
	t.is(body(r), "password=s3cret-Pass%21", "a secret form value is sent as its bytes " .. why(err))
	r, err = s:post(A .. "/echo", {body = pw, headers = {Authorization = pw}})
	t.is(body(r), "s3cret-Pass!", "a secret body is sent as its bytes " .. why(err))
	t.is(header(r, "authorization"), "s3cret-Pass!", "a secret header is sent as its bytes")
end

-- Cookies: set by a response, sent back to the same host only.
r = s:get(A .. "/set-cookie?name=sid&value=abc123")
t.like(r and r.headers["set-cookie"], "^sid=abc123;.*\nother=1", "Set-Cookie headers one per line")
r = s:get(A .. "/echo")
t.like(header(r, "cookie"), "sid=abc123", "the cookie goes back to a.test")
r = s:get(B .. "/echo")
t.is(header(r, "cookie"), nil, "the cookie does not go to b.test")
local jar = {}
for _, c in ipairs(s:cookies()) do jar[c.name] = c end
t.is(jar.sid and jar.sid.value, "abc123", "cookies() lists the cookie")
t.is(jar.sid and jar.sid.domain, "a.test", "cookies() gives its domain")
t.is(jar.sid and jar.sid.secure, true, "cookies() gives its secure flag")
t.is(jar.sid and jar.sid.http_only, true, "cookies() gives its HttpOnly flag")

-- A closed session's libcurl handle serves the next session of the thread;
-- nothing of the first session may reach the second.
do
	local first = pecctl.session()
	first:get(A .. "/set-cookie?name=owner&value=first-account")
	first:post(A .. "/echo", {form = {x = "1"}, headers = {["X-First"] = "1"}})
	first:close()
	local second = pecctl.session()
	r, err = second:get(A .. "/echo")
	t.is(header(r, "cookie"), nil, "a new session sends none of a closed session's cookies " .. why(err))
	t.is(header(r, "x-first"), nil, "nor its headers")
	t.is(#second:cookies(), 0, "and lists no cookies")
	t.like(r and r.body, "^method GET\n.*body%-length 0", "and its GET is a GET without a body " .. why(err))
	second:get(A .. "/set-cookie?name=owner&value=second-account")
	r = second:get(A .. "/echo")
	t.like(header(r, "cookie"), "owner=second%-account", "its own cookies work as in a new handle")
	second:close()
end

-- 303 within the origin: followed as a GET without the body, headers kept.
r, err = s:post(A .. "/redirect?code=303&to=/echo", {form = {a = "1"},
	headers = {Authorization = "Bearer same-origin"}})
t.is(r and r.status, 200, "a 303 is followed " .. why(err))
t.is(r and r.url, A .. "/echo", "url is where the redirect led")
t.is(r and r.redirects, 1, "one redirect counted")
t.is(echoed(r, "method"), "GET", "303 turns the POST into a GET")
t.is(echoed(r, "body-length"), "0", "303 drops the body")
t.is(header(r, "content-type"), nil, "and the Content-Type that went with it")
t.is(header(r, "authorization"), "Bearer same-origin", "Authorization stays within the origin")

-- The origin is scheme, host (in any case) and port, the default one
-- spelt out or not.
r = s:get(A .. "/redirect?code=302&to=" .. encode("https://A.Test:443/echo"),
	{headers = {Authorization = "Bearer same-origin"}})
t.is(header(r, "authorization"), "Bearer same-origin", "a host in capitals, :443 written, is the same origin")
r, err = s:get(A .. "/redirect?code=302&to=" .. encode("https://a.test:8443/echo"),
	{headers = {Authorization = "Bearer port-443-only"}})
t.is(r and r.url, "https://a.test:8443/echo", "a redirect to another port is followed " .. why(err))
t.is(header(r, "authorization"), nil, "Authorization does not follow to another port")

-- 307 within the origin keeps method and body.
r = s:post(A .. "/redirect?code=307&to=/echo", {body = "keep me", content_type = "text/plain"})
t.is(echoed(r, "method"), "POST", "307 keeps the method")
t.is(body(r), "keep me", "307 keeps the body")

-- A redirect to another origin: followed as a bare GET.
r, err = s:post(A .. "/redirect?code=307&to=" .. encode(B .. "/echo?x=1"), {body = "private",
	headers = {Authorization = "Bearer for-a-only", ["X-Custom"] = "mine"}})
t.is(r and r.url, B .. "/echo?x=1", "a cross-origin redirect is followed " .. why(err))
t.is(echoed(r, "host"), "b.test", "it reached the other host")
t.is(echoed(r, "method"), "GET", "as a GET")
t.is(echoed(r, "body-length"), "0", "without the body")
t.is(header(r, "authorization"), nil, "Authorization does not follow to another origin")
t.is(header(r, "x-custom"), nil, "the call's headers do not follow")
t.is(header(r, "x-session"), nil, "the session's headers do not follow")

-- A redirect loop ends with an error, not a hang.
r, err = s:get(A .. "/loop")
t.fails("portal", "a redirect loop is cut off", r, err)
t.like(err and err.message, "too many redirects", "the error says why")

-- redirects = false returns the 3xx as it is.
r = s:get(A .. "/redirect?code=302&to=/echo", {redirects = false})
t.is(r and r.status, 302, "redirects=false returns the 302")
t.is(r and r.headers.location, "/echo", "with its Location")
t.is(r and r.redirects, 0, "and no redirect counted")

-- The body cap, whether the size is announced or not.
local small = pecctl.session{max_body = 1000}
r, err = small:get(A .. "/big?n=1000")
t.is(r and #r.body, 1000, "a body at the cap is accepted " .. why(err))
r, err = small:get(A .. "/big?n=5000")
t.fails("portal_changed", "a body over the cap is refused", r, err)
t.like(err and err.message, "1000 bytes", "the error names the cap")
r, err = small:get(A .. "/big?n=5000&chunked=1")
t.fails("portal_changed", "a chunked body over the cap is refused", r, err)
t.like(err and err.message, "a%.test", "the error names the host")

-- Timeouts: a GET times out; a POST that was sent has an unknown outcome.
local quick = pecctl.session{timeout = 0.5}
r, err = quick:get(A .. "/slow?s=3")
t.fails("timeout", "a slow answer times out", r, err)
t.like(err and err.message, "a%.test", "the timeout names the host")
r, err = quick:post(A .. "/slow?s=3", {form = {x = "1"}})
t.fails("unknown_outcome", "a POST that got no answer in time has an unknown outcome", r, err)

-- A dropped connection.
r, err = s:get(A .. "/drop")
t.fails("network", "a dropped GET is a network error", r, err)
r, err = s:post(A .. "/drop", {form = {x = "1"}})
t.fails("unknown_outcome", "a dropped POST has an unknown outcome", r, err)
-- On a kept-alive connection libcurl would send the request again on a new
-- one; the server may have acted on the first copy, so a state-changing
-- request is not repeated and its outcome stays unknown.
s:get(A .. "/echo")
r, err = s:post(A .. "/drop", {form = {x = "1"}})
t.fails("unknown_outcome", "a POST dropped on a kept-alive connection has an unknown outcome",
	r, err)
s:get(A .. "/echo")
r, err = s:post(A .. "/drop-once?id=1", {form = {x = "1"}})
t.fails("unknown_outcome", "a POST whose kept-alive connection died has an unknown outcome", r, err)
t.like(err and err.message, "not sent again", "and it is never sent a second time")
s:get(A .. "/echo")
r, err = s:get(A .. "/drop-once?id=2")
t.is(r and r.status, 200, "a GET sent again is simply answered " .. why(err))

-- Keep-alive: one connection for several requests to the same host.
local ka = pecctl.session()
ka:get(A .. "/echo"); ka:get(A .. "/echo"); ka:get(A .. "/echo")
local st = ka:stats()
t.is(st.requests, 3, "stats counts requests")
t.is(st.connections, 1, "one connection serves them all")

-- Misuse raises; expected failures do not.
t.raises("bad argument", "a table as url raises", s.get, s, {})
t.raises("timeout", "a bad timeout raises", pecctl.session, {timeout = "soon"})
t.raises("line break", "a header with a line break raises", s.get, s, A .. "/echo",
	{headers = {["X-Evil"] = "a\r\nInjected: 1"}})
t.raises("only one of", "form and body together raise", s.post, s, A .. "/echo",
	{form = {a = "1"}, body = "x"})
t.raises("unknown option 'header'", "a misspelt option raises", s.get, s, A .. "/echo",
	{header = {}})
t.raises("unknown option", "a misspelt session option raises", pecctl.session, {timout = 1})
t.raises("url", "request{} without url raises", s.request, s, {method = "GET"})
r, err = s:get("https://wrong.test/echo")
t.fails("network", "a certificate that does not name the host is refused", r, err)
t.like(err and err.message, "certificate presented for wrong%.test is for another host",
	"the error says the certificate is for another host")

-- Closing: explicit, idempotent, and by <close>.
s:close(); s:close()
t.raises("closed", "a closed session raises", s.get, s, A .. "/echo")
do
	local c <close> = pecctl.session()
	t.is(tostring(c):match("^pecctl.session"), "pecctl.session", "tostring names the type")
end

t.done()
