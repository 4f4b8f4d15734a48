-- password-change: the guide "Istruzioni per il cambio della password della
-- casella di posta PEC" (Aruba), and the same for every provider.
local rotation = require "pecctl.rotation"

return {
	name = "password-change",
	summary = "change the mailbox's password (new one given, or generated and kept in the vault)",
	operations = { "login", "change_password" },
	params = {
		new_password = { secret = true, optional = true,
			help = "the new password; without it one is generated from the provider's rules" },
		via = { optional = true, help = "which portal page to use, when the provider has several" },
	},
	changes_state = true,

	run = function(ctx)
		local mailbox = ctx.session
		-- 1-2) open the portal and log in with the password in use
		local ok, err = mailbox:login {}
		if not ok then return nil, err end

		-- 4) the new password must follow the rules shown on the page
		local new, generated
		new, err, generated = rotation.new_password(ctx, ctx.params.new_password, mailbox.password, ctx.account)
		if not new then return nil, err end

		-- 3-4) reach "Cambio Password" and fill the form; under --check, stop there
		if ctx.check then
			local plan
			plan, err = mailbox:change_password { new_password = new, via = ctx.params.via, dry_run = true }
			if not plan then return nil, err end
			plan.message = "check passed: the password form is reachable and the new password meets the rules; nothing submitted"
			return plan
		end

		-- 5) "Cambia Password", with the new password kept safe before it is sent
		local result
		result, err = rotation.rotate {
			key = ctx.account, provider = ctx.provider, new = new, current = mailbox.password,
			submit = function()
				return mailbox:change_password { new_password = new, via = ctx.params.via }
			end,
		}
		if not result then return nil, err end
		mailbox.password = new
		result.message = result.message or "password changed"
		result.generated = generated or nil
		return result
	end,

	-- A batch was cut off while changing this mailbox's password, with no
	-- vault keeping the new one as pending: the new password given, then the
	-- one in use; whichever logs in says whether the portal made the change.
	-- "done" (it did), "rerun" (it did not), or nil, err.
	reconcile = function(ctx)
		if not ctx.params.new_password then
			return pecctl.fail("unknown_outcome", "no new password was given to try")
		end
		local works, err = rotation.which_works(ctx.account, ctx.provider,
			{ ctx.params.new_password, ctx.session.password })
		if works == 1 then return "done" end
		if works == 2 then return "rerun" end
		if err then return nil, err end
		return pecctl.fail("auth", "neither the new password nor the one in use logs in to %s", ctx.account)
	end,
}
