/* account.aruba.it: Gestione account PEC (seeds aruba-contacts-change.txt,
 * aruba-2fa-disable-for-infocert-migration.txt and the guides index):
 * contacts, password, app passwords, two-step, history, expiry, SSO. */
#include "pecsim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const pages[] = { "/pec/*", NULL };

static const struct web_portal portal = {
	.host = HOST_ACCOUNT,
	.site = "Gestione account PEC",
	.service = "Gestione account PEC",
	.login_url = "/pec",
	.login_action = "/pec/login",
	.login_field = "casella",
	.login_label = "Casella PEC",
	.home_url = "/pec/home",
	.verify_url = "/pec/verifica",
	.pages = pages,
};

#define TWOFA_URL "/pec/verifica-2-passaggi"
#define APP_PASSWORD_URL "/pec/password-programmi"
static const char need_twofa[] =
	"Per generare una password per i programmi di posta devi attivare la verifica in 2 passaggi";

static const char *password_label(const cJSON *mbox)
{
	return json_bool(mbox, "twofa") ? "Password webmail e app" : "Password PEC";
}

static void chrome(struct sim_response *rs, struct session *s, const char *title)
{
	const struct menu_item items[] = {
		{ "/pec/home", "Home" },
		{ "/pec/contatti", "Email e cellulare" },
		{ "/pec/password", password_label(session_mailbox(s)) },
		{ APP_PASSWORD_URL, "Password programmi di posta" },
		{ TWOFA_URL, "Verifica in 2 passaggi" },
		{ "/pec/storico-accessi", "Storico accessi" },
		{ "/pec/password/scadenza", "Scadenza password" },
		{ "/logout", "Esci" },
	};
	page_begin(rs, portal.site, title);
	page_menu(rs, items, sizeof(items) / sizeof(items[0]));
	html(rs, "<p class=\"utente\">Casella: <strong id=\"casella-corrente\">%s</strong></p>\n", s->user);
}

static void contact_line(struct sim_response *rs, const char *id, const char *label, const char *value, int verified)
{
	html(rs, "<div id=\"%s\" data-verificato=\"%r\"><span class=\"etichetta\">%s</span> "
		 "<span class=\"valore\">%s</span> <span class=\"stato\">%r</span></div>\n",
	     id, verified ? "true" : "false", label, value, verified ? "Verificato" : "Non verificato");
}

static void home(struct sim_response *rs, struct session *s, cJSON *mbox)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(mbox, "contacts");
	chrome(rs, s, "Home");
	page_alerts(rs, s, NULL);
	if (!json_bool(c, "email_verified"))
		html(rs, "<div class=\"banner\" id=\"banner-email\">Non hai ancora verificato l'indirizzo email di "
			 "riferimento del tuo account PEC <a href=\"/pec/contatti\">Gestisci contatti</a></div>\n");
	html(rs, "<section id=\"contatti\"><h2>Contatti account PEC</h2> <a href=\"/pec/contatti\">Modifica</a>\n");
	contact_line(rs, "contatto-email", "Email", json_str(c, "email"), json_bool(c, "email_verified"));
	contact_line(rs, "contatto-cellulare", "Cellulare", json_str(c, "mobile"), json_bool(c, "mobile_verified"));
	html(rs, "</section>\n<section id=\"password-webmail\"><h2>%s</h2> <a href=\"/pec/password\">Gestisci</a></section>\n",
	     password_label(mbox));
	page_end(rs);
}

static int valid_email(const char *s)
{
	const char *at = s ? strchr(s, '@') : NULL;
	return at && at > s && strchr(at, '.') && !strchr(s, ' ') && strlen(s) < 200;
}

static int valid_mobile(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 9 || n > 15 || strncmp(s, "+39", 3) != 0)
		return 0;
	for (size_t i = 3; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static void contacts_form(struct sim_response *rs, struct session *s, cJSON *mbox, const struct form_errors *fe,
			  const char *email, const char *mobile)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(mbox, "contacts");
	chrome(rs, s, "Email e cellulare");
	html(rs, "<h1>Email e cellulare</h1>\n<p>Ti invieremo un codice di verifica al nuovo indirizzo email e "
		 "uno al nuovo numero di cellulare.</p>\n");
	page_alerts(rs, s, fe);
	page_form_begin(rs, "contatti", "/pec/contatti", s);
	page_input(rs, "Email", "email", "email", email ? email : json_str(c, "email"), fe);
	page_input(rs, "Cellulare", "cellulare", "tel", mobile ? mobile : json_str(c, "mobile"), fe);
	page_form_end(rs, "Invia codici di verifica");
	page_end(rs);
}

