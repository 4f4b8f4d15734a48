-- app-password: "Password programmi di posta" (guides index 3.1): a password
-- for mail programs (IMAP/SMTP only), available with two-step verification on.
return {
	name = "app-password",
	summary = "create, regenerate or extend the password for mail programs",
	operations = { "app_password_create" },
	params = {
		action = { optional = true, help = "create (default), regenerate or extend" },
		show = { type = "boolean", optional = true,
			help = "also show the new password once on the terminal (never on stdout)" },
	},
	changes_state = true,

	run = function(ctx)
		local action = ctx.params.action or "create"
		local operation = ({ create = "app_password_create", regenerate = "app_password_regenerate",
			extend = "app_password_extend" })[action]
		if not operation then
			return pecctl.fail("usage", "--param action is create, regenerate or extend, not '%s'", action)
		end
		local vault = pecctl.vault and pecctl.vault.available() and pecctl.vault
		local key = ctx.account .. "#app"
		-- a generated password must land somewhere before anything else happens
		if action ~= "extend" and not vault and not ctx.params.show then
			return pecctl.fail("usage",
				"nowhere to keep the new app password: set up the vault ('pecctl vault init') or add --param show=true")
		end
		-- the portal shows the password once: the vault must open before we ask for it
		if action ~= "extend" and vault and not ctx.check then
			local ok, uerr = vault.unlock()
			if not ok then return nil, uerr end
		end
		if action ~= "extend" and ctx.params.show and not pecctl.prompt.has_tty() then
			return pecctl.fail("needs_human", "--param show=true needs a terminal to show the password on")
		end
		local result, err = ctx.session:call(operation, { dry_run = ctx.check or nil })
		if not result then return nil, err end
		if ctx.check then
			result.message = "check passed: the page for mail-program passwords is reachable; nothing submitted"
			return result
		end
		local password = result.app_password
		result.app_password = nil
		if password then
			if vault then
				local op = key .. "@" .. os.time()
				local ok, verr = vault.stage(key, password, op)
				if ok then ok, verr = vault.promote(key, op) end
				if not ok then return nil, verr end
				result.stored_as = "vault:" .. key
			end
			if ctx.params.show then pecctl.prompt.reveal("password for mail programs", password) end
		end
		result.message = ({ create = "password for mail programs created",
			regenerate = "password for mail programs regenerated",
			extend = "password for mail programs extended" })[action] ..
			(result.valid_until and (", valid until " .. result.valid_until) or "")
		return result
	end,
}
