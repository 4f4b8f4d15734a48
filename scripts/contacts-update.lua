-- contacts-update: "Modifica email e numero di cellulare della casella PEC"
-- (with the current password known): Gestione account → Email e cellulare,
-- then the codes sent to the new email and the new mobile.
local ids = require "pecctl.ids"

return {
	name = "contacts-update",
	summary = "change the recovery email and mobile (codes from the TTY or --otp-command)",
	operations = { "contacts_update" },
	params = {
		email = { optional = true, help = "the new contact email (not a PEC address)" },
		mobile = { optional = true, help = "the new mobile, with country code: +393331234567" },
		question = { optional = true, help = "security question, where the provider has one" },
		answer = { secret = true, optional = true, help = "its answer" },
	},
	changes_state = true,

	run = function(ctx)
		local p = ctx.params
		if not p.email and not p.mobile and not p.question then
			return pecctl.fail("usage", "nothing to change: give --param email=… and/or --param mobile=…")
		end
		-- the portal refuses these too, but only after sending codes around
		if p.email then
			local ok, why = ids.email(p.email)
			if not ok then return pecctl.fail("invalid", "%s", why) end
		end
		if p.mobile then
			local ok, why = ids.mobile(p.mobile)
			if not ok then return pecctl.fail("invalid", "%s", why) end
		end
		local args = { email = p.email, mobile = p.mobile, question = p.question, answer = p.answer,
			dry_run = ctx.check or nil }
		local result, err = ctx.session:contacts_update(args)
		if not result then return nil, err end
		if ctx.check then
			result.message = "check passed: the contacts form is reachable and the values are valid; nothing submitted"
		else
			result.message = "contact details updated and verified"
		end
		return result
	end,
}