static void contacts_post(struct sim_request *rq, struct sim_response *rs, struct session *s, cJSON *mbox)
{
	if (!page_check_token(rq, rs))
		return;
	const char *email = req_field(rq, "email"), *mobile = req_field(rq, "cellulare");
	struct form_errors fe = { 0 };
	if (!valid_email(email))
		form_error(&fe, "email", "Indirizzo email non valido");
	if (!valid_mobile(mobile))
		form_error(&fe, "cellulare", "Numero di cellulare non valido: usa il formato +39...");
	if (fe.alert) {
		contacts_form(rs, s, mbox, &fe, email ? email : "", mobile ? mobile : "");
		return;
	}
	free(s->new_email);
	free(s->new_mobile);
	s->new_email = xstrdup(email);
	s->new_mobile = xstrdup(mobile);
	snprintf(s->email_code, sizeof(s->email_code), "%s", code_send(email, "email", "la modifica dei contatti PEC"));
	snprintf(s->sms_code, sizeof(s->sms_code), "%s", code_send(mobile, "sms", "la modifica dei contatti PEC"));
	session_flash(s, "Ti abbiamo inviato un codice via email e uno via SMS");
	resp_redirect(rs, "/pec/contatti/verifica");
}

static void verify_form(struct sim_response *rs, struct session *s, const struct form_errors *fe)
{
	chrome(rs, s, "Verifica contatti");
	html(rs, "<h1>Verifica i nuovi contatti</h1>\n<p>Inserisci il codice inviato a %s e quello inviato via SMS al %s.</p>\n",
	     s->new_email, s->new_mobile);
	page_alerts(rs, s, fe);
	page_form_begin(rs, "verifica-contatti", "/pec/contatti/verifica", s);
	if (s->email_code[0])
		page_input(rs, "Codice ricevuto via email", "codice_email", "text", "", fe);
	if (s->sms_code[0])
		page_input(rs, "Codice ricevuto via SMS", "codice_sms", "text", "", fe);
	page_form_end(rs, "Conferma");
	page_end(rs);
}

/* One code: "" when right (and forgets it), else the message. */
static const char *check_one_code(char *code_id, const char *entered)
{
	if (!code_id[0])
		return NULL;
	switch (code_check(code_id, entered)) {
	case CODE_OK:
		code_id[0] = '\0';
		return NULL;
	case CODE_WRONG:
		return "Codice non valido";
	default:
		return "Codice scaduto o esaurito: ripeti la modifica dei contatti";
	}
}

static void verify_post(struct sim_request *rq, struct sim_response *rs, struct session *s, cJSON *mbox)
{
	if (!page_check_token(rq, rs))
		return;
	struct form_errors fe = { 0 };
	const char *e1 = check_one_code(s->email_code, req_field(rq, "codice_email"));
	const char *e2 = check_one_code(s->sms_code, req_field(rq, "codice_sms"));
	if (e1)
		form_error(&fe, "codice_email", e1);
	if (e2)
		form_error(&fe, "codice_sms", e2);
	if (fe.alert) {
		verify_form(rs, s, &fe);
		return;
	}
	cJSON *c = json_child(mbox, "contacts");
	json_set_str(c, "email", s->new_email);
	json_set_str(c, "mobile", s->new_mobile);
	json_set_bool(c, "email_verified", 1);
	json_set_bool(c, "mobile_verified", 1);
	free(s->new_email);
	free(s->new_mobile);
	s->new_email = s->new_mobile = NULL;
	session_flash(s, "Dati di contatto aggiornati");
	resp_redirect(rs, "/pec/home");
}

