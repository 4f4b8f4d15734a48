-- Running one procedure on one account: checks the parameters against
-- what the script declares, resolves secrets, binds the account to its
-- provider, calls run(ctx) and reports the outcome. Used by `pecctl run`
-- (and by batch workers and the REPL's run()).
local runner = {}

local fail = pecctl.fail

local function convert(spec, name, value)
	if spec.type == "number" then
		local n = tonumber(value)
		if not n then return fail("usage", "--param %s wants a number, not '%s'", name, value) end
		return n
	elseif spec.type == "boolean" then
		if value == "true" or value == "yes" or value == "1" then return true end
		if value == "false" or value == "no" or value == "0" then return false end
		return fail("usage", "--param %s wants true or false, not '%s'", name, value)
	end
	return value
end

-- The parameters as the script will see them: declared, converted, secrets
-- resolved from their references.
function runner.params(proc, given)
	local declared = proc.params or {}
	for name in pairs(given) do
		if not declared[name] then
			return fail("usage", "%s has no parameter '%s'; 'pecctl procedures' lists its parameters",
				proc.name, name)
		end
	end
	local params = {}
	for name, spec in pairs(declared) do
		local value = given[name]
		if value == nil then
			if not spec.optional then
				return fail("usage", "%s needs --param %s=%s", proc.name, name,
					spec.secret and "REF (env:VAR, file:PATH, cmd:COMMAND or prompt:)" or "VALUE")
			end
		elseif spec.secret then
			local secret, err = pecctl.secrets.resolve(value, name)
			if not secret then return nil, err end
			params[name] = secret
		else
			local converted, err = convert(spec, name, value)
			if converted == nil then return nil, err end
			params[name] = converted
		end
	end
	return params
end

-- The ctx a procedure runs with: its parameters checked and resolved, the
-- account bound to its provider and holding its password.
-- opts: account, provider, params (name -> text), secret (reference to the
-- account's password), check, json. Returns ctx | nil, err.
function runner.prepare(proc, opts)
	local params, err = runner.params(proc, opts.params or {})
	if not params then return nil, err end
	local account
	account, err = pecctl.account { address = opts.account, provider = opts.provider }
	if not account then return nil, err end
	for _, op in ipairs(proc.operations or {}) do
		if not account:supports(op) then
			return fail("unsupported", "%s cannot run on %s: provider %s has no operation '%s'",
				proc.name, opts.account, account.provider, op)
		end
	end
	-- the vault is where passwords live; without one, ask the person
	local ref = opts.secret or pecctl.secrets.account_ref(opts.account)
	if not ref then
		return fail("usage", "no password for %s: keep it in the vault ('pecctl vault init', 'pecctl vault set %s') " ..
			"or give --secret REF (env:VAR, file:PATH, cmd:COMMAND or prompt:)", opts.account, opts.account)
	end
	local password
	password, err = pecctl.secrets.resolve(ref, "password of " .. opts.account)
	if not password then return nil, err end
	account.password = password
	return {
		account = opts.account,
		provider = account.provider,
		params = params,
		session = account,
		check = opts.check or false,
		json = opts.json or false,
		log = pecctl.log,
		prompt = pecctl.prompt,
	}
end

-- opts as for runner.prepare. Returns result | nil, err.
function runner.run(proc, opts)
	local ctx, err = runner.prepare(proc, opts)
	if not ctx then return nil, err end
	return proc.run(ctx)
end

-- The result's other fields as indented "key: value" lines, nested tables
-- (what --check would submit, say) one level deeper each; secrets print ***.
local function describe(value, indent, lines)
	local keys = {}
	for k in pairs(value) do
		if k ~= "message" or indent > 1 then keys[#keys + 1] = k end
	end
	table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
	for _, k in ipairs(keys) do
		local v = value[k]
		local pad = string.rep("  ", indent)
		if type(v) == "table" and indent < 4 then
			lines[#lines + 1] = string.format("%s%s:", pad, tostring(k))
			describe(v, indent + 1, lines)
		else
			lines[#lines + 1] = string.format("%s%s: %s", pad, tostring(k), tostring(v))
		end
	end
	return lines
end

-- Prints the outcome: a short human text on stdout (errors on stderr), or
-- one JSON object on stdout with --json. Secrets print as ***.
function runner.report(proc, opts, result, err)
	if opts.json then
		local out = { procedure = proc.name, account = opts.account, status = result and "ok" or "failed" }
		if result then out.result = result else out.error = { code = err.code, message = err.message, field = err.field } end
		io.write(pecctl.json.encode(out), "\n")
		return
	end
	if result and result.output then
		-- data procedures (access-history) print their data as it is
		io.write(result.output)
	elseif result then
		io.write(opts.account, ": ", result.message or (proc.name .. " done"), "\n")
		for _, line in ipairs(describe(result, 1, {})) do io.write(line, "\n") end
	else
		io.stderr:write(string.format("pecctl run %s: %s: %s\n", proc.name, opts.account, err.message or tostring(err)))
	end
end

return runner
