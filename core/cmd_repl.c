/* pecctl repl [--account ADDRESS] [--secret REF]: a Lua REPL on a live
 * session, for troubleshooting a portal. The C part reads lines (libedit:
 * history, completion), compiles and runs them the way lua.c does (an
 * expression is tried with "return " first; a chunk whose syntax error
 * ends at <eof> asks for more; SIGINT sets a hook), and watches every
 * exchange (last(), trace(), stepping). core/lua/repl.lua does the rest:
 * the helpers, pretty-printing, the completion candidates. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "exitcode.h"
#include "http.h"
#include "line_editor.h"
#include "lua_api.h"
#include "lua_runtime.h"
#include "options.h"
#include "procedure.h"
#include "redact.h"
#include "registry.h"
#include "sessions.h"
#include "signals.h"

#define REPL_MAX_CHUNK ((size_t)1 << 20)   /* one multi-line entry */
#define REPL_MAX_BODY ((size_t)16 << 20)   /* the last response kept for last() */
#define REPL_HISTORY_LINES 1000
#define REPL_PROMPT "pecctl> "
#define REPL_MORE ">> "

static lua_State *repl_L;            /* for the SIGINT hook and completion */
static void (*chained_handler)(int); /* signals.c's: sets its flag */
static int repl_tty;

/* What the watcher saw last, for last(); replaced at every exchange. */
static struct {
	char *method;
	char *url;
	long status;
	struct http_header *headers;
	size_t n_headers;
	char *body;
	size_t body_len;
	double time_s;
	char error[512];
	int has;
} last_x;
static int tracing, stepping;

/* --- watching exchanges --- */

static void last_clear(void)
{
	for (size_t i = 0; i < last_x.n_headers; i++) {
		free(last_x.headers[i].name);
		free(last_x.headers[i].value);
	}
	free(last_x.headers);
	free(last_x.method);
	free(last_x.url);
	free(last_x.body);
	memset(&last_x, 0, sizeof(last_x));
}

static char *dup_bytes(const char *p, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, p, n);
		d[n] = '\0';
	}
	return d;
}

/* Print text with registered secrets masked. */
static void print_redacted(FILE *f, const char *text)
{
	char *clean = redact_copy(text, strlen(text), NULL);

	fputs(clean, f);
	free(clean);
}

static void watch_observe(void *userdata, const struct http_exchange *x)
{
	const struct http_response *r = x->response;
	char line[2400];

	(void)userdata;
	last_clear();
	last_x.method = strdup(x->method);
	last_x.url = strdup(r && r->url ? r->url : x->url);
	if (r) {
		last_x.status = r->status;
		last_x.time_s = x->connect_s + x->tls_s + x->send_s + x->wait_s + x->receive_s;
		last_x.body_len = r->body_len < REPL_MAX_BODY ? r->body_len : REPL_MAX_BODY;
		last_x.body = dup_bytes(r->body, last_x.body_len);
		last_x.headers = calloc(r->n_headers + 1, sizeof(*last_x.headers));
		for (size_t i = 0; last_x.headers && i < r->n_headers; i++) {
			last_x.headers[i].name = strdup(r->headers[i].name);
			last_x.headers[i].value = strdup(r->headers[i].value);
			last_x.n_headers = i + 1;
			if (!last_x.headers[i].name || !last_x.headers[i].value)
				break;
		}
	} else if (x->error) {
		snprintf(last_x.error, sizeof(last_x.error), "%s", x->error->message);
	}
	last_x.has = last_x.method && last_x.url;
	if (!tracing)
		return;
	if (r)
		snprintf(line, sizeof(line), "-> %s %.2000s  %ld  %.1f ms  %zu bytes\n", x->method,
			 x->url, r->status, last_x.time_s * 1000.0, r->body_len);
	else
		snprintf(line, sizeof(line), "-> %s %.2000s  failed: %.300s\n", x->method, x->url,
			 x->error ? x->error->message : "no answer");
	print_redacted(stdout, line);
	fflush(stdout);
}