static void contacts(struct sim_request *rq, struct sim_response *rs, struct session *s, cJSON *mbox)
{
	if (req_is(rq, "GET", "/pec/contatti"))
		contacts_form(rs, s, mbox, NULL, NULL, NULL);
	else if (req_is(rq, "POST", "/pec/contatti"))
		contacts_post(rq, rs, s, mbox);
	else if (!s->new_email)
		resp_redirect(rs, "/pec/contatti");
	else if (req_is(rq, "GET", "/pec/contatti/verifica"))
		verify_form(rs, s, NULL);
	else if (req_is(rq, "POST", "/pec/contatti/verifica"))
		verify_post(rq, rs, s, mbox);
	else
		page_not_found(rs, portal.site);
}

/* ---- Password programmi di posta ---- */

static const char *app_password_state(const cJSON *mbox)
{
	const cJSON *app = cJSON_GetObjectItemCaseSensitive(mbox, "app_password");
	if (!*json_str(app, "value"))
		return "assente";
	return json_long(app, "expires", 0) > sim_now() ? "attiva" : "scaduta";
}

static time_t months_from_now(long months)
{
	time_t now = sim_now();
	struct tm tm;
	localtime_r(&now, &tm);
	tm.tm_mon += (int)months;
	return mktime(&tm);
}

static void app_password_page(struct sim_response *rs, struct session *s, cJSON *mbox, const struct form_errors *fe)
{
	chrome(rs, s, "Password programmi di posta");
	html(rs, "<h1>Password per i programmi di posta</h1>\n");
	page_alerts(rs, s, fe);
	if (!json_bool(mbox, "twofa")) {
		html(rs, "<p id=\"password-programmi-non-disponibile\">%s</p>\n", need_twofa);
		page_end(rs);
		return;
	}
	const char *state = app_password_state(mbox);
	html(rs, "<div id=\"password-programmi\" data-stato=\"%s\">", state);
	if (strcmp(state, "assente") != 0) {
		char until[16];
		format_date(until, sizeof(until), (time_t)json_long(cJSON_GetObjectItemCaseSensitive(mbox, "app_password"),
								  "expires", 0));
		html(rs, "<p class=\"validita\">Valida fino al %s</p>", until);
	}
	html(rs, "</div>\n");
	if (s->flash_secret) {
		html(rs, "<p>Copia ora la password: non sarà più mostrata.</p>\n<div id=\"password-generata\">%s</div>\n",
		     s->flash_secret);
		free(s->flash_secret);
		s->flash_secret = NULL;
	}
	if (strcmp(state, "assente") == 0) {
		page_form_begin(rs, "genera", APP_PASSWORD_URL "/genera", s);
		page_form_end(rs, "Genera");
	} else {
		page_form_begin(rs, "rigenera", APP_PASSWORD_URL "/rigenera", s);
		page_form_end(rs, "Rigenera");
		page_form_begin(rs, "estendi", APP_PASSWORD_URL "/estendi", s);
		page_form_end(rs, "Estendi");
	}
	page_end(rs);
}

static void app_password_post(struct sim_request *rq, struct sim_response *rs, struct session *s, cJSON *mbox)
{
	const char *action = rq->path + strlen(APP_PASSWORD_URL "/");
	if (strcmp(action, "genera") != 0 && strcmp(action, "rigenera") != 0 && strcmp(action, "estendi") != 0) {
		page_not_found(rs, portal.site);
		return;
	}
	if (!page_check_token(rq, rs))
		return;
	int exists = strcmp(app_password_state(mbox), "assente") != 0;
	struct form_errors fe = { 0 };
	if (!json_bool(mbox, "twofa"))
		form_error(&fe, NULL, need_twofa);
	else if (strcmp(action, "genera") == 0 && exists)
		form_error(&fe, NULL, "Hai già una password per i programmi di posta: usa Rigenera");
	else if ((strcmp(action, "rigenera") == 0 || strcmp(action, "estendi") == 0) && !exists)
		form_error(&fe, NULL, "Non hai ancora una password per i programmi di posta: usa Genera");
	if (fe.alert) {
		app_password_page(rs, s, mbox, &fe);
		return;
	}
	cJSON *app = json_child(mbox, "app_password");
	json_set_num(app, "expires", (double)months_from_now(setting_long("app_password_months", 6)));
	if (strcmp(action, "estendi") == 0) {
		session_flash(s, "Validità della password per i programmi di posta estesa");
	} else {
		static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
		char value[17];
		for (size_t i = 0; i < 16; i++)
			value[i] = alphabet[random_below(sizeof(alphabet) - 1)];
		value[16] = '\0';
		json_set_str(app, "value", value);
		json_set_num(app, "created", (double)sim_now());
		free(s->flash_secret);
		s->flash_secret = xstrdup(value);
		session_flash(s, strcmp(action, "genera") == 0 ? "Password per i programmi di posta generata"
							       : "Password per i programmi di posta rigenerata");
	}
	resp_redirect(rs, APP_PASSWORD_URL);
}

