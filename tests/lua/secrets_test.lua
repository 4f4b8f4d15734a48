-- Secrets as userdata: every way a script could show one gives ***.
local t = dofile(arg[0]:match("(.*/)") .. "tap.lua")

local s = pecctl.secret("Sup3r.Segreta-99")
t.is(tostring(s), "***", "tostring gives ***")
t.is("pw=" .. s, "pw=***", "concatenation on the right gives ***")
t.is(s .. "!", "***!", "concatenation on the left gives ***")
t.is(string.format("%s", s), "***", "string.format %s gives ***")
t.is(#s, 16, "the length is known without the bytes")
t.ok(pecctl.secrets.is_secret(s), "is_secret recognises it")
t.ok(not pecctl.secrets.is_secret("plain"), "a string is not a secret")
t.ok(s == pecctl.secret("Sup3r.Segreta-99"), "two secrets with the same bytes are equal")
t.ok(s ~= pecctl.secret("other-value"), "different bytes are not equal")
t.is(getmetatable(s), "secret", "the metatable is hidden")

local enc = pecctl.json.encode({ password = s })
t.unlike(enc, "Sup3r", "json.encode does not reveal it")

-- Errors built from text that contains the value are scrubbed.
local ok, err = pcall(error, "login failed for Sup3r.Segreta-99")
t.ok(not ok, "error raised")

local env, e1 = pecctl.secrets.resolve("env:PECCTL_TEST_SECRET")
t.ok(env ~= nil, "env: reference resolves")
t.is(tostring(env), "***", "a resolved secret prints as ***")
local f = pecctl.secrets.resolve("file:" .. arg[1])
t.ok(f == env, "file: reference drops the trailing newline")
local c = pecctl.secrets.resolve("cmd:printf '%s' \"$PECCTL_TEST_SECRET\"")
t.ok(c == env, "cmd: reference reads the command's output")

local none, e2 = pecctl.secrets.resolve("env:PECCTL_SURELY_UNSET")
t.fails("invalid", "an unset variable is an error", none, e2)
t.like(e2 and e2.message, "PECCTL_SURELY_UNSET is not set", "naming the variable")
local bad, e3 = pecctl.secrets.resolve("hunter22")
t.fails("invalid", "a bare value is refused", bad, e3)
t.unlike(e3 and e3.message, "hunter22", "without echoing what looks like a password")
local failing, e4 = pecctl.secrets.resolve("cmd:exit 3")
t.fails("invalid", "a failing command is an error", failing, e4)
t.like(e4 and e4.message, "exit status 3", "saying how it ended")
local asked, e5 = pecctl.secrets.resolve("prompt:")
t.fails("needs_human", "prompt: without a terminal needs a human", asked, e5)

-- The log channel: the value and its encoded spellings are masked.
pecctl.log.warn("plain %s", "Sup3r.Segreta-99")
pecctl.log.warn("encoded %s", "pw=Sup3r.Segreta-99&x=1")
pecctl.log.warn("special %s", env and "x" or "")
t.done()
