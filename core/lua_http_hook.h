#ifndef PECCTL_LUA_HTTP_HOOK_H
#define PECCTL_LUA_HTTP_HOOK_H

/* How a batch worker reaches the sessions its lua_State opens: a light
 * userdata under this registry key points at a struct lua_http_hook.
 * Every new session then uses the shared libcurl handle (DNS cache, TLS
 * sessions, connections), and is announced to the worker (which watches
 * for 429s). Without the key, sessions are on their own, as in `run`. */
#define LUA_HTTP_HOOK_KEY "pecctl.http.hook"

struct http_session;

struct lua_http_hook {
	void *share;  /* a CURLSH*, or NULL */
	void (*opened)(void *userdata, struct http_session *s);
	void *userdata;
};

#endif
