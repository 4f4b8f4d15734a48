-- One mailbox of a batch, in a worker's own lua_State (core/batch_worker.c):
-- the procedure runs through pecctl.runner exactly as `pecctl run` runs it,
-- and the worker learns how it went and how many requests it took.
local runner = require "pecctl.runner"

local batch = {}

-- An outcome as the report says it: ok, failed, needs-action, skipped.
local function status_of(err)
	local code = err.code
	if code == "needs_human" or code == "unknown_outcome" then return "needs-action" end
	if code == "interrupted" then return "skipped" end
	return "failed"
end

local function first_line(text)
	text = tostring(text or "")
	return (text:match("^[^\n]*"))
end

-- Every session the run opens, directly or through an account, so that
-- their requests can be counted and their connections handed back to the
-- shared pool as soon as the mailbox is done.
local function tracking(sessions)
	local real_account, real_session = pecctl.account, pecctl.session
	pecctl.account = function(t)
		local account, err = real_account(t)
		if account then sessions[#sessions + 1] = account.session end
		return account, err
	end
	pecctl.session = function(...)
		local session, err = real_session(...)
		if session then sessions[#sessions + 1] = session end
		return session, err
	end
	return function() pecctl.account, pecctl.session = real_account, real_session end
end

local function close_all(sessions)
	local requests = 0
	for _, s in ipairs(sessions) do
		local ok, stats = pcall(s.stats, s)
		if ok then requests = requests + stats.requests end
		pcall(s.close, s)
	end
	return requests
end

-- A mailbox a killed batch left between "start" and "end" while its
-- password was being changed: was the change made? With a vault, its
-- reconcile (core/lua/reconcile.lua) logs in with the pending password, then
-- the current one, and keeps the one that works. Without one, a procedure
-- that knows both passwords answers through its reconcile(ctx)
-- (password-change: the inventory gives the one in use and the new one).
-- Returns "done" (the portal got the change), "rerun" (it did not, or
-- nothing was staged; with the ctx the procedure was asked with, when it
-- was, for the run that follows: its secrets are resolved once, a cmd:
-- run once, a person asked once), or nil, message (a person must look).
local function reconcile_interrupted(proc, opts)
	local vault = pecctl.vault
	if vault and vault.reconcile and vault.available and vault.available() then
		local result, err = vault.reconcile(opts.account, opts.provider)
		if not result then return nil, err.message end
		if result.changed or result.outcome == "promoted" then return "done" end
		return "rerun"
	end
	if not proc.reconcile then
		return nil, string.format("interrupted mid-run in an earlier batch, and with no vault to keep " ..
			"the new password pecctl cannot tell whether the change was made: check the mailbox " ..
			"(pecctl run verify-login --account %s --secret REF), then run the batch again with " ..
			"--resume --retry-failed", opts.account)
	end
	local ctx, err = runner.prepare(proc, opts)
	if not ctx then return nil, err.message end
	local outcome
	outcome, err = proc.reconcile(ctx)
	if outcome == "done" or outcome == "rerun" then return outcome, nil, ctx end
	return nil, "interrupted mid-run in an earlier batch: " .. (err and err.message or "no answer") ..
		"; check the mailbox, then run the batch again with --resume --retry-failed"
end

-- run(proc, opts) -> status, code, message, requests
-- opts as for runner.run, plus reconcile = true for a mailbox a killed
-- batch left half done.
function batch.run(proc, opts)
	if not opts.secret and not pecctl.prompt.has_tty() then
		-- runner.run would say "--secret", an option of `pecctl run`
		return "failed", "usage", string.format("no password for %s: fill its secret column in the " ..
			"inventory (env:VAR, file:PATH, cmd:COMMAND, vault:KEY), or keep it in the vault", opts.account), 0
	end
	local sessions = {}
	local restore = tracking(sessions)
	local ok, result, err, ctx
	if opts.reconcile then
		local outcome, why
		outcome, why, ctx = reconcile_interrupted(proc, opts)
		if outcome == "done" then
			restore()
			return "ok", "", "reconciled: the change was made before the earlier batch stopped", close_all(sessions)
		elseif not outcome then
			restore()
			return "needs-action", "unknown_outcome", first_line(why), close_all(sessions)
		end
	end
	if ctx then
		ok, result, err = xpcall(proc.run, debug.traceback, ctx)
	else
		ok, result, err = xpcall(runner.run, debug.traceback, proc, opts)
	end
	restore()
	local requests = close_all(sessions)
	if not ok then
		local e = result
		if type(e) == "table" then
			return status_of(e), tostring(e.code or "internal"), first_line(e.message), requests
		end
		return "failed", "internal", first_line(e), requests
	end
	if result == nil then
		if type(err) ~= "table" then err = { code = "internal", message = tostring(err) } end
		return status_of(err), tostring(err.code or "internal"), first_line(err.message), requests
	end
	local message = type(result) == "table" and result.message or nil
	return "ok", "", first_line(message or (proc.name .. " done")), requests
end

return batch
