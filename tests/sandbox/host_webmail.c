/* webmail.pec.it: Webmail PEC Smart, a JavaScript application over JSON.
 * Its settings carry the one-time link into Gestione account. */
#include "pecsim.h"

#include <stdio.h>
#include <string.h>

#define SERVICE "Webmail PEC"
#define VERIFY_PREFIX "/smart/api/login/verifica/"

static void shell(struct sim_response *rs)
{
	page_begin(rs, "Webmail PEC", "Webmail PEC Smart");
	page_menu(rs, NULL, 0);
	html(rs, "<div id=\"app\" data-api=\"/smart/api\">Caricamento in corso...</div>\n"
		 "<noscript>La Webmail PEC Smart richiede JavaScript.</noscript>\n"
		 "<script src=\"/smart/app.js\"></script>\n");
	page_end(rs);
}

static void reply(struct sim_response *rs, unsigned status, int ok, const char *key, const char *value)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "ok", ok);
	if (key)
		cJSON_AddStringToObject(o, key, value);
	resp_json(rs, status, o);
}

static void open_session(struct sim_request *rq, struct sim_response *rs, const char *address)
{
	struct session *s = session_create(HOST_WEBMAIL);
	session_login(s, address, 0);
	rq->session = s;
	session_attach_cookie(rs, s);
	reply(rs, 200, 1, NULL, NULL);
}

static void login(struct sim_request *rq, struct sim_response *rs)
{
	if (auth_rate_limited(rq, rs, 1))
		return;
	cJSON *mbox = mailbox_find(req_field(rq, "casella"));
	if (mbox && strcmp(json_str(mbox, "provider"), "infocert") == 0)
		mbox = NULL;
	switch (mbox ? auth_login(rq, mbox, req_field(rq, "password"), SERVICE) : LOGIN_BAD) {
	case LOGIN_OK:
		open_session(rq, rs, json_str(mbox, "address"));
		break;
	case LOGIN_BAD:
		reply(rs, 200, 0, "errore", "Credenziali non valide");
		break;
	case LOGIN_LOCKED:
		reply(rs, 200, 0, "errore", "Accesso temporaneamente bloccato per troppi tentativi errati");
		break;
	case LOGIN_NEEDS_PUSH: {
		const char *id = push_create(json_str(mbox, "address"), "Accesso a Webmail PEC", NULL, PUSH_FOR_LOGIN);
		char poll[128];
		snprintf(poll, sizeof(poll), VERIFY_PREFIX "%s", id);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddBoolToObject(o, "ok", 0);
		cJSON_AddStringToObject(o, "verifica", "push");
		cJSON_AddStringToObject(o, "poll", poll);
		resp_json(rs, 200, o);
		break;
	}
	}
}

static void verify(struct sim_request *rq, struct sim_response *rs, const char *id)
{
	enum push_state st = push_state_of(id);
	if (strcmp(rq->method, "GET") == 0) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "stato", push_state_name(st));
		resp_json(rs, 200, o);
		return;
	}
	cJSON *mbox = mailbox_find(push_address(id));
	if (st == PUSH_PENDING) {
		reply(rs, 409, 0, "stato", push_state_name(st));
		return;
	}
	if (st != PUSH_APPROVED || !mbox || push_purpose_of(id) != PUSH_FOR_LOGIN) {
		if (mbox && st != PUSH_EXPIRED)
			auth_record(rq, mbox, SERVICE, "negato");
		reply(rs, 403, 0, "errore", "Operazione non autorizzata");
		return;
	}
	push_consume(id);
	auth_record(rq, mbox, SERVICE, "riuscito");
	open_session(rq, rs, json_str(mbox, "address"));
}

