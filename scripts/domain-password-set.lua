-- domain-password-set: PEC on one's own domain (guides index 3.2): the
-- postmaster sets the password of a mailbox of the domain, without knowing
-- the current one.
local rotation = require "pecctl.rotation"

return {
	name = "domain-password-set",
	summary = "as postmaster of a PEC domain, set the password of one of its mailboxes",
	operations = { "login", "domain_password_set" },
	params = {
		mailbox = { help = "the domain's mailbox whose password is set, e.g. info@example.it" },
		new_password = { secret = true, optional = true,
			help = "its new password; without it one is generated and kept in the vault" },
	},
	changes_state = true,

	run = function(ctx)
		local postmaster, target = ctx.session, ctx.params.mailbox
		if not target:find("@", 1, true) then
			return pecctl.fail("usage", "--param mailbox wants an address, not '%s'", target)
		end
		-- log in to GestioneMail as postmaster@<domain>
		local ok, err = postmaster:login {}
		if not ok then return nil, err end

		local new, generated
		new, err, generated = rotation.new_password(ctx, ctx.params.new_password, nil, target)
		if not new then return nil, err end

		-- "Caselle del dominio" → the mailbox → its password form
		if ctx.check then
			local plan
			plan, err = postmaster:domain_password_set { address = target, new_password = new, dry_run = true }
			if not plan then return nil, err end
			plan.message = "check passed: the mailbox's password form is reachable and the password meets the rules; nothing submitted"
			return plan
		end
		local result
		result, err = rotation.rotate {
			key = target, provider = ctx.provider, new = new, current = nil,
			submit = function()
				return postmaster:domain_password_set { address = target, new_password = new }
			end,
		}
		if not result then return nil, err end
		result.message = result.message or ("password of " .. target .. " set")
		result.generated = generated or nil
		return result
	end,
}
