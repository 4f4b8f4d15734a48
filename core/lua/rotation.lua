-- Password rotation that never locks anyone out:
--   1. the new password is checked against the provider's policy locally;
--   2. it is staged in the vault as `pending` (fsync'd) before it is sent;
--   3. on a clear success it is promoted to `current`;
--   4. when the outcome is unknown (dropped connection, timeout, 5xx after
--      sending) we log in with the new password, then the old one, and keep
--      whichever works; if neither can be confirmed the entry stays pending
--      for `pecctl vault reconcile`.
local rotation = {}

local function vault()
	local v = pecctl.vault
	if v and v.available() then return v end
	return nil
end

-- The new password: the one given (a secret), or one generated from the
-- provider's policy when the vault can keep it. Checked against the policy.
function rotation.new_password(ctx, given, current, userid)
	local new = given
	if not new then
		if not vault() then
			return pecctl.fail("usage",
				"no --param new_password given, and without a vault a generated password could be lost; " ..
				"give one (e.g. --param new_password=prompt:) or set up the vault ('pecctl vault init')")
		end
		local err
		new, err = pecctl.providers.generate_password(ctx.provider, { current = current, userid = userid })
		if not new then return nil, err end
	end
	local ok, violations = pecctl.providers.check_password(ctx.provider, new, { current = current, userid = userid })
	if not ok then
		local rules, texts = {}, {}
		for _, v in ipairs(violations) do
			rules[#rules + 1] = v.rule
			texts[#texts + 1] = v.message
		end
		local nil_, err = pecctl.fail("policy", "the new password breaks the %s rules: %s",
			ctx.provider, table.concat(texts, "; "))
		err.rules = rules
		return nil_, err
	end
	return new, nil, not given
end

-- Unknown outcomes are the ones where the portal may have applied the change.
function rotation.outcome_unknown(err)
	return err.code == "unknown_outcome" or err.code == "timeout" or err.code == "network" or
		(err.status and err.status >= 500)
end

-- Which of the candidate passwords opens the mailbox? One login each, new
-- first: two attempts stay well below any lockout threshold.
function rotation.which_works(address, provider, candidates)
	for i, candidate in ipairs(candidates) do
		local probe = pecctl.account { address = address, provider = provider, password = candidate }
		local ok, err = probe:login {}
		if ok then return i end
		pecctl.log.info("reconcile %s: candidate %d does not log in (%s)", address, i, err and err.code or "?")
		if err and err.code ~= "auth" then return nil, err end
	end
	return nil
end

local function op_id(key)
	return string.format("%s@%d-%06x", key, os.time(), math.random(0, 0xffffff))
end

-- rotate{ctx=, key=account whose password changes, provider=, new=secret,
--        current=secret, submit=function() -> result | nil, err}
function rotation.rotate(r)
	local v = vault()
	local op = op_id(r.key)
	if v then
		-- staging unlocks the vault: a wrong passphrase stops us before the portal is touched
		local ok, err = v.stage(r.key, r.new, op)
		if not ok then return nil, err end
	end
	local result, err = r.submit()
	if result then
		if v then v.promote(r.key, op) end
		return result
	end
	if not rotation.outcome_unknown(err) then
		-- a clear refusal: nothing changed on the portal
		if v then v.discard(r.key, op) end
		return nil, err
	end
	pecctl.log.warn("%s: the outcome of the change is unknown (%s); checking which password works",
		r.key, err.message)
	local outcome, probe_err
	if v then
		-- the vault's reconcile counts each failed login against the lockout
		local rec
		rec, probe_err = v.reconcile(r.key, r.provider)
		outcome = rec and rec.outcome
	else
		local works
		works, probe_err = rotation.which_works(r.key, r.provider, { r.new, r.current })
		outcome = (works == 1 and "promoted") or (works == 2 and "discarded") or nil
	end
	if outcome == "promoted" then
		return { message = "password changed (confirmed by logging in after: " .. err.message .. ")", reconciled = true }
	elseif outcome == "discarded" then
		-- the outcome is known now: nothing changed, because the portal
		-- failed (5xx) or the network did
		local code = err.code
		if code == "unknown_outcome" then code = (err.status and err.status >= 500) and "portal" or "network" end
		return pecctl.fail(code, "the password was not changed (the current one still works): %s", err.message)
	end
	if v then
		return pecctl.fail("unknown_outcome",
			"cannot tell whether the password of %s changed (%s), both passwords are kept in the " ..
			"vault; run 'pecctl vault reconcile %s' later", r.key,
			probe_err and probe_err.message or err.message, r.key)
	end
	return pecctl.fail("unknown_outcome",
		"cannot tell whether the password of %s changed (%s); later, log in with the new one " ..
		"('pecctl run verify-login --account %s --secret REF') to see", r.key,
		probe_err and probe_err.message or err.message, r.key)
end

return rotation
