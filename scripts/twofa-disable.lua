-- twofa-disable: "Procedura di disattivazione della funzione di verifica in
-- due passaggi" — before moving an Aruba mailbox to InfoCert. The documented
-- route: Webmail PEC Smart → Impostazioni → Account "Sicurezza e password"
-- → Verifica in 2 passaggi → Disattiva → "Autorizza" in the phone app.
return {
	name = "twofa-disable",
	summary = "turn off two-step verification (the phone app must approve)",
	operations = { "twofa_disable" },
	params = {},
	changes_state = true,

	run = function(ctx)
		-- the provider follows the route and reads the state on the
		-- "Verifica in 2 passaggi" page itself: one login, one approval
		local result, err = ctx.session:twofa_disable { dry_run = ctx.check or nil }
		if not result then return nil, err end
		if result.changed == false then
			result.message = "two-step verification is already off"
		elseif ctx.check then
			result.message = "check passed: two-step verification is on and the Disattiva button is reachable; nothing submitted"
		else
			-- Disattiva, then "Autorizza" in the app: done
			result.message = "two-step verification turned off; do not turn it on again until the migration is over"
			result.enabled = false
		end
		return result
	end,
}
