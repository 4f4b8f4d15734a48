-- The Lua half of `pecctl repl` (core/cmd_repl.c reads the lines): the
-- helpers a person troubleshooting a portal calls (last, forms, cookies,
-- trace, run, help), the pretty-printer for results, and the candidates
-- for tab completion.
local repl = {}

local native      -- C functions: last, trace, step, procedure, redact
local weak_sessions = setmetatable({}, { __mode = "v" })

-- --- pretty-printing ---------------------------------------------------

local MAX_DEPTH = 4
local MAX_ITEMS = 100
local WIDTH = 78

local function quote(s)
	return '"' .. s:gsub('[%c"\\]', function(c)
		if c == "\n" then return "\\n" end
		if c == "\t" then return "\\t" end
		if c == '"' or c == "\\" then return "\\" .. c end
		return string.format("\\%03d", c:byte())
	end) .. '"'
end

local function is_identifier(k)
	return type(k) == "string" and k:match("^[%a_][%w_]*$") ~= nil
end

local function key_text(k)
	if is_identifier(k) then return k end
	if type(k) == "string" then return "[" .. quote(k) .. "]" end
	return "[" .. tostring(k) .. "]"
end

local type_order = { number = 1, string = 2, boolean = 3 }

local function sorted_keys(t)
	local n = #t
	local keys = {}
	for k in pairs(t) do
		if not (math.type(k) == "integer" and k >= 1 and k <= n) then keys[#keys + 1] = k end
	end
	table.sort(keys, function(a, b)
		local ta, tb = type(a), type(b)
		if ta ~= tb then return (type_order[ta] or 9) < (type_order[tb] or 9) end
		if ta == "number" or ta == "string" then return a < b end
		return tostring(a) < tostring(b)
	end)
	return n, keys
end

-- Values are shown with tostring where they have their own words for it:
-- userdata (a secret says ***), and tables with a __tostring.
local MAX_NESTED_STRING = 200

local function scalar(v, nested)
	local t = type(v)
	if t == "string" then
		-- a page body inside a response table would drown the rest
		if nested and #v > MAX_NESTED_STRING then
			return quote(v:sub(1, MAX_NESTED_STRING)) .. string.format("... (%d bytes)", #v)
		end
		return quote(v)
	end
	if t == "table" then
		local mt = getmetatable(v)
		if type(mt) == "table" and mt.__tostring then return tostring(v) end
		return nil
	end
	return tostring(v)
end

local function pretty(v, indent, seen, depth)
	local s = scalar(v, depth > 0)
	if s then return s end
	if seen[v] then return "<cycle>" end
	if depth >= MAX_DEPTH then return "{...}" end
	seen[v] = true
	local n, keys = sorted_keys(v)
	local parts, count = {}, 0
	for i = 1, n do
		count = count + 1
		if count > MAX_ITEMS then break end
		parts[#parts + 1] = pretty(v[i], indent .. "  ", seen, depth + 1)
	end
	for _, k in ipairs(keys) do
		count = count + 1
		if count > MAX_ITEMS then break end
		parts[#parts + 1] = key_text(k) .. " = " .. pretty(v[k], indent .. "  ", seen, depth + 1)
	end
	local total = n + #keys
	if total > MAX_ITEMS then parts[#parts + 1] = string.format("... (%d more)", total - MAX_ITEMS) end
	seen[v] = nil
	if #parts == 0 then return "{}" end
	local one = "{ " .. table.concat(parts, ", ") .. " }"
	if #one + #indent <= WIDTH and not one:find("\n") then return one end
	return "{\n" .. indent .. "  " .. table.concat(parts, ",\n" .. indent .. "  ") .. "\n" .. indent .. "}"
end

function repl.pretty(v)
	return pretty(v, "", {}, 0)
end

-- The results of an entry, as one text (C prints it, redacted).
function repl.show(...)
	local out = {}
	for i = 1, select("#", ...) do out[i] = repl.pretty((select(i, ...))) end
	return table.concat(out, "\t")
end

function repl.describe_error(e)
	if type(e) == "table" then
		if e.message then
			return string.format("error: %s (%s)", tostring(e.message), tostring(e.code))
		end
		return "error: " .. repl.pretty(e)
	end
	local text = tostring(e)
	if text:match("^[^\n]*interrupted") then return "interrupted" end
	-- the frames of the REPL itself tell the user nothing
	text = text:gsub("\n%s*%[C%]: in %?$", "")
	return text
end

-- --- completion -----------------------------------------------------------

local keywords = { "and", "break", "do", "else", "elseif", "end", "false", "for", "function",
	"goto", "if", "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until",
	"while" }

local account_fields = { "address", "provider", "session", "password", "call", "supports" }

local function add_table_keys(names, t, seen)
	seen = seen or {}
	if seen[t] then return end
	seen[t] = true
	for k in pairs(t) do
		if is_identifier(k) then names[k] = true end
	end
	local mt = getmetatable(t)
	if type(mt) == "table" and type(mt.__index) == "table" then add_table_keys(names, mt.__index, seen) end
end

-- Field and method names of a value, for "value." and "value:".
local function fields_of(v)
	local names = {}
	if type(v) == "table" then
		add_table_keys(names, v)
	elseif type(v) == "userdata" then
		local mt = getmetatable(v)
		if type(mt) == "table" then
			if type(mt.__index) == "table" then add_table_keys(names, mt.__index) end
			if mt.__name == "pecctl.account" then
				for _, f in ipairs(account_fields) do names[f] = true end
				local ok, p = pcall(pecctl.providers.find, v.provider)
				if ok and type(p) == "table" and type(p.operations) == "table" then
					for op in pairs(p.operations) do names[op] = true end
				end
			end
		end
	elseif type(v) == "string" then
		add_table_keys(names, string)
	end
	return names
end

-- Follow "a.b:c" from the globals without calling anything but __index.
local function resolve(path)
	local v = _G
	for name in path:gmatch("[^.:]+") do
		if not is_identifier(name) then return nil end
		local ok, nv = pcall(function() return v[name] end)
		if not ok or nv == nil then return nil end
		v = nv
	end
	return v
end

function repl.complete(text)
	local head, sep, partial = text:match("^(.-)([.:]?)([%w_]*)$")
	if not head then return {} end
	local names
	if sep == "" then
		names = fields_of(_G)
		for _, k in ipairs(keywords) do names[k] = true end
		head = ""
	else
		if head == "" or not head:match("^[%a_][%w_.:]*$") or head:find("[.:][.:]") then return {} end
		local v = resolve(head)
		if v == nil then return {} end
		names = fields_of(v)
	end
	local out = {}
	for name in pairs(names) do
		if name:sub(1, #partial) == partial and not name:match("^__") then
			out[#out + 1] = head .. sep .. name
		end
	end
	table.sort(out)
	return out
end

-- --- the helpers ----------------------------------------------------------

local function strip(s)
	return (s:gsub("%s+", " "):gsub("^ ", ""):gsub(" $", ""))
end

local function parse_last()
	local x = native.last()
	if not x then return nil, "no exchange yet: make a request first (session:get(url))" end
	if x.body and #x.body > 0 and (x.headers["content-type"] or ""):find("html") then
		local ok, doc = pcall(pecctl.html.parse, x.body, x.url)
		if ok and doc then return x, doc end
	end
	return x
end

-- The forms of a page: {id=, action=, method=, fields = {name = {type=, value=}}}.
local function page_forms(doc)
	local ok, list = pcall(doc.forms, doc)
	if not ok or type(list) ~= "table" then return {} end
	for _, f in ipairs(list) do
		local names = f.fields or {}
		local got, form = pcall(doc.form, doc, (f.id and f.id ~= "") and { id = f.id } or { action = f.action })
		local fields = got and form and select(2, pcall(form.fields, form))
		f.fields = type(fields) == "table" and fields or names
		f.field_names = names
	end
	return list
end

local function summary(x, doc)
	local lines = {}
	local function add(fmt, ...) lines[#lines + 1] = string.format(fmt, ...) end
	if x.error then
		add("%s %s failed: %s", x.method, x.url, x.error)
		return table.concat(lines, "\n")
	end
	add("%s %s -> %d (%.1f ms, %d bytes)", x.method, x.url, x.status, (x.time or 0) * 1000, #(x.body or ""))
	local names = {}
	for k in pairs(x.headers) do names[#names + 1] = k end
	table.sort(names)
	for _, k in ipairs(names) do
		for v in tostring(x.headers[k]):gmatch("[^\n]+") do
			if k == "set-cookie" then v = v:gsub("=[^;]*", "=***", 1) end
			add("  %s: %s", k, v)
		end
	end
	if doc then
		local title = doc:text("title")
		if title then add("title: %s", strip(title)) end
		local h1 = doc:text("h1")
		if h1 then add("heading: %s", strip(h1)) end
		for _, f in ipairs(page_forms(doc)) do
			local fields = {}
			for _, name in ipairs(f.field_names or {}) do fields[#fields + 1] = name end
			add("form%s: %s %s  fields: %s", f.id and f.id ~= "" and ("#" .. f.id) or "",
				f.method or "GET", f.action or "", table.concat(fields, ", "))
		end
		for _, sel in ipairs({ ".alert", ".field-error" }) do
			local ok, nodes = pcall(doc.select, doc, sel)
			if ok and type(nodes) == "table" then
				for _, n in ipairs(nodes) do
					local cls = n.attrs and n.attrs.class or sel
					local field = n.attrs and n.attrs["data-field"]
					add("%s%s: %s", cls, field and (" [" .. field .. "]") or "", strip(n.text or ""))
				end
			end
		end
	elseif x.body and #x.body > 0 then
		local text = x.body:sub(1, 300)
		add("body: %s%s", strip(text), #x.body > 300 and " ..." or "")
	end
	return table.concat(lines, "\n")
end

local last_meta = {
	__name = "pecctl.repl.last",
	__tostring = function(self) return summary(rawget(self, "_x"), rawget(self, "_doc")) end,
	__index = function(self, k) return rawget(self, "_x")[k] end,
}

-- last(): the last response of any session; prints as a summary, and
-- last().body, .headers, .status, .url, .doc give the details.
local function last()
	local x, doc = parse_last()
	if not x then return nil, doc end
	local view = setmetatable({ _x = x, _doc = doc }, last_meta)
	x.doc = doc
	return view
end

local function forms()
	local x, doc = parse_last()
	if not x then return nil, doc end
	if not doc then return nil, "the last response is not an HTML page" end
	return page_forms(doc)
end

local function cookies(s)
	s = s or rawget(_G, "session") or weak_sessions[1]
	if not s then return nil, "no session: give one, as in cookies(s)" end
	if getmetatable(s) and getmetatable(s).__name == "pecctl.account" then s = s.session end
	local list = s:cookies()
	local out = {}
	for _, c in ipairs(list) do
		out[#out + 1] = { name = c.name, value = c.value, domain = c.domain, path = c.path,
			secure = c.secure, http_only = c.http_only }
	end
	return out
end

local function trace(on)
	if on == nil then on = true end
	native.trace(on)
	return on and "tracing every exchange" or "tracing off"
end

local fail = pecctl.fail

-- run(name, params, opts): a procedure on the REPL's account (or on
-- opts.account with opts.secret), through pecctl.runner. opts.step pauses
-- before every exchange; opts.check is --check.
local function run(name, params, opts)
	if type(name) ~= "string" then error("run wants a procedure name, as in run(\"verify-login\")", 2) end
	params, opts = params or {}, opts or {}
	local runner = require "pecctl.runner"
	local proc, err = native.procedure(name)
	if not proc then return nil, err end
	-- secret values given directly stay secrets; the rest goes through the
	-- runner's checks and conversions, as text, as on the command line
	local given, secrets = {}, {}
	for k, v in pairs(params) do
		if pecctl.secrets.is_secret(v) then secrets[k] = v else given[k] = tostring(v) end
	end
	local declared = proc.params or {}
	local checked = setmetatable({ params = {} }, { __index = proc })
	for k, spec in pairs(declared) do checked.params[k] = secrets[k] and { optional = true } or spec end
	for k in pairs(secrets) do
		if not declared[k] then return fail("usage", "%s has no parameter '%s'", proc.name, k) end
	end
	local was = native.step(opts.step and true or false)
	local ok, result, rerr = pcall(function()
		if opts.account then
			return runner.run(proc, { account = opts.account, secret = opts.secret,
				provider = opts.provider, params = given, check = opts.check })
		end
		local values, perr = runner.params(checked, given)
		if not values then return nil, perr end
		for k, v in pairs(secrets) do values[k] = v end
		local acct = rawget(_G, "account")
		if not acct and #(proc.operations or {}) > 0 then
			return fail("usage", "%s needs an account: start 'pecctl repl --account ADDRESS' or give {account = ...}",
				proc.name)
		end
		for _, op in ipairs(proc.operations or {}) do
			if not acct:supports(op) then
				return fail("unsupported", "provider %s has no operation '%s'", acct.provider, op)
			end
		end
		return proc.run {
			account = acct and acct.address, provider = acct and acct.provider,
			params = values, session = acct or rawget(_G, "session"), check = opts.check or false,
			json = false, log = pecctl.log, prompt = pecctl.prompt,
		}
	end)
	native.step(was)
	if not ok then error(result, 0) end
	if result == nil then return nil, rerr end
	return result
end

local function help()
	io.write([[
helpers:
  last()            the last response: status, URL, headers, page summary
                    (last().body, .headers, .status, .url, .doc for details)
  forms()           the forms on the last page with their fields
  cookies([s])      cookies of a session (default: session)
  trace(true|false) print every exchange as it happens
  run(NAME, {param = value}, {step = true, check = true})
                    run a procedure; step pauses before each exchange
  account, session  the account (with --account) and its HTTP session
  pecctl            the whole API: pecctl.<Tab>
]])
end

-- setup(native, opts) -> true | nil, err: the globals, the account.
function repl.setup(n, opts)
	native = n
	-- every session made at the prompt is remembered (weakly) for cookies()
	local make_session = pecctl.session
	pecctl.session = function(...)
		local s, err = make_session(...)
		if s then table.insert(weak_sessions, 1, s) end
		return s, err
	end
	pecctl.http.session = pecctl.session
	_G.last, _G.forms, _G.cookies, _G.trace, _G.run, _G.help = last, forms, cookies, trace, run, help
	if opts.account then
		local acct, err = pecctl.account { address = opts.account, provider = opts.provider }
		if not acct then return nil, err end
		local ref = opts.secret or pecctl.secrets.account_ref(opts.account)
		if ref then
			local password
			password, err = pecctl.secrets.resolve(ref, "password of " .. opts.account)
			if not password then return nil, err end
			acct.password = password
		end
		_G.account = acct
		_G.session = acct.session
	else
		_G.session = pecctl.session()
	end
	if opts.interactive then
		local who = _G.account and string.format("; account = %s (%s)", _G.account.address, _G.account.provider) or ""
		io.write(string.format("pecctl repl%s. help() lists the helpers; Ctrl-D leaves.\n", who))
	end
	return true
end

return repl
