-- A small TAP producer for tests written in Lua and run with
-- `pecctl script FILE.lua`. Usage:
--   local t = dofile(arg[0]:match("(.*/)") .. "tap.lua")
--   t.is(got, expected, "what it shows"); t.done()
local t = { n = 0, failed = 0 }

local function report(pass, desc, diag)
	t.n = t.n + 1
	io.write((pass and "ok " or "not ok ") .. t.n .. " - " .. desc .. "\n")
	if not pass then
		t.failed = t.failed + 1
		if diag then io.write("#   " .. diag:gsub("\n", "\n#   ") .. "\n") end
	end
	return pass
end

function t.ok(cond, desc) return report(cond and true or false, desc) end

function t.is(got, expected, desc)
	return report(got == expected, desc,
		string.format("got:      %s\nexpected: %s", tostring(got), tostring(expected)))
end

function t.like(text, pattern, desc)
	local s = tostring(text)
	return report(s:find(pattern) ~= nil, desc,
		string.format("%q does not match %q", s, pattern))
end

function t.unlike(text, pattern, desc)
	local s = tostring(text)
	return report(s:find(pattern) == nil, desc,
		string.format("%q unexpectedly matches %q", s, pattern))
end

-- t.fails(err_code, fn, ...): fn returns nil, err with err.code == err_code.
function t.fails(code, desc, v, err)
	return report(v == nil and type(err) == "table" and err.code == code, desc,
		string.format("got: %s, %s", tostring(v), type(err) == "table" and
			(tostring(err.code) .. ": " .. tostring(err.message)) or tostring(err)))
end

function t.raises(pattern, desc, fn, ...)
	local okay, msg = pcall(fn, ...)
	return report(not okay and tostring(msg):find(pattern) ~= nil, desc,
		"did not raise an error matching " .. pattern .. " (got " .. tostring(msg) .. ")")
end

function t.done()
	io.write("1.." .. t.n .. "\n")
	os.exit(t.failed == 0 and 0 or 1)
end

return t