/* One line from the terminal (stdin), without libedit: the REPL is inside
 * a call. -1 on end of input or Ctrl-C. */
static int read_answer(char *buf, size_t cap)
{
	size_t n = 0;
	char c;

	for (;;) {
		ssize_t r = read(STDIN_FILENO, &c, 1);
		if (r < 0 && errno == EINTR)
			return -1;  /* Ctrl-C */
		if (r <= 0)
			return n ? 0 : -1;
		if (c == '\n')
			break;
		if (n + 1 < cap)
			buf[n++] = c;
	}
	buf[n] = '\0';
	return 0;
}

static int watch_gate(void *userdata, const char *method, const char *url,
		      struct pecctl_error *err)
{
	char line[2400], answer[64];

	(void)userdata;
	if (!stepping)
		return 0;
	snprintf(line, sizeof(line), "step: press Enter to send %s %.2000s; q to stop ", method,
		 url);
	print_redacted(stdout, line);
	fflush(stdout);
	if (read_answer(answer, sizeof(answer)) != 0 || answer[0] == 'q' || answer[0] == 'Q' ||
	    signals_interrupted()) {
		if (!repl_tty || signals_interrupted())
			fputc('\n', stdout);
		snprintf(line, sizeof(line), "stopped before %s %.300s (step mode)", method, url);
		memset(err, 0, sizeof(*err));
		pecctl_error_set(err, "interrupted", line);
		return -1;
	}
	return 0;
}

static int watch_interrupted(void *userdata)
{
	(void)userdata;
	return signals_interrupted();
}

/* --- functions given to repl.lua --- */

/* _last() -> {method, url, status, headers = {name = value}, body, time} | nil */
static int native_last(lua_State *L)
{
	if (!last_x.has) {
		lua_pushnil(L);
		return 1;
	}
	lua_createtable(L, 0, 8);
	lua_pushstring(L, last_x.method);
	lua_setfield(L, -2, "method");
	lua_pushstring(L, last_x.url);
	lua_setfield(L, -2, "url");
	if (last_x.error[0]) {
		lua_pushstring(L, last_x.error);
		lua_setfield(L, -2, "error");
	} else {
		lua_pushinteger(L, last_x.status);
		lua_setfield(L, -2, "status");
		lua_pushnumber(L, last_x.time_s);
		lua_setfield(L, -2, "time");
		lua_pushlstring(L, last_x.body ? last_x.body : "", last_x.body ? last_x.body_len : 0);
		lua_setfield(L, -2, "body");
	}
	lua_newtable(L);
	for (size_t i = 0; i < last_x.n_headers; i++) {
		char lname[128];
		size_t n = strlen(last_x.headers[i].name);

		if (n >= sizeof(lname))
			continue;
		for (size_t j = 0; j <= n; j++) {
			char c = last_x.headers[i].name[j];
			lname[j] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
		}
		if (lua_getfield(L, -1, lname) == LUA_TSTRING)
			lua_pushfstring(L, "%s\n%s", lua_tostring(L, -1), last_x.headers[i].value);
		else
			lua_pushstring(L, last_x.headers[i].value);
		lua_setfield(L, -3, lname);
		lua_pop(L, 1);
	}
	lua_setfield(L, -2, "headers");
	return 1;
}

/* _trace(on), _step(on): return the previous setting */
static int native_trace(lua_State *L)
{
	int was = tracing;

	tracing = lua_toboolean(L, 1);
	lua_pushboolean(L, was);
	return 1;
}

static int native_step(lua_State *L)
{
	int was = stepping;

	stepping = lua_toboolean(L, 1);
	lua_pushboolean(L, was);
	return 1;
}

/* _procedure(name) -> the procedure's table | nil, err */
static int native_procedure(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	struct pecctl_error err = { 0 };
	char path[4200];

	if (procedure_find(name, path, sizeof(path), &err) != 0 ||
	    procedure_load(L, path, &err) != 0)
		return lua_push_error(L, &err);
	return 1;
}