/* ---- Verifica in 2 passaggi ---- */

static void twofa_page(struct sim_response *rs, struct session *s, cJSON *mbox, const struct form_errors *fe)
{
	int on = json_bool(mbox, "twofa");
	chrome(rs, s, "Verifica in 2 passaggi");
	html(rs, "<h1>Verifica in 2 passaggi</h1>\n");
	page_alerts(rs, s, fe);
	html(rs, "<div id=\"verifica-2-passaggi\" data-stato=\"%r\">%r</div>\n", on ? "attiva" : "disattiva",
	     on ? "Attiva" : "Non attiva");
	if (on) {
		html(rs, "<p>Dispositivo associato: <span id=\"dispositivo\">%s</span></p>\n", json_str(mbox, "device"));
		page_form_begin(rs, "disattiva", TWOFA_URL "/disattiva", s);
		page_form_end(rs, "Disattiva");
	} else if (json_bool(mbox, "pairing")) {
		html(rs, "<p id=\"associazione-in-corso\">Completa l'attivazione associando l'app Aruba PEC.</p>\n");
	} else {
		page_form_begin(rs, "attiva", TWOFA_URL "/attiva", s);
		page_form_end(rs, "Attiva");
	}
	page_end(rs);
}

static void twofa_wait(struct sim_response *rs, struct session *s, const struct form_errors *fe)
{
	chrome(rs, s, "Disattivazione verifica in 2 passaggi");
	page_alerts(rs, s, fe);
	page_push_wait(rs, s, TWOFA_URL "/disattiva/stato", TWOFA_URL "/disattiva/conferma", "la disattivazione");
	page_end(rs);
}

static void twofa_disable_confirm(struct sim_request *rq, struct sim_response *rs, struct session *s, cJSON *mbox)
{
	if (!page_check_token(rq, rs))
		return;
	struct form_errors fe = { 0 };
	enum push_state st = push_state_of(s->pending_push);
	if (st == PUSH_PENDING) {
		form_error(&fe, NULL, "Operazione non ancora autorizzata: conferma la notifica sull'app");
		twofa_wait(rs, s, &fe);
		return;
	}
	push_consume(s->pending_push);
	s->pending = PENDING_NONE;
	if (st != PUSH_APPROVED) {
		form_error(&fe, NULL, "Operazione non autorizzata");
		twofa_page(rs, s, mbox, &fe);
		return;
	}
	json_set_bool(mbox, "twofa", 0);
	session_flash(s, "La verifica in 2 passaggi è stata disattivata");
	resp_redirect(rs, TWOFA_URL);
}

static void twofa_activate_form(struct sim_response *rs, struct session *s, const struct form_errors *fe)
{
	chrome(rs, s, "Attivazione verifica in 2 passaggi");
	html(rs, "<h1>Attivazione verifica in 2 passaggi</h1>\n<p>Inserisci il codice ricevuto via SMS.</p>\n");
	page_alerts(rs, s, fe);
	page_form_begin(rs, "attiva-codice", TWOFA_URL "/attiva/conferma", s);
	page_input(rs, "Codice SMS", "codice", "text", "", fe);
	page_form_end(rs, "Conferma");
	page_end(rs);
}

