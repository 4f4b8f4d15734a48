-- migrate-prepare: the Aruba half of a move to InfoCert Legalmail, after the
-- guide "Procedura di disattivazione della funzione di verifica in due
-- passaggi della casella PEC Aruba": log in through Webmail PEC Smart,
-- Impostazioni → Sicurezza e password → Verifica in 2 passaggi → Disattiva,
-- "Autorizza" in the phone app. What the new mailbox will need (recovery
-- contacts, holder data) is recorded in the migration file, and the mailbox
-- is marked as migrating: "Non riattivare la verifica in 2 passaggi della
-- casella PEC ARUBA durante tutto il periodo di migrazione".
--
-- Each step is recorded as it is done; a second run finds them done and
-- changes nothing.
local migration = require "pecctl.migration"

local fail = pecctl.fail

-- Only the fields a holder profile has, as strings.
local function profile_fields(p)
	local out = {}
	for _, f in ipairs(migration.profile_fields) do
		local v = p[f]
		out[f] = (v == nil or v == pecctl.json.null) and "" or tostring(v)
	end
	return out
end

local function contact_fields(c)
	local function str(v) return (v == nil or v == pecctl.json.null) and "" or tostring(v) end
	return { email = str(c.email), email_verified = c.email_verified == true,
		mobile = str(c.mobile), mobile_verified = c.mobile_verified == true }
end

local function same(a, b)
	if a == nil or b == nil then return false end
	for k, v in pairs(a) do if b[k] ~= v then return false end end
	for k, v in pairs(b) do if a[k] ~= v then return false end end
	return true
end

-- --param cancel=true: the move is called off; two-step may come back.
local function cancel(ctx, record, path)
	if not record then
		return fail("noinput", "%s has no migration to call off (no %s)", ctx.account, path)
	end
	if record.state ~= "migrating" then
		return { message = "the migration was already " .. record.state .. "; nothing to do", changed = false,
			migration_file = path }
	end
	if ctx.check then
		return { message = "check passed: the migration would be called off; nothing written", migration_file = path }
	end
	record.state, record.cancelled = "cancelled", migration.now()
	local ok, err = migration.save(record)
	if not ok then return nil, err end
	return { message = "migration called off: two-step verification may be turned on again (pecctl run twofa-enable)",
		changed = true, migration_file = path }
end

return {
	name = "migrate-prepare",
	summary = "before a move to InfoCert: turn off two-step verification (app approval), record contacts " ..
		"and holder data in the migration file, and keep two-step off until 'migrate-finish … --param end=true'",
	operations = { "login", "twofa_status", "twofa_disable", "contacts_get", "profile_get" },
	params = {
		cancel = { type = "boolean", optional = true,
			help = "call the migration off: the mailbox is no longer marked as migrating" },
	},
	changes_state = true,

	run = function(ctx)
		local mailbox = ctx.session
		local path, err = migration.path(ctx.account)
		if not path then return nil, err end
		local lock <close>, lerr = migration.lock(ctx.account, ctx.check)
		if lerr then return nil, lerr end
		local record
		record, err = migration.load(ctx.account)
		if err then return nil, err end
		if ctx.params.cancel then return cancel(ctx, record, path) end
		if record and record.state ~= "migrating" then
			return fail("policy", "the migration of %s was %s on %s (%s); move that file away to start another",
				ctx.account, record.state, record.ended or record.cancelled or record.updated, path)
		end
		local fresh = record == nil
		record = record or migration.new(ctx.account, ctx.provider)
		local done = {}   -- what this run changed, for the summary

		-- "accedere alla casella PEC": the webmail, from where the guide starts
		local login
		login, err = mailbox:login { site = ctx.provider == "aruba" and "webmail" or nil }
		if not login then return nil, err end

		-- Impostazioni → Sicurezza e password → Verifica in 2 passaggi: opening
		-- the page (without pressing Disattiva) carries the session there, so
		-- reading the state costs no second app approval
		local plan
		plan, err = mailbox:twofa_disable { dry_run = true }
		if not plan then return nil, err end
		local status
		status, err = mailbox:twofa_status {}
		if not status then return nil, err end

		-- record the two-step state as it was before the migration touched it
		if not record.twofa then
			record.twofa = { was_on = status.enabled == true, recorded = migration.now() }
			if type(status.device) == "string" then record.twofa.device = status.device end
		end
		-- from here on the mailbox is marked as migrating
		if not ctx.check then
			local ok, serr = migration.save(record)
			if not ok then return nil, serr end
		end

		-- "DISATTIVA", then "AUTORIZZA" on the Aruba PEC app
		if status.enabled then
			if ctx.check then
				done[#done + 1] = "would turn two-step verification off (app approval)"
			else
				local result
				result, err = mailbox:twofa_disable {}
				if not result then return nil, err end
				record.steps.twofa_disabled = migration.now()
				local ok, serr = migration.save(record)
				if not ok then return nil, serr end
				done[#done + 1] = "two-step verification turned off"
			end
		elseif record.twofa.was_on and not record.steps.twofa_disabled then
			-- off already, by hand or by a run that stopped before recording it
			record.steps.twofa_disabled = migration.now()
		end

		-- what the new mailbox needs: the recovery contacts ...
		local contacts
		contacts, err = mailbox:contacts_get {}
		if not contacts then return nil, err end
		contacts = contact_fields(contacts)
		if not same(record.contacts, contacts) then
			done[#done + 1] = record.contacts and "recovery contacts recorded again (they had changed)" or
				"recovery contacts recorded"
			record.contacts, record.steps.contacts = contacts, migration.now()
		end

		-- ... and the holder data (Area clienti, "profilo titolare")
		local profile
		profile, err = mailbox:profile_get {}
		if not profile then return nil, err end
		profile = profile_fields(profile.profile or profile)
		if not same(record.profile, profile) then
			done[#done + 1] = record.profile and "holder data recorded again (they had changed)" or
				"holder data recorded"
			record.profile, record.steps.profile = profile, migration.now()
		end

		local next_step = string.format("next: pecctl run migrate-finish --account NEW@legalmail.it --param from=%s",
			ctx.account)
		if ctx.check then
			return { message = "check passed: logged in, two-step verification is " ..
				(status.enabled and "on" or "off") .. ", contacts and holder data read; nothing changed, nothing written",
				two_step = status.enabled == true, would = table.concat(done, "; "), migration_file = path }
		end

		local changed = #done > 0 or fresh
		if not record.steps.prepared then record.steps.prepared = migration.now() end
		local ok, serr = migration.save(record)
		if not ok then return nil, serr end
		local message
		if changed then
			message = "ready for the move: " .. (#done > 0 and table.concat(done, ", ") or "recorded") ..
				"; two-step verification stays off until the migration is ended; " .. next_step
		else
			message = "already prepared: two-step verification is off, contacts and holder data unchanged; " ..
				"nothing changed; " .. next_step
		end
		return { message = message, changed = changed, two_step_was_on = record.twofa.was_on,
			migration_file = path }
	end,
}
