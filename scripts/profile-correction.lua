-- profile-correction: "Come correggere i dati di un profilo titolare
-- esistente": through the Aruba account (Gestisci profili titolare → the
-- pencil) or through the mailbox itself (Profilo titolare → Correggi i dati).
local ids = require "pecctl.ids"

local fields = { "tipo", "nome", "cognome", "ragione_sociale", "codice_fiscale", "partita_iva",
	"indirizzo", "cap", "citta", "provincia", "nazione" }

local function validate(changes)
	local checks = { codice_fiscale = ids.codice_fiscale, partita_iva = ids.partita_iva,
		cap = ids.cap, provincia = ids.provincia }
	for name, check in pairs(checks) do
		if changes[name] then
			local ok, why = check(changes[name])
			if not ok then
				local _, err = pecctl.fail("invalid", "%s", why)
				err.field = name
				return nil, err
			end
		end
	end
	if changes.tipo and changes.tipo ~= "persona_fisica" and changes.tipo ~= "persona_giuridica" then
		return pecctl.fail("invalid", "tipo is persona_fisica or persona_giuridica, not '%s'", changes.tipo)
	end
	return true
end

local params = {
	aruba_account = { optional = true, help = "correct through this Aruba account (e.g. 1234567@aruba.it)" },
	aruba_password = { secret = true, optional = true, help = "the Aruba account's password (with aruba_account)" },
	profile_id = { optional = true, help = "which holder profile, when the account has several" },
}
for _, f in ipairs(fields) do params[f] = { optional = true, help = "new " .. f:gsub("_", " ") } end

return {
	name = "profile-correction",
	summary = "correct the holder's profile data (not a change of holder)",
	operations = { "profile_update" },
	params = params,
	changes_state = true,

	run = function(ctx)
		local p = ctx.params
		local route = { aruba_account = p.aruba_account, aruba_password = p.aruba_password,
			profile_id = p.profile_id }
		if p.aruba_account and not p.aruba_password then
			return pecctl.fail("usage", "--param aruba_account needs --param aruba_password=REF too")
		end
		local changes = {}
		for _, f in ipairs(fields) do changes[f] = p[f] end
		if not next(changes) then
			return pecctl.fail("usage", "nothing to correct: give the fields to change, e.g. --param indirizzo='Via Roma 1'")
		end
		local ok, err = validate(changes)
		if not ok then return nil, err end

		-- "Correggi i dati": the portal's own form; only what differs is
		-- sent, and a different codice fiscale is refused by the portal as a
		-- change of holder (a procedure of its own)
		local args = { dry_run = ctx.check or nil }
		for k, v in pairs(route) do args[k] = v end
		local given = {}
		for _, f in ipairs(fields) do
			if changes[f] ~= nil then
				args[f] = changes[f]
				given[#given + 1] = f
			end
		end
		local result
		result, err = ctx.session:profile_update(args)
		if not result then return nil, err end
		if ctx.check then
			result.message = "check passed: would correct " .. table.concat(given, ", ") .. "; nothing submitted"
		elseif result.changed == false then
			result.message = "the profile already has these data; nothing to change"
		else
			result.message = "profile corrected: " .. table.concat(given, ", ")
		end
		return result
	end,
}