static void twofa(struct sim_request *rq, struct sim_response *rs, struct session *s, cJSON *mbox)
{
	const char *sub = rq->path + strlen(TWOFA_URL);
	int post = strcmp(rq->method, "POST") == 0;
	struct form_errors fe = { 0 };
	if (!*sub && !post) {
		twofa_page(rs, s, mbox, NULL);
	} else if (strcmp(sub, "/disattiva") == 0 && post) {
		if (!page_check_token(rq, rs))
			return;
		if (!json_bool(mbox, "twofa")) {
			form_error(&fe, NULL, "La verifica in 2 passaggi non è attiva");
			twofa_page(rs, s, mbox, &fe);
			return;
		}
		const char *push = push_create(s->user, "Disattivazione verifica in 2 passaggi", NULL, PUSH_FOR_DISABLE);
		snprintf(s->pending_push, sizeof(s->pending_push), "%s", push);
		s->pending = PENDING_2FA_DISABLE;
		session_flash(s, "Notifica inviata all'app Aruba PEC");
		resp_redirect(rs, TWOFA_URL "/disattiva");
	} else if (s->pending != PENDING_2FA_DISABLE && str_starts(sub, "/disattiva")) {
		resp_redirect(rs, TWOFA_URL);
	} else if (strcmp(sub, "/disattiva") == 0) {
		twofa_wait(rs, s, NULL);
	} else if (strcmp(sub, "/disattiva/stato") == 0) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "stato", push_state_name(push_state_of(s->pending_push)));
		resp_json(rs, 200, o);
	} else if (strcmp(sub, "/disattiva/conferma") == 0 && post) {
		twofa_disable_confirm(rq, rs, s, mbox);
	} else if (strcmp(sub, "/attiva") == 0 && post) {
		if (!page_check_token(rq, rs))
			return;
		const char *mobile = json_str(cJSON_GetObjectItemCaseSensitive(mbox, "contacts"), "mobile");
		if (json_bool(mbox, "twofa"))
			form_error(&fe, NULL, "La verifica in 2 passaggi è già attiva");
		else if (!*mobile)
			form_error(&fe, NULL, "Per attivare la verifica in 2 passaggi serve un numero di cellulare");
		if (fe.alert) {
			twofa_page(rs, s, mbox, &fe);
			return;
		}
		snprintf(s->sms_code, sizeof(s->sms_code), "%s",
			 code_send(mobile, "sms", "l'attivazione della verifica in 2 passaggi"));
		session_flash(s, "Ti abbiamo inviato un codice via SMS");
		resp_redirect(rs, TWOFA_URL "/attiva");
	} else if (strcmp(sub, "/attiva") == 0) {
		twofa_activate_form(rs, s, NULL);
	} else if (strcmp(sub, "/attiva/conferma") == 0 && post) {
		if (!page_check_token(rq, rs))
			return;
		const char *err = s->sms_code[0] ? check_one_code(s->sms_code, req_field(rq, "codice"))
						 : "Richiedi un nuovo codice";
		if (err) {
			form_error(&fe, "codice", err);
			twofa_activate_form(rs, s, &fe);
			return;
		}
		json_set_bool(mbox, "pairing", 1);
		session_flash(s, "Codice verificato: associa l'app Aruba PEC per completare l'attivazione");
		resp_redirect(rs, TWOFA_URL);
	} else {
		page_not_found(rs, portal.site);
	}
}

/* ---- Scadenza password ---- */

static void expiry_page(struct sim_response *rs, struct session *s, const cJSON *values, const struct form_errors *fe)
{
	char giorni[32], preavviso[32];
	snprintf(giorni, sizeof(giorni), "%ld", json_long(values, "giorni", 90));
	snprintf(preavviso, sizeof(preavviso), "%ld", json_long(values, "preavviso", 10));
	chrome(rs, s, "Scadenza password");
	html(rs, "<h1>Scadenza password</h1>\n<p>Imposta ogni quanti giorni cambiare la password (da 2 a 90) "
		 "e con quanti giorni di preavviso ricevere il promemoria.</p>\n");
	page_alerts(rs, s, fe);
	page_form_begin(rs, "scadenza-password", "/pec/password/scadenza", s);
	page_checkbox(rs, "Attiva la scadenza della password", "attiva", json_bool(values, "attiva"));
	page_input(rs, "Giorni di validità", "giorni", "number", giorni, fe);
	page_input(rs, "Giorni di preavviso", "preavviso", "number", preavviso, fe);
	page_checkbox(rs, "Avvisami anche via email", "notifica_email", json_bool(values, "notifica_email"));
	page_form_end(rs, "Salva");
	page_end(rs);
}