/* _redact(text) -> text with every registered secret masked */
static int native_redact(lua_State *L)
{
	size_t len, out_len;
	const char *text = luaL_checklstring(L, 1, &len);
	char *clean = redact_copy(text, len, &out_len);

	lua_pushlstring(L, clean, out_len);
	free(clean);
	return 1;
}

static const luaL_Reg native_functions[] = {
	{ "last", native_last },
	{ "trace", native_trace },
	{ "step", native_step },
	{ "procedure", native_procedure },
	{ "redact", native_redact },
	{ NULL, NULL },
};

/* --- Ctrl-C --- */

static void stop_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	lua_sethook(L, NULL, 0, 0);
	luaL_error(L, "interrupted");
}

/* As lua.c: the handler only sets a hook (async-signal-safe) and the flag
 * the sleeps and libcurl's progress callback poll. */
static void on_sigint(int sig)
{
	if (chained_handler)
		chained_handler(sig);
	if (repl_L)
		lua_sethook(repl_L, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

static void set_sigint(void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);  /* no SA_RESTART: a blocked read returns */
}

/* --- the Lua side --- */

/* Call repl.<fn>(args...) protected; results left on the stack. */
static int call_repl(lua_State *L, const char *fn, int nargs, int nresults)
{
	lua_getfield(L, LUA_REGISTRYINDEX, "pecctl.repl");
	lua_getfield(L, -1, fn);
	lua_remove(L, -2);
	lua_insert(L, -1 - nargs);
	return runtime_pcall(L, nargs, nresults);
}

static void report(lua_State *L, int status)
{
	if (status == LUA_OK)
		return;
	/* repl.describe_error turns tables and tracebacks into one message */
	if (call_repl(L, "describe_error", 1, 1) != LUA_OK || !lua_isstring(L, -1)) {
		fputs("error (and the error message could not be shown)\n", stderr);
	} else {
		print_redacted(stderr, lua_tostring(L, -1));
		fputc('\n', stderr);
	}
	lua_pop(L, 1);
}

/* Show the values on the stack above base through repl.show. */
static void show_results(lua_State *L, int base)
{
	int n = lua_gettop(L) - base;

	if (n <= 0)
		return;
	if (call_repl(L, "show", n, 1) != LUA_OK) {
		report(L, LUA_ERRRUN);
		return;
	}
	if (lua_isstring(L, -1) && lua_rawlen(L, -1) > 0) {
		print_redacted(stdout, lua_tostring(L, -1));
		fputc('\n', stdout);
	}
	lua_pop(L, 1);
}

/* Compile the entry: as an expression first, then as statements. Returns
 * LUA_OK with the function pushed, -1 when the chunk is incomplete, or a
 * syntax error status with the message pushed. */
static int compile_entry(lua_State *L, const char *chunk, size_t len)
{
	static const char eof_mark[] = "<eof>";
	size_t rlen = len + 8, mlen;
	char *ret = malloc(rlen);
	const char *msg;
	int status;

	if (ret) {
		snprintf(ret, rlen, "return %s", chunk);
		status = luaL_loadbuffer(L, ret, strlen(ret), "=stdin");
		free(ret);
		if (status == LUA_OK)
			return LUA_OK;
		lua_pop(L, 1);
	}
	status = luaL_loadbuffer(L, chunk, len, "=stdin");
	if (status != LUA_ERRSYNTAX)
		return status;
	msg = lua_tolstring(L, -1, &mlen);
	if (mlen >= sizeof(eof_mark) - 1 &&
	    strcmp(msg + mlen - (sizeof(eof_mark) - 1), eof_mark) == 0) {
		lua_pop(L, 1);
		return -1;
	}
	return status;
}

static void evaluate(lua_State *L, int base)
{
	int status;

	signals_clear();
	set_sigint(on_sigint);
	status = runtime_pcall(L, 0, LUA_MULTRET);
	lua_sethook(L, NULL, 0, 0);
	set_sigint(chained_handler ? chained_handler : SIG_DFL);
	signals_clear();
	if (status != LUA_OK) {
		report(L, status);
		lua_settop(L, base);
		return;
	}
	show_results(L, base);
	lua_settop(L, base);
}

/* --- completion --- */

static char **candidates;  /* from repl.complete, for the generator */
static size_t n_candidates, next_candidate;

static void candidates_free(void)
{
	for (size_t i = 0; i < n_candidates; i++)
		free(candidates[i]);
	free(candidates);
	candidates = NULL;
	n_candidates = next_candidate = 0;
}

static char *candidate_generator(const char *text, int state)
{
	(void)text;
	if (state == 0)
		next_candidate = 0;
	if (next_candidate < n_candidates)
		return strdup(candidates[next_candidate++]);
	return NULL;
}

static char **complete(const char *text, int start, int end)
{
	lua_State *L = repl_L;
	int top = lua_gettop(L);

	(void)start, (void)end;
	candidates_free();
	lua_pushstring(L, text);
	if (call_repl(L, "complete", 1, 1) == LUA_OK && lua_istable(L, -1)) {
		size_t n = lua_rawlen(L, -1);
		candidates = calloc(n + 1, sizeof(*candidates));
		for (size_t i = 0; candidates && i < n && i < 1000; i++) {
			lua_rawgeti(L, -1, (lua_Integer)i + 1);
			if (lua_isstring(L, -1) && (candidates[n_candidates] = strdup(lua_tostring(L, -1))))
				n_candidates++;
			lua_pop(L, 1);
		}
	}
	lua_settop(L, top);
	if (n_candidates == 0) {
		line_editor_no_matches();
		return NULL;
	}
	/* a table or a method call is rarely the end of the word */
	return line_editor_matches(text, candidate_generator, '\0');
}

/* --- history --- */

static int history_path(char *path, size_t cap)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char dir[4096];

	if (state && *state)
		snprintf(dir, sizeof(dir), "%s/pecctl", state);
	else if (home && *home)
		snprintf(dir, sizeof(dir), "%s/.local/state/pecctl", home);
	else
		return -1;
	/* mkdir -p, private */
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(dir, 0700);
		*p = '/';
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -1;
	if ((size_t)snprintf(path, cap, "%s/repl_history", dir) >= cap)
		return -1;
	return 0;
}

