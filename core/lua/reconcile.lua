-- Reconciling a vault entry left pending: a password change was staged but
-- its outcome never became known (timeout, dropped connection, 5xx after
-- sending, a killed pecctl). Log in with the pending password, then with
-- the current one, and keep whichever works. Every failed login is noted
-- in the vault against the pending password; once MAX_FAILED have been
-- spent (by any run) reconcile stops and asks for a person, because the
-- portals lock a mailbox after a few failures (pecsim: 5). Used by
-- `pecctl vault reconcile` and pecctl.vault.reconcile (batch --resume).
local reconcile = {}

reconcile.MAX_FAILED = 2

local fail = pecctl.fail

-- reconcile.account(key [, provider [, force]]) -> result | nil, err
-- result: { account=, outcome = "nothing" | "promoted" | "discarded", op=,
--           changed = true when the portal holds the pending password, message= }
-- force: try even when MAX_FAILED logins have failed already.
function reconcile.account(key, provider, force)
	local vault = pecctl.vault
	local pending, op, failed = vault.pending(key)
	if pending == nil then
		if op ~= nil then return nil, op end
		return { account = key, outcome = "nothing", changed = false, message = "nothing pending" }
	end
	failed = failed or 0
	if failed >= reconcile.MAX_FAILED and not force then
		return fail("needs_human",
			"%s: %d logins with its passwords have failed already and another could lock the mailbox; " ..
			"find out which password the portal holds, then run 'pecctl vault reconcile --force %s'",
			key, failed, key)
	end
	local candidates = { pending }
	local current = vault.get(key)
	if current then candidates[2] = current end
	local account, err = pecctl.account { address = key, provider = provider }
	if not account then return nil, err end
	for i, candidate in ipairs(candidates) do
		local probe = pecctl.account { address = key, provider = account.provider, password = candidate }
		local ok, lerr = probe:login {}
		if ok then
			if i == 1 then
				local done, perr = vault.promote(key, op)
				if not done then return nil, perr end
				return { account = key, outcome = "promoted", changed = true, op = op,
					message = "the pending password logs in: it is now the current one" }
			end
			local done, derr = vault.discard(key, op)
			if not done then return nil, derr end
			return { account = key, outcome = "discarded", changed = false, op = op,
				message = "the current password still logs in: the pending one is dropped" }
		end
		if not lerr or lerr.code ~= "auth" then
			return fail(lerr and lerr.code or "unknown_outcome",
				"%s: cannot log in to check (%s); the pending password stays in the vault, try again later",
				key, lerr and lerr.message or "no answer")
		end
		pecctl.log.info("reconcile %s: the %s password does not log in", key, i == 1 and "pending" or "current")
		local noted, nerr = vault.note_failed_logins(key, op, 1)
		if not noted then return nil, nerr end
	end
	return fail("auth", "%s: neither the pending password nor the %s logs in; both stay in the vault: " ..
		"check the mailbox with its provider before anything else", key,
		current and "current one" or "(missing) current one")
end

return reconcile