static void expiry(struct sim_request *rq, struct sim_response *rs, struct session *s, cJSON *mbox)
{
	cJSON *current = json_child(mbox, "password_expiry");
	if (strcmp(rq->method, "POST") != 0) {
		expiry_page(rs, s, current, NULL);
		return;
	}
	if (!page_check_token(rq, rs))
		return;
	struct form_errors fe = { 0 };
	char preavviso_msg[128];
	long giorni = 0, preavviso = 0;
	int giorni_ok = !parse_long(req_field(rq, "giorni"), &giorni) && giorni >= 2 && giorni <= 90;
	if (!giorni_ok)
		form_error(&fe, "giorni", "Il campo giorni deve essere un numero compreso fra 2 e 90");
	if (parse_long(req_field(rq, "preavviso"), &preavviso) || preavviso < 1 ||
	    (giorni_ok && preavviso > giorni - 1)) {
		snprintf(preavviso_msg, sizeof(preavviso_msg),
			 "Il campo preavviso deve essere un numero compreso fra 1 e %ld", giorni_ok ? giorni - 1 : 89);
		form_error(&fe, "preavviso", preavviso_msg);
	}
	cJSON *values = cJSON_CreateObject();
	cJSON_AddBoolToObject(values, "attiva", req_field(rq, "attiva") != NULL);
	cJSON_AddNumberToObject(values, "giorni", (double)(giorni_ok ? giorni : json_long(current, "giorni", 90)));
	cJSON_AddNumberToObject(values, "preavviso", (double)(fe.n ? json_long(current, "preavviso", 10) : preavviso));
	cJSON_AddBoolToObject(values, "notifica_email", req_field(rq, "notifica_email") != NULL);
	if (fe.alert) {
		expiry_page(rs, s, values, &fe);
		cJSON_Delete(values);
		return;
	}
	cJSON_ReplaceItemInObjectCaseSensitive(mbox, "password_expiry", values);
	session_flash(s, "Scadenza password aggiornata");
	resp_redirect(rs, "/pec/password/scadenza");
}

/* GET /pec/sso?ticket=T: the webmail's way in, no password and no push. */
static void sso(struct sim_request *rq, struct sim_response *rs)
{
	char *address = sso_ticket_redeem(req_query(rq, "ticket"));
	if (!address || !mailbox_find(address)) {
		free(address);
		resp_redirect(rs, portal.login_url);
		return;
	}
	struct session *s = rq->session;
	if (!s)
		s = rq->session = session_create(HOST_ACCOUNT);
	session_login(s, address, 0);
	auth_record(rq, mailbox_find(address), portal.service, "riuscito (accesso da webmail)");
	free(address);
	session_attach_cookie(rs, s);
	resp_redirect(rs, portal.home_url);
}

void account_handle(struct sim_request *rq, struct sim_response *rs)
{
	if (weblogin_route(rq, rs, &portal))
		return;
	if (req_is(rq, "GET", "/pec/sso")) {
		sso(rq, rs);
		return;
	}
	if (req_is(rq, "GET", "/") || req_is(rq, "GET", "/pec/")) {
		resp_redirect(rs, portal.login_url);
		return;
	}
	struct session *s = weblogin_require(rq, rs, &portal);
	if (!s)
		return;
	cJSON *mbox = session_mailbox(s);
	const struct aruba_password_form password_form = {
		"/pec/password", password_label(mbox), 1, "La password è stata modificata correttamente", chrome
	};

	if (req_is(rq, "GET", "/pec/home"))
		home(rs, s, mbox);
	else if (str_starts(rq->path, "/pec/contatti"))
		contacts(rq, rs, s, mbox);
	else if (strcmp(rq->path, "/pec/password") == 0)
		aruba_password_handle(rq, rs, s, mbox, &password_form);
	else if (strcmp(rq->path, "/pec/password/scadenza") == 0)
		expiry(rq, rs, s, mbox);
	else if (req_is(rq, "GET", APP_PASSWORD_URL))
		app_password_page(rs, s, mbox, NULL);
	else if (str_starts(rq->path, APP_PASSWORD_URL "/") && strcmp(rq->method, "POST") == 0)
		app_password_post(rq, rs, s, mbox);
	else if (str_starts(rq->path, TWOFA_URL))
		twofa(rq, rs, s, mbox);
	else if (req_is(rq, "GET", "/pec/storico-accessi")) {
		chrome(rs, s, "Storico accessi");
		page_access_log(rq, rs, mbox, "/pec/storico-accessi");
		page_end(rs);
	} else
		page_not_found(rs, portal.site);
}