static void remember(const char *chunk)
{
	/* history holds what was typed, secrets masked */
	char *clean = redact_copy(chunk, strlen(chunk), NULL);

	if (*clean)
		line_editor_add_history(clean);
	free(clean);
}

/* --- the loop --- */

/* A line from a pipe, at most REPL_MAX_CHUNK bytes (the rest is dropped
 * with a word); NULL at the end of input. */
static char *read_piped_line(void)
{
	size_t len = 0, cap = 256;
	char *line = malloc(cap), *grown;
	int c, dropped = 0;

	if (!line)
		return NULL;
	while ((c = getchar()) != EOF && c != '\n') {
		if (len + 1 >= REPL_MAX_CHUNK) {
			dropped = 1;
			continue;
		}
		if (len + 1 >= cap) {
			grown = realloc(line, cap * 2);
			if (!grown)
				break;
			line = grown;
			cap *= 2;
		}
		line[len++] = (char)c;
	}
	if (c == EOF && len == 0) {
		free(line);
		return NULL;
	}
	line[len] = '\0';
	if (dropped)
		fprintf(stderr, "pecctl repl: a line longer than %zu bytes was cut\n", REPL_MAX_CHUNK);
	return line;
}

static int line_editing;  /* on a terminal, with libedit */

static char *read_line(const char *prompt)
{
	if (line_editing)
		return line_editor_read(prompt);
	if (repl_tty) {
		fputs(prompt, stdout);
		fflush(stdout);
	}
	return read_piped_line();
}

