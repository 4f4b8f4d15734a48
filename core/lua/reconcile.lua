-- Reconciling a vault entry left pending: a password change was staged but
-- its outcome never became known (timeout, dropped connection, 5xx after
-- sending, a killed pecctl). Log in with the pending password, then with
-- the current one, and keep whichever works. Two logins per account at
-- most, far below any portal's lockout threshold. Used by
-- `pecctl vault reconcile` and pecctl.vault.reconcile (batch --resume).
local reconcile = {}

local function fail(code, fmt, ...)
	return nil, setmetatable({ code = code, message = string.format(fmt, ...) },
		{ __tostring = function(e) return e.message .. " (" .. e.code .. ")" end })
end

-- reconcile.account(key [, provider]) -> result | nil, err
-- result: { account=, outcome = "nothing" | "promoted" | "discarded",
--           changed = true when the portal holds the pending password, message= }
function reconcile.account(key, provider)
	local vault = pecctl.vault
	local pending, op = vault.pending(key)
	if pending == nil then
		if op ~= nil then return nil, op end
		return { account = key, outcome = "nothing", changed = false, message = "nothing pending" }
	end
	local candidates = { pending }
	local current = vault.get(key)
	if current then candidates[2] = current end
	local account, err = pecctl.account { address = key, provider = provider }
	if not account then return nil, err end
	local rotation = require "pecctl.rotation"
	local works, probe_err = rotation.which_works(key, account.provider, candidates)
	if works == 1 then
		local ok, perr = vault.promote(key, op)
		if not ok then return nil, perr end
		return { account = key, outcome = "promoted", changed = true, op = op,
			message = "the pending password logs in: it is now the current one" }
	elseif works == 2 then
		local ok, derr = vault.discard(key, op)
		if not ok then return nil, derr end
		return { account = key, outcome = "discarded", changed = false, op = op,
			message = "the current password still logs in: the pending one is dropped" }
	end
	if probe_err then
		return fail(probe_err.code or "unknown_outcome",
			"%s: cannot log in to check (%s); the pending password stays in the vault, try again later",
			key, probe_err.message or tostring(probe_err))
	end
	return fail("auth", "%s: neither the pending password nor the %s logs in; both stay in the vault: " ..
		"check the mailbox with its provider before anything else", key,
		current and "current one" or "(missing) current one")
end

return reconcile
