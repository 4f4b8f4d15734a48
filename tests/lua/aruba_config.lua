-- One Aruba operation, its outcome printed for tests/t/40-aruba-config.t:
--   pecctl script aruba_config.lua ADDRESS PASSWORD OPERATION [JSON_ARGS]
-- prints "ok <result as JSON>" or "error <code> <message>". Secret
-- arguments are given in JSON_ARGS as {"secret:name": "value"}.
local address, password, operation, json_args = arg[1], arg[2], arg[3], arg[4]
local args = {}
for k, v in pairs(json_args and pecctl.json.decode(json_args) or {}) do
	local secret_name = k:match("^secret:(.*)$")
	if secret_name then args[secret_name] = pecctl.secrets.new(v) else args[k] = v end
end
local acct = pecctl.account{ address = address, provider = "aruba", password = pecctl.secrets.new(password) }
local r, err = acct[operation](acct, args)
if r then
	print("ok " .. pecctl.json.encode(r))
else
	print("error " .. err.code .. " " .. err.message)
end
