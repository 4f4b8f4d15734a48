/* gestionemail.pec.it: GestioneMail (seed aruba-password-change.txt), with
 * the postmaster's "Caselle del dominio" for PEC on own domains. */
#include "pecsim.h"

#include <stdio.h>
#include <string.h>

/* The pages behind the login: anything else is a 404 even without a session. */
static const char *const pages[] = {
	"/titolare", "/posta", "/cambio-password", "/regole-messaggi", "/notifica-mail", "/report-mail",
	"/antispam", "/accessi", "/registro-imprese", "/login-kit-firma", "/dominio/*", NULL
};

static const struct web_portal portal = {
	.host = HOST_GESTIONEMAIL,
	.site = "GestioneMail PEC",
	.service = "GestioneMail",
	.login_url = "/",
	.login_action = "/login",
	.login_field = "casella",
	.login_label = "Nome completo casella",
	.home_url = "/titolare",
	.verify_url = "/verifica",
	.pages = pages,
};

static const struct menu_item menu[] = {
	{ "/titolare", "Titolare" },
	{ "/posta", "Posta in arrivo" },
	{ "/cambio-password", "Cambio Password" },
	{ "/regole-messaggi", "Regole Messaggi" },
	{ "/notifica-mail", "Notifica Mail" },
	{ "/report-mail", "Report Mail" },
	{ "/antispam", "Antispam" },
	{ "/accessi", "Accessi" },
	{ "/registro-imprese", "Registro Imprese" },
	{ "/login-kit-firma", "Login Kit Firma" },
	{ "/dominio/caselle", "Caselle del dominio" }, /* postmaster only: keep last */
	{ "/logout", "Esci" },
};
#define MENU_ITEMS (sizeof(menu) / sizeof(menu[0]))

static int is_postmaster(const cJSON *mbox)
{
	return json_bool(mbox, "postmaster");
}

static void chrome(struct sim_response *rs, struct session *s, const char *title)
{
	page_begin(rs, portal.site, title);
	struct menu_item items[MENU_ITEMS];
	size_t n = 0;
	for (size_t i = 0; i < MENU_ITEMS; i++)
		if (strcmp(menu[i].href, "/dominio/caselle") != 0 || is_postmaster(session_mailbox(s)))
			items[n++] = menu[i];
	page_menu(rs, items, n);
	html(rs, "<p class=\"utente\">Casella: <strong id=\"casella-corrente\">%s</strong></p>\n", s->user);
}

static void titolare(struct sim_response *rs, struct session *s, cJSON *mbox)
{
	chrome(rs, s, "Titolare");
	page_alerts(rs, s, NULL);
	const cJSON *p = mailbox_profile(mbox);
	html(rs, "<h1>Titolare</h1>\n<dl id=\"titolare\">\n<dt>Casella</dt><dd>%s</dd>\n", json_str(mbox, "address"));
	for (size_t i = 0; profile_fields[i]; i++)
		html(rs, "<dt>%s</dt><dd data-campo=\"%s\">%s</dd>\n", profile_fields[i], profile_fields[i],
		     json_str(p, profile_fields[i]));
	html(rs, "</dl>\n");
	page_end(rs);
}

/* The mailboxes of the postmaster's domain, the postmaster excluded. */
static void domain_mailboxes(struct sim_response *rs, struct session *s, cJSON *mbox)
{
	chrome(rs, s, "Caselle del dominio");
	page_alerts(rs, s, NULL);
	const char *domain = mailbox_domain(mbox);
	html(rs, "<h1>Caselle del dominio %s</h1>\n<table id=\"caselle\">\n"
		 "<thead><tr><th>Casella</th><th>Azioni</th></tr></thead>\n<tbody>\n", domain);
	const cJSON *m;
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(state_root(), "mailboxes")) {
		const char *addr = json_str(m, "address");
		if (m == mbox || !str_ieq(mailbox_domain(m), domain))
			continue;
		html(rs, "<tr data-casella=\"%s\"><td>%s</td><td><a href=\"/dominio/caselle/%s/password\">"
			 "Cambia password</a></td></tr>\n", addr, addr, addr);
	}
	html(rs, "</tbody>\n</table>\n");
	page_end(rs);
}

/* /dominio/caselle/<address>/password: a mailbox of the same domain. */
static void domain_password(struct sim_request *rq, struct sim_response *rs, struct session *s, cJSON *mbox)
{
	const char *rest = rq->path + strlen("/dominio/caselle/");
	const char *slash = strchr(rest, '/');
	char address[256];
	if (!slash || strcmp(slash, "/password") != 0 || (size_t)(slash - rest) >= sizeof(address)) {
		page_not_found(rs, portal.site);
		return;
	}
	memcpy(address, rest, (size_t)(slash - rest));
	address[slash - rest] = '\0';
	cJSON *target = mailbox_find(address);
	if (!target || target == mbox || !str_ieq(mailbox_domain(target), mailbox_domain(mbox))) {
		page_not_found(rs, portal.site);
		return;
	}
	char action[512], heading[300], success[320];
	snprintf(action, sizeof(action), "/dominio/caselle/%s/password", json_str(target, "address"));
	snprintf(heading, sizeof(heading), "Cambia la password della casella %s", json_str(target, "address"));
	snprintf(success, sizeof(success), "Password della casella %s modificata", json_str(target, "address"));
	struct aruba_password_form form = { action, heading, 0, success, chrome };
	aruba_password_handle(rq, rs, s, target, &form);
}

void gestionemail_handle(struct sim_request *rq, struct sim_response *rs)
{
	if (weblogin_route(rq, rs, &portal))
		return;
	struct session *s = weblogin_require(rq, rs, &portal);
	if (!s)
		return;
	cJSON *mbox = session_mailbox(s);
	static const struct aruba_password_form own = {
		"/cambio-password", "Cambia la password della tua casella PEC", 1,
		"La password è stata modificata correttamente", chrome
	};

	if (req_is(rq, "GET", "/titolare")) {
		titolare(rs, s, mbox);
	} else if (strcmp(rq->path, "/cambio-password") == 0) {
		aruba_password_handle(rq, rs, s, mbox, &own);
	} else if (req_is(rq, "GET", "/accessi")) {
		chrome(rs, s, "Accessi");
		page_access_log(rq, rs, mbox, "/accessi");
		page_end(rs);
	} else if (str_starts(rq->path, "/dominio/")) {
		if (!is_postmaster(mbox))
			page_not_found(rs, portal.site);
		else if (req_is(rq, "GET", "/dominio/caselle"))
			domain_mailboxes(rs, s, mbox);
		else if (str_starts(rq->path, "/dominio/caselle/"))
			domain_password(rq, rs, s, mbox);
		else
			page_not_found(rs, portal.site);
	} else {
		for (size_t i = 0; i < MENU_ITEMS; i++) {
			if (req_is(rq, "GET", menu[i].href)) {
				chrome(rs, s, menu[i].label);
				page_stub(rs, menu[i].label);
				page_end(rs);
				return;
			}
		}
		page_not_found(rs, portal.site);
	}
}
