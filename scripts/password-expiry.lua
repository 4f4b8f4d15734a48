-- password-expiry: "Scadenza password" in Gestione account (guides index 3.3).
return {
	name = "password-expiry",
	summary = "turn password expiry on or off, with its period and warning",
	operations = { "password_expiry_set" },
	params = {
		enabled = { type = "boolean", help = "true to make the password expire, false never" },
		days = { type = "number", optional = true, help = "days the password lasts, 2 to 90 (default 90)" },
		notice_days = { type = "number", optional = true, help = "days of warning before, 1 to days-1" },
		notify_email = { type = "boolean", optional = true, help = "also warn by email" },
	},
	changes_state = true,

	run = function(ctx)
		local p = ctx.params
		local days = p.days or 90
		if p.enabled then
			if days ~= math.floor(days) or days < 2 or days > 90 then
				return pecctl.fail("invalid", "days must be a whole number from 2 to 90, not %s", tostring(p.days))
			end
			if p.notice_days and (p.notice_days < 1 or p.notice_days > days - 1) then
				return pecctl.fail("invalid", "notice_days must be from 1 to %d (days - 1)", days - 1)
			end
		end
		local result, err = ctx.session:password_expiry_set {
			enabled = p.enabled, days = p.enabled and days or nil, notice_days = p.notice_days,
			notify_email = p.notify_email, dry_run = ctx.check or nil,
		}
		if not result then return nil, err end
		if ctx.check then
			result.message = "check passed: the expiry form is reachable and the values are valid; nothing submitted"
		elseif p.enabled then
			result.message = string.format("password expires every %d days", days)
		else
			result.message = "password expiry turned off"
		end
		return result
	end,
}