static void repl_loop(lua_State *L)
{
	char *chunk = NULL;
	size_t len = 0;
	int base = lua_gettop(L);

	for (;;) {
		char *line = read_line(len ? REPL_MORE : REPL_PROMPT);
		size_t add;
		char *grown;
		int status;

		if (!line) {
			if (repl_tty && signals_interrupted()) {
				/* Ctrl-C at the prompt: drop the entry, ask again */
				signals_clear();
				fputc('\n', stdout);
				free(chunk);
				chunk = NULL;
				len = 0;
				continue;
			}
			break;  /* Ctrl-D */
		}
		add = strlen(line);
		if (len + add + 2 > REPL_MAX_CHUNK) {
			fprintf(stderr, "pecctl repl: the entry is longer than %zu bytes; it was dropped\n",
				REPL_MAX_CHUNK);
			free(line);
			free(chunk);
			chunk = NULL;
			len = 0;
			continue;
		}
		grown = realloc(chunk, len + add + 2);
		if (!grown) {
			free(line);
			break;
		}
		chunk = grown;
		if (len)
			chunk[len++] = '\n';
		memcpy(chunk + len, line, add + 1);
		len += add;
		free(line);
		if (len == 0 || strspn(chunk, " \t") == len) {
			len = 0;
			continue;
		}
		status = compile_entry(L, chunk, len);
		if (status == -1)
			continue;  /* incomplete: read more with the continuation prompt */
		if (status != LUA_OK)
			report(L, status);
		else
			evaluate(L, base);
		/* after the run, so a secret it made is masked in the history too */
		if (repl_tty)
			remember(chunk);
		lua_settop(L, base);
		fflush(stdout);
		len = 0;
	}
	free(chunk);
	if (repl_tty)
		fputc('\n', stdout);
}

struct repl_args {
	const char *account;
	const char *secret;
};

static int parse_args(int argc, char **argv, struct repl_args *a)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--account") == 0 || strcmp(argv[i], "--secret") == 0) {
			if (i + 1 >= argc)
				return cli_usage_error(&command_repl, "%s needs a value", argv[i]);
			if (strcmp(argv[i], "--account") == 0)
				a->account = argv[++i];
			else
				a->secret = argv[++i];
		} else {
			return cli_usage_error(&command_repl, "unexpected argument '%s'", argv[i]);
		}
	}
	if (a->secret && !a->account)
		return cli_usage_error(&command_repl, "--secret goes with --account ADDRESS");
	return 0;
}

/* require "pecctl.repl", keep it in the registry, run its setup. */
static int start_lua(lua_State *L, const struct repl_args *a)
{
	struct pecctl_error err = { 0 };
	int status;

	lua_getglobal(L, "require");
	lua_pushliteral(L, "pecctl.repl");
	status = runtime_pcall(L, 1, 1);
	if (status != LUA_OK) {
		runtime_report_error(L, -1, "repl");
		return EXIT_SOFTWARE;
	}
	lua_setfield(L, LUA_REGISTRYINDEX, "pecctl.repl");
	luaL_newlib(L, native_functions);
	lua_createtable(L, 0, 5);
	if (a->account) {
		lua_pushstring(L, a->account);
		lua_setfield(L, -2, "account");
	}
	if (a->secret) {
		lua_pushstring(L, a->secret);
		lua_setfield(L, -2, "secret");
	}
	if (pecctl_opts.provider) {
		lua_pushstring(L, pecctl_opts.provider);
		lua_setfield(L, -2, "provider");
	}
	lua_pushboolean(L, repl_tty);
	lua_setfield(L, -2, "interactive");
	signals_clear();
	set_sigint(on_sigint);
	status = call_repl(L, "setup", 2, 2);
	set_sigint(chained_handler ? chained_handler : SIG_DFL);
	lua_sethook(L, NULL, 0, 0);
	if (status != LUA_OK) {
		report(L, status);
		return EXIT_SOFTWARE;
	}
	if (lua_isnil(L, -2)) {
		lua_to_error(L, -1, &err);
		print_redacted(stderr, "pecctl repl: ");
		print_redacted(stderr, err.message);
		fputc('\n', stderr);
		return signals_interrupted() ? EXIT_INTERRUPTED : exitcode_for_error(err.code);
	}
	lua_pop(L, 2);
	return 0;
}

