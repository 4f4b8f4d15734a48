-- twofa-enable: turn two-step verification on (Aruba: Gestione account →
-- Verifica in 2 passaggi → Attiva → the code sent by SMS → pair the Aruba
-- PEC app). Refused for a mailbox that is being moved to InfoCert: the
-- migration guide says "Non riattivare la verifica in 2 passaggi della
-- casella PEC ARUBA durante tutto il periodo di migrazione del relativo
-- contenuto", because the messages are copied with the password alone.
local migration = require "pecctl.migration"

local fail = pecctl.fail

return {
	name = "twofa-enable",
	summary = "turn on two-step verification (SMS code, then pair the phone app); " ..
		"refused while the mailbox is being migrated",
	operations = { "twofa_status" },
	params = {
		wait = { type = "number", optional = true,
			help = "seconds to wait for the phone app to be paired after the code (default 0: do not wait)" },
	},
	changes_state = true,

	run = function(ctx)
		local mailbox = ctx.session
		-- pecctl's own rule first: nothing is sent to the portal for a migrating mailbox
		local allowed, err = migration.twofa_enable_allowed(ctx.account)
		if not allowed then return nil, err end
		if not mailbox:supports("twofa_enable") then
			return fail("unsupported", "provider %s cannot turn two-step verification on (no operation 'twofa_enable'); " ..
				"do it on the provider's portal", ctx.provider)
		end

		-- Verifica in 2 passaggi: is it on already?
		local status
		status, err = mailbox:twofa_status {}
		if not status then return nil, err end
		if status.enabled then
			return { message = "two-step verification is already on", enabled = true, changed = false,
				device = type(status.device) == "string" and status.device or nil }
		end
		if ctx.check then
			local plan
			plan, err = mailbox:twofa_enable { dry_run = true }
			if not plan then return nil, err end
			plan.message = "check passed: two-step verification is off and the Attiva button is reachable; nothing submitted"
			return plan
		end

		-- Attiva → the code sent by SMS to the account's mobile
		local result
		result, err = mailbox:twofa_enable {}
		if not result then return nil, err end
		if result.enabled then
			result.message = result.message or "two-step verification turned on"
			return result
		end
		local pair = "pair the Aruba PEC app on the phone to complete the activation"
		if (ctx.params.wait or 0) <= 0 then
			result.message = (result.message and result.message .. "; " or "") .. pair ..
				" (then 'pecctl run twofa-enable' says whether it is on)"
			return result
		end

		-- then the phone app is paired: wait for it when asked to
		local on
		on, err = pecctl.wait_for(function()
			local s, serr = mailbox:twofa_status {}
			if not s then return nil, serr end
			if s.enabled then return s end
			return nil
		end, { timeout = ctx.params.wait, interval = 1, label = pair })
		if not on then return nil, err end
		return { message = "two-step verification turned on", enabled = true, changed = true,
			device = type(on.device) == "string" and on.device or nil }
	end,
}
