-- Italian identifiers checked before anything reaches a portal: the
-- codice fiscale's check character and the partita IVA's check digit.
local ids = {}

-- Values of a character in an odd (1st, 3rd, ...) position of a codice
-- fiscale; digits count as the letter of the same rank (0 = A ...).
local odd_values = {
	A = 1, B = 0, C = 5, D = 7, E = 9, F = 13, G = 15, H = 17, I = 19, J = 21, K = 2, L = 4, M = 18,
	N = 20, O = 11, P = 3, Q = 6, R = 8, S = 12, T = 14, U = 16, V = 10, W = 22, X = 25, Y = 24, Z = 23,
}

local function rank(c)
	if c:match("%d") then return tonumber(c) end
	return c:byte() - ("A"):byte()
end

-- true, or false and the reason (in English, lower case).
function ids.codice_fiscale(cf)
	if type(cf) ~= "string" then return false, "codice fiscale missing" end
	cf = cf:upper()
	if #cf ~= 16 then return false, "a codice fiscale has 16 characters" end
	if not cf:match("^%w+$") then return false, "a codice fiscale has only letters and digits" end
	local sum = 0
	for i = 1, 15 do
		local c = cf:sub(i, i)
		if i % 2 == 1 then
			sum = sum + odd_values[c:match("%d") and string.char(("A"):byte() + tonumber(c)) or c]
		else
			sum = sum + rank(c)
		end
	end
	local expected = string.char(("A"):byte() + sum % 26)
	if cf:sub(16, 16) ~= expected then
		return false, "the check character of codice fiscale " .. cf .. " is wrong"
	end
	return true
end

function ids.partita_iva(piva)
	if type(piva) ~= "string" or not piva:match("^%d%d%d%d%d%d%d%d%d%d%d$") then
		return false, "a partita IVA has 11 digits"
	end
	local sum = 0
	for i = 1, 10 do
		local d = tonumber(piva:sub(i, i))
		if i % 2 == 0 then
			d = d * 2
			if d > 9 then d = d - 9 end
		end
		sum = sum + d
	end
	if (10 - sum % 10) % 10 ~= tonumber(piva:sub(11, 11)) then
		return false, "the check digit of partita IVA " .. piva .. " is wrong"
	end
	return true
end

function ids.cap(cap)
	if type(cap) == "string" and cap:match("^%d%d%d%d%d$") then return true end
	return false, "a CAP has 5 digits"
end

function ids.provincia(p)
	if type(p) == "string" and p:match("^%a%a$") then return true end
	return false, "a provincia is 2 letters, as in MI"
end

function ids.mobile(m)
	if type(m) == "string" and m:match("^%+%d%d?%d?%d%d%d%d%d%d+$") and #m <= 16 then return true end
	return false, "a mobile number is written with its country code, as in +393331234567"
end

function ids.email(e)
	if type(e) == "string" and e:match("^[^@%s]+@[^@%s]+%.%a+$") then return true end
	return false, "not an email address: " .. tostring(e)
end

return ids