static int run_repl(int argc, char **argv)
{
	struct repl_args a = { 0 };
	struct sessions_watcher w = { watch_observe, watch_gate, watch_interrupted, NULL };
	struct sigaction old;
	char hist[4200];
	int have_hist, code;
	lua_State *L;

	if (cli_help_requested(&command_repl, argc, argv))
		return cli_finish_stdout(0);
	code = parse_args(argc, argv, &a);
	if (code)
		return code;
	repl_tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	plugins_load_path(pecctl_opts.plugin_path);
	/* signals.c's handler sets the flag long waits poll; ours chains to it */
	signals_install();
	if (sigaction(SIGINT, NULL, &old) == 0 && !(old.sa_flags & SA_SIGINFO) &&
	    old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN)
		chained_handler = old.sa_handler;
	sessions_watch(&w);
	L = runtime_new();
	if (!L)
		return EXIT_SOFTWARE;
	repl_L = L;
	code = start_lua(L, &a);
	if (code) {
		repl_L = NULL;
		runtime_close(L);
		sessions_watch(NULL);
		last_clear();
		return cli_finish_stdout(code);
	}
	line_editing = repl_tty && line_editor_open() == 0;
	if (repl_tty && !line_editing)
		fprintf(stderr, "pecctl repl: libedit cannot be loaded: no history or completion "
			"(install it: apt-get install libedit2)\n");
	have_hist = line_editing && history_path(hist, sizeof(hist)) == 0;
	if (line_editing) {
		/* '.' and ':' stay inside a word: "pecctl.ses" completes as one */
		line_editor_setup("pecctl", complete, " \t\n\"\\'`@$><=;|&{(,+-*/%^~#[]",
				  REPL_HISTORY_LINES);
		if (have_hist)
			line_editor_read_history(hist);
	}
	repl_loop(L);
	if (have_hist) {
		line_editor_write_history(hist);
		chmod(hist, 0600);
	}
	if (line_editing)
		line_editor_clear_history();
	candidates_free();
	repl_L = NULL;
	runtime_close(L);
	sessions_watch(NULL);
	last_clear();
	return cli_finish_stdout(0);
}

const struct command command_repl = {
	"repl",
	"a Lua prompt on a live session, to troubleshoot a portal",
	"usage: pecctl repl [--account ADDRESS] [--secret REF]\n"
	"\n"
	"A Lua prompt with the whole pecctl API. With --account, `account` is the\n"
	"mailbox bound to its provider (every provider operation is a method, as\n"
	"in account:login{}) and `session` its HTTP session; the password comes from\n"
	"--secret REF (env:VAR, file:PATH, cmd:COMMAND, prompt:) or is asked for.\n"
	"Without it, `session` is a plain pecctl.session().\n"
	"\n"
	"  last()        the last response of any session: status, URL, headers\n"
	"                and a summary of the page (title, forms, alerts)\n"
	"  forms()       the forms on the last page, with their fields\n"
	"  cookies([s])  the cookies a session holds (default: `session`)\n"
	"  trace(true)   print every exchange as it happens; trace(false) stops\n"
	"  run(NAME, {param = value}, {step = true})\n"
	"                run a procedure on the account; step = true pauses before\n"
	"                every exchange (Enter sends it, q stops)\n"
	"  help()        this list\n"
	"\n"
	"An expression is printed without `return`; tables are pretty-printed and\n"
	"secrets always show as ***. An unfinished entry continues on a `>>` line.\n"
	"Tab completes the API, globals and fields after `obj.` and `obj:`.\n"
	"Ctrl-C stops the running call; Ctrl-D leaves. History is kept in\n"
	"$XDG_STATE_HOME/pecctl/repl_history (secrets masked).\n"
	"Global options such as --sandbox, --cacert, --har and --replay apply.\n",
	run_repl,
};
