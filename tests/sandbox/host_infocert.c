/* webmail.infocert.it: InfoCert Legalmail, a JavaScript webmail over the
 * JSON API /legalmail/api/v1 with bearer tokens. Errors are
 * {"error": code, "message": Italian text}. */
#include "pecsim.h"

#include <stdio.h>
#include <string.h>

#define API "/legalmail/api/v1"
#define SERVICE "Legalmail"
#define ACCESS_LOG_PAGE 20

static void shell(struct sim_response *rs)
{
	page_begin(rs, "Legalmail", "Legalmail Webmail");
	page_menu(rs, NULL, 0);
	html(rs, "<div id=\"legalmail-app\" data-api=\"" API "\">Caricamento in corso...</div>\n"
		 "<script src=\"/legalmail/app.js\"></script>\n");
	page_end(rs);
}

static void no_content(struct sim_response *rs)
{
	rs->status = 204;
	rs->content_type = "application/json";
	rs->body.len = 0;
}

static void issue_token(struct sim_request *rq, struct sim_response *rs, const char *address)
{
	struct session *s = session_create(HOST_INFOCERT);
	session_login(s, address, 0);
	rq->session = s;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "token", s->id);
	cJSON_AddStringToObject(o, "token_type", "Bearer");
	cJSON_AddNumberToObject(o, "expires_in", (double)setting_long("legalmail_idle_expiry_seconds", 1800));
	resp_json(rs, 200, o);
}

/* The configured MFA methods; a mailbox that names none uses the push. */
static cJSON *mfa_methods(const cJSON *mbox)
{
	const cJSON *methods = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(mbox, "mfa"), "methods");
	cJSON *list = cJSON_CreateArray();
	const cJSON *m;
	cJSON_ArrayForEach(m, methods)
		if (cJSON_IsString(m) && (strcmp(m->valuestring, "push") == 0 || strcmp(m->valuestring, "otp") == 0))
			cJSON_AddItemToArray(list, cJSON_CreateString(m->valuestring));
	if (!cJSON_GetArraySize(list))
		cJSON_AddItemToArray(list, cJSON_CreateString("push"));
	return list;
}

static int has_method(const cJSON *mbox, const char *method)
{
	cJSON *list = mfa_methods(mbox);
	const cJSON *m;
	int found = 0;
	cJSON_ArrayForEach(m, list)
		found |= strcmp(m->valuestring, method) == 0;
	cJSON_Delete(list);
	return found;
}

/* A challenge: a push to MyInfoCert and/or an OTP by SMS, as configured. */
static const char *challenge_create(cJSON *mbox, const char *title, enum push_purpose purpose)
{
	const char *code = NULL;
	if (has_method(mbox, "otp"))
		code = code_send(json_str(cJSON_GetObjectItemCaseSensitive(mbox, "recovery"), "mobile"), "sms",
				 purpose == PUSH_FOR_LOGIN ? "l'accesso a Legalmail"
							   : "la disattivazione dell'autenticazione forte");
	return push_create(json_str(mbox, "address"), has_method(mbox, "push") ? title : NULL, code, purpose);
}

static void login(struct sim_request *rq, struct sim_response *rs)
{
	if (auth_rate_limited(rq, rs, 1))
		return;
	cJSON *mbox = mailbox_find_login(req_field(rq, "username"));
	if (mbox && strcmp(json_str(mbox, "provider"), "infocert") != 0)
		mbox = NULL;
	switch (mbox ? auth_login(rq, mbox, req_field(rq, "password"), SERVICE) : LOGIN_BAD) {
	case LOGIN_OK:
		issue_token(rq, rs, json_str(mbox, "address"));
		break;
	case LOGIN_BAD:
		resp_json_error(rs, 401, "invalid_credentials", "Credenziali non valide");
		break;
	case LOGIN_LOCKED:
		resp_json_error(rs, 403, "account_locked", "Accesso temporaneamente bloccato per troppi tentativi errati");
		break;
	case LOGIN_NEEDS_PUSH: {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddBoolToObject(o, "mfa_required", 1);
		cJSON_AddStringToObject(o, "challenge", challenge_create(mbox, "Accesso a Legalmail", PUSH_FOR_LOGIN));
		cJSON_AddItemToObject(o, "methods", mfa_methods(mbox));
		resp_json(rs, 200, o);
		break;
	}
	}
}

static const char *status_name(enum push_state st)
{
	static const char *const names[] = { "pending", "approved", "denied", "expired" };
	return names[st];
}

