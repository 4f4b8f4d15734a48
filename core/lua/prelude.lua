-- The friendly layer of the pecctl Lua API, built on the C primitives.
-- Loaded once at start-up; everything here ends up in the `pecctl` table.
local pecctl = pecctl

local error_meta = {
	__name = "pecctl.error",
	__tostring = function(e) return tostring(e.message) .. " (" .. tostring(e.code) .. ")" end,
}

-- pecctl.fail(code, fmt, ...) -> nil, err: the expected-failure pair, for
-- `return pecctl.fail("policy", "...")` in scripts.
function pecctl.fail(code, fmt, ...)
	return nil, setmetatable({ code = code, message = string.format(fmt, ...) }, error_meta)
end

-- Operations pecctl itself refuses in some states, whoever calls them (a
-- procedure, the REPL, a custom script): guard(address) -> true | nil, err.
pecctl.guards = {
	twofa_enable = function(address)
		return require("pecctl.migration").twofa_enable_allowed(address)
	end,
}

-- pecctl.wait_for(check, {timeout=, interval=, label=}): call check() until
-- it returns a value other than nil (returned) or fails (nil, err), showing
-- a countdown on the TTY. Times out with nil, {code="expired"}.
function pecctl.wait_for(check, opts)
	opts = opts or {}
	local timeout = opts.timeout or 120
	local interval = opts.interval or 2
	local label = opts.label or "waiting"
	local deadline = os.time() + timeout
	while true do
		local value, err = check()
		if value ~= nil or err ~= nil then
			pecctl.prompt.status(nil)
			return value, err
		end
		local left = deadline - os.time()
		if left <= 0 then
			pecctl.prompt.status(nil)
			return pecctl.fail("expired", "%s: no answer in %d s", label, timeout)
		end
		pecctl.prompt.status(string.format("%s: %d s left", label, left))
		pecctl.sleep(math.min(interval, left))
	end
end

return pecctl
