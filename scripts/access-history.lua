-- access-history: "Storico accessi": every login on the mailbox, all pages,
-- out as CSV (default) or JSON.
return {
	name = "access-history",
	summary = "list the mailbox's recorded logins (all pages) as CSV or JSON",
	operations = { "access_history" },
	params = {
		format = { optional = true, help = "csv (default) or json" },
		max_pages = { type = "number", optional = true, help = "stop after this many pages" },
	},
	changes_state = false,

	run = function(ctx)
		local format = ctx.params.format or (ctx.json and "json" or "csv")
		if format ~= "csv" and format ~= "json" then
			return pecctl.fail("usage", "--param format is csv or json, not '%s'", format)
		end
		local result, err = ctx.session:access_history { max_pages = ctx.params.max_pages }
		if not result then return nil, err end
		local entries = result.entries or {}
		if ctx.json then
			return { message = #entries .. " logins", entries = entries }
		end
		if format == "json" then
			return { output = pecctl.json.encode(entries) .. "\n" }
		end
		local function cell(v)
			v = tostring(v or "")
			if v:find('[,"\n]') then v = '"' .. v:gsub('"', '""') .. '"' end
			return v
		end
		local lines = { "time,ip,service,outcome" }
		for _, e in ipairs(entries) do
			lines[#lines + 1] = table.concat({ cell(e.time), cell(e.ip), cell(e.service), cell(e.outcome) }, ",")
		end
		return { output = table.concat(lines, "\n") .. "\n" }
	end,
}