/* POST /auth/mfa/<id>: an OTP, or nothing after a push approval. */
static void mfa_complete(struct sim_request *rq, struct sim_response *rs, const char *id)
{
	cJSON *mbox = mailbox_find(push_address(id));
	enum push_purpose purpose = push_purpose_of(id);
	if (!mbox) {
		resp_json_error(rs, 400, "unknown_challenge", "Verifica non trovata o scaduta");
		return;
	}
	if (purpose == PUSH_FOR_DISABLE) {
		struct session *s = session_lookup(rq);
		if (!s || !str_ieq(s->user, push_address(id))) {
			resp_json_error(rs, 401, "unauthorized", "Autenticazione richiesta");
			return;
		}
	}
	const char *otp = req_field(rq, "otp");
	if (otp && push_state_of(id) == PUSH_PENDING) {
		if (!push_code(id)) {
			resp_json_error(rs, 400, "otp_not_available", "Questa verifica non prevede un codice OTP");
			return;
		}
		switch (code_check(push_code(id), otp)) {
		case CODE_OK:
			push_decide(id, 1);
			break;
		case CODE_WRONG:
			resp_json_error(rs, 422, "invalid_otp", "Codice non valido");
			return;
		case CODE_EXPIRED:
			resp_json_error(rs, 409, "otp_expired", "Codice scaduto o tentativi esauriti");
			return;
		}
	}
	enum push_state st = push_state_of(id);
	if (st == PUSH_PENDING) {
		resp_json_error(rs, 409, "mfa_pending", "Autorizzazione non ancora concessa");
		return;
	}
	push_consume(id);
	if (st != PUSH_APPROVED) {
		if (purpose == PUSH_FOR_LOGIN)
			auth_record(rq, mbox, SERVICE, st == PUSH_DENIED ? "negato" : "scaduto");
		resp_json_error(rs, 403, st == PUSH_DENIED ? "mfa_denied" : "mfa_expired", "Operazione non autorizzata");
		return;
	}
	if (purpose == PUSH_FOR_LOGIN) {
		auth_record(rq, mbox, SERVICE, "riuscito");
		issue_token(rq, rs, json_str(mbox, "address"));
		return;
	}
	json_set_bool(json_child(mbox, "mfa"), "enabled", 0);
	json_set_bool(mbox, "twofa", 0);
	cJSON *o = cJSON_CreateObject();
	cJSON *mfa = cJSON_AddObjectToObject(o, "mfa");
	cJSON_AddBoolToObject(mfa, "enabled", 0);
	resp_json(rs, 200, o);
}

static void mfa(struct sim_request *rq, struct sim_response *rs, const char *id)
{
	if (strcmp(rq->method, "GET") == 0) {
		if (!push_address(id)) {
			resp_json_error(rs, 400, "unknown_challenge", "Verifica non trovata o scaduta");
			return;
		}
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "status", status_name(push_state_of(id)));
		resp_json(rs, 200, o);
	} else if (strcmp(rq->method, "POST") == 0) {
		mfa_complete(rq, rs, id);
	} else {
		resp_json_error(rs, 405, "method_not_allowed", "Metodo non consentito");
	}
}

static void account(struct sim_response *rs, const cJSON *mbox)
{
	const cJSON *rec = cJSON_GetObjectItemCaseSensitive(mbox, "recovery");
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "userid", json_str(mbox, "userid"));
	cJSON_AddStringToObject(o, "address", json_str(mbox, "address"));
	cJSON_AddStringToObject(o, "plan", json_str(mbox, "plan"));
	cJSON *m = cJSON_AddObjectToObject(o, "mfa");
	int on = auth_twofa_on(mbox);
	cJSON_AddBoolToObject(m, "enabled", on);
	cJSON_AddItemToObject(m, "methods", on ? mfa_methods(mbox) : cJSON_CreateArray());
	cJSON *r = cJSON_AddObjectToObject(o, "recovery");
	cJSON_AddStringToObject(r, "email", json_str(rec, "email"));
	cJSON_AddStringToObject(r, "mobile", json_str(rec, "mobile"));
	cJSON_AddStringToObject(r, "question", json_str(rec, "question"));
	resp_json(rs, 200, o);
}

