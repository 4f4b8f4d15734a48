/*
 * pecctl.prompt: otp(label) for one-time codes (from --otp-command or the
 * TTY) and confirm(question). Without either, nil and a needs_human error,
 * so batches report the mailbox instead of hanging.
 */
#include <sodium.h>
#include "lua_api.h"
#include "prompt.h"

static int prompt_otp(lua_State *L)
{
	const char *label = luaL_optstring(L, 1, "code");
	struct pecctl_error err = { 0 };
	char code[128];

	if (prompt_code_for(label, code, sizeof(code), &err) != 0)
		return lua_push_error(L, &err);
	lua_pushstring(L, code);
	sodium_memzero(code, sizeof(code));
	return 1;
}

static int prompt_confirm_lua(lua_State *L)
{
	const char *question = luaL_checkstring(L, 1);
	struct pecctl_error err = { 0 };
	int yes = prompt_confirm(question, &err);

	if (yes < 0)
		return lua_push_error(L, &err);
	lua_pushboolean(L, yes);
	return 1;
}

static int prompt_has_tty_lua(lua_State *L)
{
	lua_pushboolean(L, prompt_has_tty());
	return 1;
}

/* pecctl.prompt.reveal(label, secret): the one way a script can show a
 * secret, and only on the terminal. */
static int prompt_reveal_lua(lua_State *L)
{
	const char *label = luaL_checkstring(L, 1);
	const char *secret = lua_string_or_secret(L, 2, NULL);
	struct pecctl_error err = { 0 };

	luaL_argcheck(L, secret != NULL, 2, "secret expected");
	if (prompt_reveal(label, secret, &err) != 0)
		return lua_push_error(L, &err);
	lua_pushboolean(L, 1);
	return 1;
}

static int prompt_status_lua(lua_State *L)
{
	prompt_status(luaL_optstring(L, 1, NULL));
	return 0;
}

int lua_open_prompt(lua_State *L)
{
	static const luaL_Reg functions[] = {
		{ "otp", prompt_otp },
		{ "confirm", prompt_confirm_lua },
		{ "has_tty", prompt_has_tty_lua },
		{ "status", prompt_status_lua },
		{ "reveal", prompt_reveal_lua },
		{ NULL, NULL },
	};

	luaL_newlib(L, functions);
	return 1;
}
