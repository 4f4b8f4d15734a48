/* areaclienti.pec.it: Area clienti PEC (seed aruba-holder-profile-correction.txt).
 * An Aruba account sees its services and every holder profile; a PEC login
 * sees and corrects only its own mailbox's profile. */
#include "pecsim.h"

#include <stdio.h>
#include <string.h>

static const char *const pages[] = { "/servizi", "/home", "/profilo/modifica", "/pec/*", NULL };

static const struct web_portal portal = {
	.host = HOST_AREACLIENTI,
	.site = "Area clienti PEC",
	.service = "Area clienti PEC",
	.login_url = "/",
	.login_action = "/login",
	.login_field = "username",
	.login_label = "Username o casella PEC",
	.home_url = "/home",
	.account_home_url = "/servizi",
	.verify_url = "/verifica",
	.pages = pages,
	.accounts_allowed = 1,
};

static const char *const field_labels[] = {
	"Tipo", "Nome", "Cognome", "Ragione sociale", "Codice fiscale", "Partita IVA",
	"Indirizzo", "CAP", "Città", "Provincia", "Nazione",
};

static void chrome(struct sim_response *rs, struct session *s, const char *title, const char *service_id)
{
	char profiles[160];
	snprintf(profiles, sizeof(profiles), "/pec/%s/profili", service_id ? service_id : "");
	struct menu_item items[4];
	size_t n = 0;
	if (s->is_account) {
		items[n++] = (struct menu_item){ "/servizi", "Servizi" };
		if (service_id)
			items[n++] = (struct menu_item){ profiles, "Gestisci profili titolare" };
	} else {
		items[n++] = (struct menu_item){ "/home", "Home" };
	}
	items[n++] = (struct menu_item){ "/logout", "Esci" };
	page_begin(rs, portal.site, title);
	page_menu(rs, items, n);
	html(rs, "<p class=\"utente\">Utente: <strong id=\"utente-corrente\">%s</strong></p>\n", s->user);
}

/* The same form for both ways in; submitted values are kept on errors. */
static void profile_form(struct sim_request *rq, struct sim_response *rs, struct session *s, const cJSON *profile,
			 const char *action, const struct form_errors *fe)
{
	int posted = strcmp(rq->method, "POST") == 0;
	html(rs, "<h1>Correggi i dati del profilo titolare</h1>\n");
	page_alerts(rs, s, fe);
	page_form_begin(rs, "profilo", action, s);
	for (size_t i = 0; profile_fields[i]; i++) {
		const char *f = profile_fields[i];
		const char *v = posted && req_field(rq, f) ? req_field(rq, f) : json_str(profile, f);
		if (strcmp(f, "tipo") != 0) {
			page_input(rs, field_labels[i], f, "text", v, fe);
			continue;
		}
		int giuridica = strcmp(v, "persona_giuridica") == 0;
		html(rs, "<div class=\"campo\"><label for=\"f-tipo\">Tipo</label> <select id=\"f-tipo\" name=\"tipo\">"
			 "<option value=\"persona_fisica\"%r>Persona fisica</option>"
			 "<option value=\"persona_giuridica\"%r>Persona giuridica</option></select>",
		     giuridica ? "" : " selected", giuridica ? " selected" : "");
		if (form_error_for(fe, "tipo"))
			html(rs, " <span class=\"field-error\" data-field=\"tipo\">%s</span>", form_error_for(fe, "tipo"));
		html(rs, "</div>\n");
	}
	page_form_end(rs, "Salva");
}

/* GET shows the form, POST validates and answers 303 to done_url. */
static void edit_profile(struct sim_request *rq, struct sim_response *rs, struct session *s, cJSON *profile,
			 const char *action, const char *done_url, const char *service_id)
{
	struct form_errors fe = { 0 };
	if (strcmp(rq->method, "POST") == 0) {
		if (!page_check_token(rq, rs))
			return;
		if (profile_update(profile, rq, &fe) == 0) {
			session_flash(s, "Dati del profilo aggiornati");
			resp_redirect(rs, done_url);
			return;
		}
	}
	chrome(rs, s, "Modifica profilo titolare", service_id);
	profile_form(rq, rs, s, profile, action, &fe);
	page_end(rs);
}

static void mailbox_home(struct sim_response *rs, struct session *s, cJSON *mbox)
{
	const cJSON *p = mailbox_profile(mbox);
	chrome(rs, s, "Home", NULL);
	page_alerts(rs, s, NULL);
	html(rs, "<h1>Profilo titolare</h1>\n<dl id=\"profilo-titolare\">\n");
	for (size_t i = 0; profile_fields[i]; i++)
		html(rs, "<dt>%s</dt><dd data-campo=\"%s\">%s</dd>\n", field_labels[i], profile_fields[i],
		     json_str(p, profile_fields[i]));
	html(rs, "</dl>\n<p><a href=\"/profilo/modifica\">Correggi i dati</a></p>\n");
	page_end(rs);
}

static cJSON *find_by_id(cJSON *list, const char *id)
{
	cJSON *item;
	cJSON_ArrayForEach(item, list)
		if (strcmp(json_str(item, "id"), id) == 0)
			return item;
	return NULL;
}

static void services(struct sim_response *rs, struct session *s, cJSON *acct)
{
	chrome(rs, s, "Servizi", NULL);
	page_alerts(rs, s, NULL);
	html(rs, "<h1>I tuoi servizi</h1>\n<table id=\"servizi\">\n<thead><tr><th>Servizio</th><th></th></tr></thead>\n<tbody>\n");
	const cJSON *svc;
	cJSON_ArrayForEach(svc, cJSON_GetObjectItemCaseSensitive(acct, "services"))
		html(rs, "<tr data-servizio=\"%s\"><td>%s</td><td><a href=\"/pec/%s\">Gestisci</a></td></tr>\n",
		     json_str(svc, "id"), json_str(svc, "name"), json_str(svc, "id"));
	html(rs, "</tbody>\n</table>\n");
	page_end(rs);
}