static void change_password(struct sim_request *rq, struct sim_response *rs, struct session *s, cJSON *mbox)
{
	const char *current = req_field(rq, "current"), *fresh = req_field(rq, "new");
	if (!current || !fresh) {
		resp_json_error(rs, 400, "bad_request", "Indica la password attuale e quella nuova");
		return;
	}
	if (strcmp(current, json_str(mbox, "password")) != 0) {
		resp_json_error(rs, 403, "wrong_password", "La password attuale non è corretta");
		return;
	}
	cJSON *violations = cJSON_CreateArray();
	infocert_password_violations(mbox, fresh, violations);
	if (cJSON_GetArraySize(violations)) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "error", "password_policy");
		cJSON_AddStringToObject(o, "message", "La nuova password non rispetta i criteri di sicurezza");
		cJSON_AddItemToObject(o, "violations", violations);
		resp_json(rs, 422, o);
		return;
	}
	cJSON_Delete(violations);
	mailbox_set_password(mbox, fresh, s);
	no_content(rs);
}

static void validation_error(struct sim_response *rs, const struct form_errors *fe)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "error", "validation");
	cJSON_AddStringToObject(o, "message", fe->alert);
	cJSON_AddItemToObject(o, "violations", form_errors_json(fe));
	resp_json(rs, 422, o);
}

static void recovery_update(struct sim_request *rq, struct sim_response *rs, struct session *s)
{
	static const char *const fields[] = { "email", "mobile", "question", "answer" };
	struct form_errors fe = { 0 };
	const char *email = req_field(rq, "email"), *mobile = req_field(rq, "mobile");
	for (size_t i = 0; i < 4; i++)
		if (!req_field(rq, fields[i]) || !*req_field(rq, fields[i]))
			form_error(&fe, fields[i], "Campo obbligatorio");
	if (email && *email && (!strchr(email, '@') || !strchr(strchr(email, '@'), '.')))
		form_error(&fe, "email", "Indirizzo email non valido");
	if (mobile && *mobile && (!str_starts(mobile, "+39") || strlen(mobile) < 9 || strlen(mobile) > 15 ||
				  strspn(mobile + 1, "0123456789") != strlen(mobile) - 1))
		form_error(&fe, "mobile", "Numero di cellulare non valido");
	if (fe.alert) {
		validation_error(rs, &fe);
		return;
	}
	cJSON_Delete(s->pending_data);
	s->pending_data = cJSON_CreateObject();
	for (size_t i = 0; i < 4; i++)
		cJSON_AddStringToObject(s->pending_data, fields[i], req_field(rq, fields[i]));
	snprintf(s->sms_code, sizeof(s->sms_code), "%s", code_send(mobile, "sms", "la modifica dei dati di recupero"));
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "verification", s->sms_code);
	resp_json(rs, 202, o);
}

static void recovery_verify(struct sim_request *rq, struct sim_response *rs, struct session *s, cJSON *mbox)
{
	const char *id = req_field(rq, "verification");
	if (!s->pending_data || !id || strcmp(id, s->sms_code) != 0) {
		resp_json_error(rs, 400, "unknown_verification", "Verifica non trovata: ripeti la modifica");
		return;
	}
	switch (code_check(id, req_field(rq, "otp"))) {
	case CODE_WRONG:
		resp_json_error(rs, 422, "invalid_otp", "Codice non valido");
		return;
	case CODE_EXPIRED:
		resp_json_error(rs, 409, "otp_expired", "Codice scaduto o tentativi esauriti: ripeti la modifica");
		return;
	case CODE_OK:
		break;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(mbox, "recovery");
	cJSON_AddItemToObject(mbox, "recovery", s->pending_data);
	s->pending_data = NULL;
	s->sms_code[0] = '\0';
	no_content(rs);
}

static void mfa_disable(struct sim_response *rs, cJSON *mbox)
{
	if (!auth_twofa_on(mbox)) {
		resp_json_error(rs, 409, "mfa_not_enabled", "L'autenticazione forte non è attiva");
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "challenge",
				challenge_create(mbox, "Disattivazione autenticazione forte", PUSH_FOR_DISABLE));
	cJSON_AddItemToObject(o, "methods", mfa_methods(mbox));
	resp_json(rs, 202, o);
}

static cJSON *holder_json(const cJSON *profile)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; profile_fields[i]; i++)
		cJSON_AddStringToObject(o, profile_fields[i], json_str(profile, profile_fields[i]));
	return o;
}

static void holder_update(struct sim_request *rq, struct sim_response *rs, cJSON *mbox)
{
	if (!cJSON_IsObject(rq->json)) {
		resp_json_error(rs, 400, "bad_request", "Invia i dati del titolare come oggetto JSON");
		return;
	}
	struct form_errors fe = { 0 };
	cJSON *profile = mailbox_profile(mbox);
	if (profile_update(profile, rq, &fe) == 0) {
		resp_json(rs, 200, holder_json(profile));
		return;
	}
	const char *cf_error = form_error_for(&fe, "codice_fiscale");
	if (cf_error && strstr(cf_error, "cambio titolare"))
		resp_json_error(rs, 409, "holder_change", cf_error);
	else
		validation_error(rs, &fe);
}

