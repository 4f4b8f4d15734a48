-- pecctl.json with the answers the portals' JSON APIs give (tests/sandbox/README.md).
-- Run by tests/t/11-json.t:  pecctl script THIS
local t = dofile(arg[0]:match("(.*/)") .. "tap.lua")
local json = pecctl.json

-- decode ---------------------------------------------------------------
local login = json.decode('{"ok":false,"verifica":"push","poll":"/smart/api/login/verifica/42"}')
t.is(login.ok, false, "booleans decode as booleans")
t.is(login.poll, "/smart/api/login/verifica/42", "strings decode as strings")
local acct = json.decode([[{"userid":"M1234567","mfa":{"enabled":true,"methods":["push","otp"]},
	"expires_in":1800,"ratio":0.75,"big":-12e3}]])
t.is(acct.mfa.methods[2], "otp", "nested objects and arrays")
t.is(#acct.mfa.methods, 2, "arrays are sequences")
t.is(math.type(acct.expires_in), "integer", "whole numbers decode as integers")
t.is(acct.expires_in, 1800, "with their value")
t.is(math.type(acct.ratio), "float", "fractions decode as floats")
t.is(acct.big, -12000, "exponents are understood")
t.is(json.decode('"caf\\u00e8 \\"x\\""'), 'caf\195\168 "x"', "escapes and \\u decode to UTF-8")
t.is(json.decode(" 7 "), 7, "a bare value with white space around it")

-- null is not nil --------------------------------------------------------
local r = json.decode('{"stato":"in_attesa","errore":null}')
t.ok(r.errore ~= nil, "null does not vanish like nil")
t.ok(r.errore == json.null, "null decodes as pecctl.json.null")
t.ok(json.is_null(r.errore), "json.is_null says so")
t.ok(not json.is_null(nil), "nil is not json.null")
local keys = 0
for _ in pairs(r) do keys = keys + 1 end
t.is(keys, 2, "a key holding null is still there")
local arr = json.decode("[1,null,3]")
t.is(#arr, 3, "null keeps its place in an array")
t.is(json.encode(arr), "[1,null,3]", "and encodes back as null")
t.is(json.encode({ a = json.null }), '{"a":null}', "json.null encodes as null")
t.is(json.encode({ a = nil }), "{}", "a nil field is simply absent")
t.is(json.encode(nil), "null", "nil itself encodes as null")
t.is(tostring(json.null):match("userdata") and "userdata" or tostring(json.null), "userdata",
	"json.null is a light userdata")

-- arrays and objects -----------------------------------------------------
t.is(json.encode({}), "{}", "an empty table encodes as an object")
t.is(json.encode(json.decode("[]")), "[]", "a decoded empty array stays an array")
t.is(json.encode(json.decode("{}")), "{}", "a decoded empty object stays an object")
t.is(json.encode(json.array()), "[]", "json.array() is an empty array")
t.is(json.encode(json.array({ "a" })), '["a"]', "json.array(t) marks t")
t.is(json.encode({ 1, 2, 3 }), "[1,2,3]", "a sequence encodes as an array")
t.is(json.encode({ casella = "a@pec.it", password = "x" }), '{"casella":"a@pec.it","password":"x"}',
	"string keys encode as an object, keys sorted")
t.is(json.encode({ ["1"] = "one" }), '{"1":"one"}', "a string key that looks like a number stays a key")
local v, err = json.encode({ 1, 2, nome = "x" })
t.fails("invalid", "a table mixing items and keys is refused", v, err)
t.like(err and err.message, "mixing", "the error says why")
v, err = json.encode({ [1] = "a", [3] = "c" })
t.fails("invalid", "a sparse array is refused", v, err)
v, err = json.encode({ [1.5] = "x" })
t.fails("invalid", "a fractional key is refused", v, err)
v, err = json.encode({ [true] = "x" })
t.fails("invalid", "a boolean key is refused", v, err)
local decoded = json.decode("[1,2]")
decoded.extra = true
v, err = json.encode(decoded)
t.fails("invalid", "a decoded array given string keys is refused", v, err)

-- numbers ---------------------------------------------------------------
t.is(json.encode(42), "42", "integers encode without a point")
t.is(json.encode(9007199254740993), "9007199254740993", "integers past 2^53 stay exact")
t.is(json.encode(math.mininteger), "-9223372036854775808", "down to the smallest integer")
t.is(json.encode(0.5), "0.5", "floats encode as floats")
t.is(json.decode(json.encode(0.1)), 0.1, "floats round-trip exactly")
v, err = json.encode(0 / 0)
t.fails("invalid", "NaN is refused", v, err)
v, err = json.encode({ x = math.huge })
t.fails("invalid", "infinity is refused", v, err)

-- strings ---------------------------------------------------------------
t.is(json.encode('a "b" \\ / \n\t\1 è'), '"a \\"b\\" \\\\ / \\n\\t\\u0001 è"',
	"strings escape quotes, backslashes and control characters; UTF-8 passes")
v, err = json.encode("a\0b")
t.fails("invalid", "a string with a NUL byte is refused", v, err)

-- round trips -------------------------------------------------------------
for _, text in ipairs({
	'{"stato":"autorizzato"}',
	'{"account":{"sicurezza_e_password":"https://account.aruba.it/pec/sso?ticket=T1"}}',
	'{"error":"password_policy","violations":["min_length","digit"]}',
	'[{"a":[]},{"b":{}},[[]],null,true,false,-1,2.5,"x"]',
	'{"a":{"b":{"c":{"d":[1,[2,[3,[4]]]]}}}}',
}) do
	t.is(json.encode(json.decode(text)), text, "round trip: " .. text)
end
local pretty = json.encode({ a = { 1, 2 } }, { pretty = true })
t.like(pretty, "\n", "pretty output spans lines")
t.is(json.encode(json.decode(pretty)), '{"a":[1,2]}', "and decodes to the same value")

local nested = string.rep("[", 500) .. string.rep("]", 500)
t.is(json.encode(json.decode(nested)), nested, "deep nesting round-trips")

-- bad input ----------------------------------------------------------------
v, err = json.decode('{"stato": in_attesa}')
t.fails("invalid", "bad JSON is nil, err invalid", v, err)
t.like(err and err.message, "byte offset 10", "the error gives the byte offset")
t.like(err and err.message, 'near "in_attesa}"', "and the text found there")
v, err = json.decode('{"ok":true} <html>')
t.fails("invalid", "data after the value is refused", v, err)
t.like(err and err.message, "after the value at byte offset 12", "with its offset")
v, err = json.decode("")
t.fails("invalid", "an empty body is not JSON", v, err)
v, err = json.decode('{"a":[1,2')
t.fails("invalid", "truncated JSON is refused", v, err)
t.like(err and err.message, "end of the input", "the error says the input ended")
v, err = json.decode("<html><body>Sessione scaduta</body></html>")
t.fails("invalid", "an HTML page where JSON was expected is refused", v, err)
t.like(err and err.message, "byte offset 0", "at its first byte")
t.raises("bad argument #1", "decode of a non-string is misuse", json.decode, {})

-- values JSON cannot hold ------------------------------------------------
local cyc = { name = "a" }
cyc.self = cyc
v, err = json.encode(cyc)
t.fails("invalid", "a cycle is refused", v, err)
t.like(err and err.message, "cycle", "the error says it is a cycle")
t.like(err and err.message, "%.self", "and where")
local deep = { list = {} }
deep.list[1] = { back = deep }
v, err = json.encode(deep)
t.like(err and err.message, "%.list%[1%]%.back", "a longer cycle names its path")
local shared = { 1 }
t.is(json.encode({ a = shared, b = shared }), '{"a":[1],"b":[1]}', "a table used twice is not a cycle")
v, err = json.encode({ callback = print })
t.fails("invalid", "a function is refused", v, err)
t.like(err and err.message, "function.*%.callback", "the error names the function's place")
v, err = json.encode({ co = coroutine.create(print) })
t.fails("invalid", "a thread is refused", v, err)

-- secrets -------------------------------------------------------------------
local pw = pecctl.secrets.new("Segreta.2024")
t.is(json.encode({ casella = "a@pec.it", password = pw }), '{"casella":"a@pec.it","password":"***"}',
	"a secret encodes as *** by default")
local body = json.encode({ casella = "a@pec.it", password = json.reveal(pw) })
t.ok(pecctl.secrets.is_secret(body), "with json.reveal the text holds the secret, so it is a secret")
t.is(tostring(body), "***", "and prints as ***")
t.is(#body, #'{"casella":"a@pec.it","password":"Segreta.2024"}', "it holds the whole JSON text")
t.ok(body == pecctl.secrets.new('{"casella":"a@pec.it","password":"Segreta.2024"}'),
	"exactly the JSON text with the password in it")
t.raises("expected a secret", "json.reveal only takes secrets", json.reveal, "plain")

t.done()