static const char *profile_name(const cJSON *p)
{
	const char *rs = json_str(p, "ragione_sociale");
	return *rs ? rs : json_str(p, "cognome");
}

static void profiles(struct sim_response *rs, struct session *s, cJSON *svc)
{
	const char *sid = json_str(svc, "id");
	chrome(rs, s, "Gestisci profili titolare", sid);
	page_alerts(rs, s, NULL);
	html(rs, "<h1>Profili titolare</h1>\n<table id=\"profili\">\n<thead><tr><th>Titolare</th><th>Codice fiscale</th>"
		 "<th></th></tr></thead>\n<tbody>\n");
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(svc, "profiles")) {
		const char *pid = json_str(p, "id");
		html(rs, "<tr data-profilo=\"%s\"><td>%s %s</td><td>%s</td><td>"
			 "<a class=\"modifica\" title=\"Modifica\" href=\"/pec/%s/profili/%s/modifica\">&#9998;</a> "
			 "<a class=\"caselle\" title=\"Caselle collegate\" href=\"/pec/%s/profili/%s/caselle\">&#9660;</a>"
			 "</td></tr>\n",
		     pid, json_str(p, "nome"), profile_name(p), json_str(p, "codice_fiscale"), sid, pid, sid, pid);
	}
	html(rs, "</tbody>\n</table>\n");
	page_end(rs);
}

static void linked_mailboxes(struct sim_response *rs, struct session *s, const char *sid, const cJSON *prof)
{
	chrome(rs, s, "Caselle collegate", sid);
	html(rs, "<h1>Caselle collegate al profilo %s</h1>\n<ul id=\"caselle-collegate\">\n", profile_name(prof));
	const cJSON *m;
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(prof, "mailboxes"))
		if (cJSON_IsString(m))
			html(rs, "<li data-casella=\"%s\">%s</li>\n", m->valuestring, m->valuestring);
	html(rs, "</ul>\n");
	page_end(rs);
}

/* Splits "/a/b/c" into segments; 0 when a segment or their count is too big. */
static size_t split_path(const char *path, char segs[][64], size_t max)
{
	size_t n = 0;
	while (*path == '/') {
		path++;
		size_t len = strcspn(path, "/");
		if (n == max || len >= 64 || !len)
			return 0;
		memcpy(segs[n], path, len);
		segs[n++][len] = '\0';
		path += len;
	}
	return *path ? 0 : n;
}

/* /pec/<sid>, /pec/<sid>/profili, /pec/<sid>/profili/<pid>/(modifica|caselle)
 * for Aruba accounts. */
static void account_routes(struct sim_request *rq, struct sim_response *rs, struct session *s, cJSON *acct)
{
	char seg[5][64];
	size_t n = split_path(rq->path, seg, 5);
	int get = strcmp(rq->method, "GET") == 0;
	cJSON *svc = n >= 2 ? find_by_id(cJSON_GetObjectItemCaseSensitive(acct, "services"), seg[1]) : NULL;
	cJSON *prof = n == 5 && svc && strcmp(seg[2], "profili") == 0
			      ? find_by_id(cJSON_GetObjectItemCaseSensitive(svc, "profiles"), seg[3])
			      : NULL;
	if (svc && n == 2 && get) {
		chrome(rs, s, json_str(svc, "name"), seg[1]);
		html(rs, "<h1>%s</h1>\n<p>Seleziona una voce dal menu.</p>\n", json_str(svc, "name"));
		page_end(rs);
	} else if (svc && n == 3 && get && strcmp(seg[2], "profili") == 0) {
		profiles(rs, s, svc);
	} else if (prof && strcmp(seg[4], "modifica") == 0) {
		char action[256], done[128];
		snprintf(action, sizeof(action), "/pec/%s/profili/%s/modifica", seg[1], seg[3]);
		snprintf(done, sizeof(done), "/pec/%s/profili", seg[1]);
		edit_profile(rq, rs, s, prof, action, done, seg[1]);
	} else if (prof && get && strcmp(seg[4], "caselle") == 0) {
		linked_mailboxes(rs, s, seg[1], prof);
	} else {
		page_not_found(rs, portal.site);
	}
}

void areaclienti_handle(struct sim_request *rq, struct sim_response *rs)
{
	if (weblogin_route(rq, rs, &portal))
		return;
	struct session *s = weblogin_require(rq, rs, &portal);
	if (!s)
		return;
	if (s->is_account) {
		cJSON *acct = account_find(s->user);
		if (req_is(rq, "GET", "/servizi"))
			services(rs, s, acct);
		else if (str_starts(rq->path, "/pec/"))
			account_routes(rq, rs, s, acct);
		else if (req_is(rq, "GET", "/home"))
			resp_redirect(rs, "/servizi");
		else
			page_not_found(rs, portal.site);
		return;
	}
	cJSON *mbox = session_mailbox(s);
	if (req_is(rq, "GET", "/home"))
		mailbox_home(rs, s, mbox);
	else if (strcmp(rq->path, "/profilo/modifica") == 0)
		edit_profile(rq, rs, s, mailbox_profile(mbox), "/profilo/modifica", "/home", NULL);
	else if (req_is(rq, "GET", "/servizi"))
		resp_redirect(rs, "/home");
	else
		page_not_found(rs, portal.site);
}