static void access_log(struct sim_request *rq, struct sim_response *rs, const cJSON *mbox)
{
	long page = 1;
	if (parse_long(req_query(rq, "page"), &page) || page < 1)
		page = 1;
	const cJSON *log = cJSON_GetObjectItemCaseSensitive(mbox, "access_log");
	int total = cJSON_GetArraySize(log);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "page", (double)page);
	cJSON_AddNumberToObject(o, "per_page", ACCESS_LOG_PAGE);
	cJSON_AddNumberToObject(o, "total", total);
	cJSON *items = cJSON_AddArrayToObject(o, "items");
	long first = (page - 1) * ACCESS_LOG_PAGE;
	for (long i = first; i < first + ACCESS_LOG_PAGE && i < total; i++) {
		const cJSON *e = cJSON_GetArrayItem(log, (int)(total - 1 - i)); /* newest first */
		char when[32];
		format_iso(when, sizeof(when), (time_t)json_long(e, "time", 0));
		cJSON *item = cJSON_CreateObject();
		cJSON_AddStringToObject(item, "time", when);
		cJSON_AddStringToObject(item, "ip", json_str(e, "ip"));
		cJSON_AddStringToObject(item, "service", json_str(e, "service"));
		cJSON_AddStringToObject(item, "outcome", json_str(e, "outcome"));
		cJSON_AddItemToArray(items, item);
	}
	if (first + ACCESS_LOG_PAGE < total) {
		char next[96];
		snprintf(next, sizeof(next), API "/account/access-log?page=%ld", page + 1);
		cJSON_AddStringToObject(o, "next", next);
	} else {
		cJSON_AddNullToObject(o, "next");
	}
	resp_json(rs, 200, o);
}

static void authenticated(struct sim_request *rq, struct sim_response *rs, const char *route)
{
	struct session *s = session_lookup(rq);
	cJSON *mbox = session_mailbox(s);
	if (!mbox) {
		if (rq->session_expired)
			resp_json_error(rs, 401, "session_expired", "Sessione scaduta, accedi di nuovo");
		else
			resp_json_error(rs, 401, "unauthorized", "Autenticazione richiesta");
		return;
	}
	const char *m = rq->method;
	if (strcmp(route, "/account") == 0 && strcmp(m, "GET") == 0)
		account(rs, mbox);
	else if (strcmp(route, "/account/password") == 0 && strcmp(m, "POST") == 0)
		change_password(rq, rs, s, mbox);
	else if (strcmp(route, "/account/recovery") == 0 && strcmp(m, "PUT") == 0)
		recovery_update(rq, rs, s);
	else if (strcmp(route, "/account/recovery/verify") == 0 && strcmp(m, "POST") == 0)
		recovery_verify(rq, rs, s, mbox);
	else if (strcmp(route, "/account/mfa/disable") == 0 && strcmp(m, "POST") == 0)
		mfa_disable(rs, mbox);
	else if (strcmp(route, "/account/holder") == 0 && strcmp(m, "GET") == 0)
		resp_json(rs, 200, holder_json(mailbox_profile(mbox)));
	else if (strcmp(route, "/account/holder") == 0 && strcmp(m, "PUT") == 0)
		holder_update(rq, rs, mbox);
	else if (strcmp(route, "/account/access-log") == 0 && strcmp(m, "GET") == 0)
		access_log(rq, rs, mbox);
	else if (strcmp(route, "/auth/logout") == 0 && strcmp(m, "POST") == 0) {
		session_destroy(s);
		rq->session = NULL;
		no_content(rs);
	} else
		resp_json_error(rs, 404, "not_found", "Risorsa non trovata");
}

void infocert_handle(struct sim_request *rq, struct sim_response *rs)
{
	if (req_is(rq, "GET", "/") || req_is(rq, "GET", "/legalmail")) {
		resp_redirect(rs, "/legalmail/");
		return;
	}
	if (req_is(rq, "GET", "/legalmail/")) {
		shell(rs);
		return;
	}
	if (!str_starts(rq->path, API "/")) {
		page_not_found(rs, "Legalmail");
		return;
	}
	const char *route = rq->path + strlen(API);
	if (strcmp(route, "/auth/login") == 0 && strcmp(rq->method, "POST") == 0)
		login(rq, rs);
	else if (str_starts(route, "/auth/mfa/"))
		mfa(rq, rs, route + strlen("/auth/mfa/"));
	else
		authenticated(rq, rs, route);
}