static void settings(struct sim_response *rs, const struct session *s)
{
	char link[256];
	snprintf(link, sizeof(link), "https://account.aruba.it/pec/sso?ticket=%s", sso_ticket_create(s->user));
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "casella", s->user);
	cJSON *account = cJSON_AddObjectToObject(o, "account");
	cJSON_AddStringToObject(account, "sicurezza_e_password", link);
	cJSON *webmail = cJSON_AddObjectToObject(o, "webmail");
	cJSON_AddStringToObject(webmail, "lingua", "it");
	cJSON_AddBoolToObject(webmail, "nascondi_ricevute", 0);
	resp_json(rs, 200, o);
}

static void folders(struct sim_response *rs)
{
	static const struct { const char *id, *name; int unread, total; } list[] = {
		{ "INBOX", "In arrivo", 2, 3 }, { "Drafts", "Bozze", 0, 1 }, { "Sent", "Inviati", 0, 2 },
		{ "Spam", "Spam", 0, 0 }, { "Trash", "Cestino", 0, 0 },
	};
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < sizeof(list) / sizeof(list[0]); i++) {
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "id", list[i].id);
		cJSON_AddStringToObject(f, "nome", list[i].name);
		cJSON_AddNumberToObject(f, "non_letti", list[i].unread);
		cJSON_AddNumberToObject(f, "totale", list[i].total);
		cJSON_AddItemToArray(arr, f);
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "cartelle", arr);
	resp_json(rs, 200, o);
}

static void messages(struct sim_request *rq, struct sim_response *rs)
{
	const char *folder = req_query(rq, "cartella");
	long page = 1;
	if (parse_long(req_query(rq, "pagina"), &page) || page < 1)
		page = 1;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "cartella", folder ? folder : "INBOX");
	cJSON_AddNumberToObject(o, "pagina", (double)page);
	cJSON *arr = cJSON_AddArrayToObject(o, "messaggi");
	if ((!folder || strcmp(folder, "INBOX") == 0) && page == 1) {
		static const char *const subjects[] = { "ACCETTAZIONE: Pratica 1283880", "CONSEGNA: Pratica 1283880",
							"POSTA CERTIFICATA: Detrazioni IRPEF condominio" };
		for (int i = 0; i < 3; i++) {
			cJSON *m = cJSON_CreateObject();
			cJSON_AddNumberToObject(m, "id", i + 1);
			cJSON_AddStringToObject(m, "da", "posta-certificata@pec.aruba.it");
			cJSON_AddStringToObject(m, "oggetto", subjects[i]);
			cJSON_AddBoolToObject(m, "letto", i == 0);
			cJSON_AddItemToArray(arr, m);
		}
	}
	resp_json(rs, 200, o);
}

void webmail_handle(struct sim_request *rq, struct sim_response *rs)
{
	if (req_is(rq, "GET", "/") || req_is(rq, "GET", "/smart")) {
		resp_redirect(rs, "/smart/");
		return;
	}
	if (req_is(rq, "GET", "/smart/")) {
		shell(rs);
		return;
	}
	if (req_is(rq, "POST", "/smart/api/login")) {
		login(rq, rs);
		return;
	}
	if (str_starts(rq->path, VERIFY_PREFIX)) {
		verify(rq, rs, rq->path + strlen(VERIFY_PREFIX));
		return;
	}
	if (!str_starts(rq->path, "/smart/api/")) {
		page_not_found(rs, "Webmail PEC");
		return;
	}
	struct session *s = session_lookup(rq);
	if (!s || !s->user || !mailbox_find(s->user)) {
		reply(rs, 401, 0, "errore", "Sessione scaduta");
		return;
	}
	if (req_is(rq, "GET", "/smart/api/impostazioni"))
		settings(rs, s);
	else if (req_is(rq, "GET", "/smart/api/cartelle"))
		folders(rs);
	else if (req_is(rq, "GET", "/smart/api/messaggi"))
		messages(rq, rs);
	else if (req_is(rq, "POST", "/smart/api/logout")) {
		session_destroy(s);
		rq->session = NULL;
		reply(rs, 200, 1, NULL, NULL);
	} else
		reply(rs, 404, 0, "errore", "Risorsa non trovata");
}
