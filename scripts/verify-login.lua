-- verify-login: check that a mailbox's password still opens it, changing nothing.
return {
	name = "verify-login",
	summary = "check that the mailbox's password works (changes nothing)",
	operations = { "login" },
	params = {
		host = { help = "which portal to try (provider-specific, e.g. webmail); default the main one", optional = true },
	},
	changes_state = false,

	run = function(ctx)
		-- The guide's first step everywhere: open the portal and log in.
		local result, err = ctx.session:login { host = ctx.params.host }
		if not result then return nil, err end
		local answer = { message = "login ok", provider = ctx.provider }
		if result.twofa ~= nil then answer.two_step = result.twofa end
		return answer
	end,
}
