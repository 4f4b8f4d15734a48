-- twofa-disable: "Procedura di disattivazione della funzione di verifica in
-- due passaggi" — before moving an Aruba mailbox to InfoCert. The documented
-- route: Webmail PEC Smart → Impostazioni → Account "Sicurezza e password"
-- → Verifica in 2 passaggi → Disattiva → "Autorizza" in the phone app.
return {
	name = "twofa-disable",
	summary = "turn off two-step verification (the phone app must approve)",
	operations = { "twofa_status", "twofa_disable" },
	params = {},
	changes_state = true,

	run = function(ctx)
		local mailbox = ctx.session
		local status, err = mailbox:twofa_status {}
		if not status then return nil, err end
		if not status.enabled then
			return { message = "two-step verification is already off", enabled = false, changed = false }
		end
		if ctx.check then
			local plan
			plan, err = mailbox:twofa_disable { dry_run = true }
			if not plan then return nil, err end
			plan.message = "check passed: two-step verification is on and the Disattiva button is reachable; nothing submitted"
			return plan
		end
		-- Disattiva: the app on the phone gets a notification to authorise
		local result
		result, err = mailbox:twofa_disable {}
		if not result then return nil, err end
		result.message = "two-step verification turned off; do not turn it on again until the migration is over"
		result.enabled = false
		return result
	end,
}
