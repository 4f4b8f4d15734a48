/*
 * What the plugin expects of each page it uses: where it is, the form it
 * fills and the elements and wording it reads. The operations take their
 * paths, form lookups and field names from this table, and the doctor
 * checks the very same entries, so the two cannot drift apart.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "aruba.h"

static const char *const casella_login[] = { "casella", "password", NULL };
static const char *const username_login[] = { "username", "password", NULL };
static const char *const own_password[] = {
	"password_attuale", "nuova_password", "ripeti_password", NULL
};
static const char *const set_password[] = { "nuova_password", "ripeti_password", NULL };
static const char *const contact_fields[] = { "email", "cellulare", NULL };
static const char *const code_fields[] = { "codice_email", "codice_sms", NULL };
static const char *const expiry_fields[] = {
	"attiva", "giorni", "preavviso", "notifica_email", NULL
};
static const char *const profile_fields[] = {
	"tipo", "nome", "cognome", "ragione_sociale", "codice_fiscale", "partita_iva",
	"indirizzo", "cap", "citta", "provincia", "nazione", NULL,
};

static const struct aruba_element history_elements[] = {
	{ "table#storico", ARUBA_XPATH_HISTORY_TABLE }, { NULL, NULL },
};
static const struct aruba_element domain_list_elements[] = {
	{ "the mailbox list (tr[data-casella])", ARUBA_XPATH_DOMAIN_LIST }, { NULL, NULL },
};
static const struct aruba_element home_elements[] = {
	{ "#" ARUBA_ID_CONTACT_EMAIL "[data-verificato]",
	  "//*[@id='" ARUBA_ID_CONTACT_EMAIL "']/@data-verificato" },
	{ "#" ARUBA_ID_CONTACT_MOBILE "[data-verificato]",
	  "//*[@id='" ARUBA_ID_CONTACT_MOBILE "']/@data-verificato" },
	{ NULL, NULL },
};
static const struct aruba_element app_password_elements[] = {
	{ "#password-programmi[data-stato]", ARUBA_XPATH_APP_PASSWORD_STATE }, { NULL, NULL },
};
static const struct aruba_element twofa_elements[] = {
	{ "#verifica-2-passaggi[data-stato]", ARUBA_XPATH_TWOFA_STATE }, { NULL, NULL },
};
static const struct aruba_element holder_elements[] = {
	{ "dl#profilo-titolare", ARUBA_XPATH_HOLDER_PROFILE }, { NULL, NULL },
};
static const struct aruba_element services_elements[] = {
	{ "tr[data-servizio]", "//tr[@data-servizio]" }, { NULL, NULL },
};

const struct aruba_page_spec aruba_pages[ARUBA_PAGE_COUNT] = {
	[ARUBA_PAGE_GESTIONEMAIL_LOGIN] = {
		.site = ARUBA_GESTIONEMAIL, .what = "login", .reach = ARUBA_REACH_ANONYMOUS,
		.path_key = "login_path", .path = "/",
		.action_key = "login_action", .action = "/login",
		.form_id_key = "login_form_id", .form_id = "login", .fields = casella_login,
	},
	[ARUBA_PAGE_GESTIONEMAIL_PASSWORD] = {
		.site = ARUBA_GESTIONEMAIL, .what = "password change", .reach = ARUBA_REACH_GET,
		.path_key = "password_path", .path = "/cambio-password",
		.action_key = "password_action",
		.form_id_key = "password_form_id", .form_id = "cambio-password",
		.fields = own_password, .text = ARUBA_PASSWORD_RULES,
	},
	[ARUBA_PAGE_GESTIONEMAIL_HISTORY] = {
		.site = ARUBA_GESTIONEMAIL, .what = "access history", .reach = ARUBA_REACH_GET,
		.path_key = "history_path", .path = "/accessi", .elements = history_elements,
	},
	[ARUBA_PAGE_DOMAIN_LIST] = {
		.site = ARUBA_GESTIONEMAIL, .what = "domain mailbox list", .reach = ARUBA_REACH_GET,
		.path_key = "domain_list_path", .path = "/dominio/caselle",
		.elements = domain_list_elements, .postmaster_only = 1,
	},
	[ARUBA_PAGE_DOMAIN_PASSWORD] = {
		.site = ARUBA_GESTIONEMAIL, .what = "domain mailbox password change",
		.reach = ARUBA_REACH_LINK, .reached_how = "a mailbox's link on the domain mailbox list",
		.form_id_key = "password_form_id", .form_id = "cambio-password",
		.fields = set_password, .text = ARUBA_PASSWORD_RULES, .postmaster_only = 1,
	},
	[ARUBA_PAGE_ACCOUNT_LOGIN] = {
		.site = ARUBA_ACCOUNT, .what = "login", .reach = ARUBA_REACH_ANONYMOUS,
		.path_key = "login_path", .path = "/pec",
		.action_key = "login_action", .action = "/pec/login",
		.form_id_key = "login_form_id", .form_id = "login", .fields = casella_login,
	},
	[ARUBA_PAGE_ACCOUNT_HOME] = {
		.site = ARUBA_ACCOUNT, .what = "contacts", .reach = ARUBA_REACH_GET,
		.path_key = "home_path", .path = "/pec/home", .elements = home_elements,
	},
	[ARUBA_PAGE_CONTACTS] = {
		.site = ARUBA_ACCOUNT, .what = "contacts change", .reach = ARUBA_REACH_GET,
		.path_key = "contacts_path", .path = "/pec/contatti",
		.action_key = "contacts_action",
		.form_id_key = "contacts_form_id", .form_id = "contatti", .fields = contact_fields,
	},
	[ARUBA_PAGE_CONTACTS_VERIFY] = {
		.site = ARUBA_ACCOUNT, .what = "contact verification", .reach = ARUBA_REACH_POST,
		.reached_how = "shown only after a contacts change",
		.action_key = "contacts_verify_action", .action = "/pec/contatti/verifica",
		.form_id_key = "contacts_verify_form_id", .fields = code_fields,
	},
	[ARUBA_PAGE_ACCOUNT_PASSWORD] = {
		.site = ARUBA_ACCOUNT, .what = "password change", .reach = ARUBA_REACH_GET,
		.path_key = "password_path", .path = "/pec/password",
		.action_key = "password_action",
		.form_id_key = "password_form_id", .form_id = "cambio-password",
		.fields = own_password, .text = ARUBA_PASSWORD_RULES,
	},
	[ARUBA_PAGE_APP_PASSWORD] = {
		.site = ARUBA_ACCOUNT, .what = "password for mail programs", .reach = ARUBA_REACH_GET,
		.path_key = "app_password_path", .path = "/pec/password-programmi",
		.elements = app_password_elements,
		.text_instead = ARUBA_TEXT_APP_PASSWORD_NEEDS_TWOFA,
	},
	[ARUBA_PAGE_TWOFA] = {
		/* its form (Disattiva) is there only while two-step is on */
		.site = ARUBA_ACCOUNT, .what = "two-step verification", .reach = ARUBA_REACH_GET,
		.path_key = "twofa_path", .path = "/pec/verifica-2-passaggi",
		.action_key = "twofa_disable_action", .action = "/pec/verifica-2-passaggi/disattiva",
		.form_id_key = "twofa_disable_form_id", .elements = twofa_elements,
	},
	[ARUBA_PAGE_EXPIRY] = {
		.site = ARUBA_ACCOUNT, .what = "password expiry", .reach = ARUBA_REACH_GET,
		.path_key = "expiry_path", .path = "/pec/password/scadenza",
		.action_key = "expiry_action",
		.form_id_key = "expiry_form_id", .form_id = "scadenza-password",
		.fields = expiry_fields,
	},
	[ARUBA_PAGE_ACCOUNT_HISTORY] = {
		.site = ARUBA_ACCOUNT, .what = "access history", .reach = ARUBA_REACH_GET,
		.path_key = "history_path", .path = "/pec/storico-accessi", .elements = history_elements,
	},
	[ARUBA_PAGE_AREACLIENTI_LOGIN] = {
		.site = ARUBA_AREACLIENTI, .what = "login", .reach = ARUBA_REACH_ANONYMOUS,
		.path_key = "login_path", .path = "/",
		.action_key = "login_action", .action = "/login",
		.form_id_key = "login_form_id", .form_id = "login", .fields = username_login,
	},
	[ARUBA_PAGE_AREACLIENTI_HOME] = {
		.site = ARUBA_AREACLIENTI, .what = "holder profile", .reach = ARUBA_REACH_GET,
		.path_key = "home_path", .path = "/home", .elements = holder_elements,
	},
	[ARUBA_PAGE_PROFILE] = {
		/* the form posts to the page itself */
		.site = ARUBA_AREACLIENTI, .what = "holder profile update", .reach = ARUBA_REACH_LINK,
		.reached_how = "the \"Correggi i dati\" link of the holder profile",
		.form_id_key = "profile_form_id", .form_id = "profilo", .fields = profile_fields,
	},
	[ARUBA_PAGE_SERVICES] = {
		.site = ARUBA_AREACLIENTI, .what = "services", .reach = ARUBA_REACH_OTHER_LOGIN,
		.reached_how = "with an Aruba account's login (aruba_account)",
		.path_key = "services_path", .path = "/servizi", .elements = services_elements,
	},
};

const struct aruba_page_spec *aruba_login_spec(enum aruba_site site)
{
	switch (site) {
	case ARUBA_GESTIONEMAIL:
		return &aruba_pages[ARUBA_PAGE_GESTIONEMAIL_LOGIN];
	case ARUBA_ACCOUNT:
		return &aruba_pages[ARUBA_PAGE_ACCOUNT_LOGIN];
	case ARUBA_AREACLIENTI:
		return &aruba_pages[ARUBA_PAGE_AREACLIENTI_LOGIN];
	default:
		return NULL;
	}
}

static const char *spec_config(struct pecctl_call *call, const struct aruba_page_spec *spec,
			       const char *key, const char *fallback)
{
	return key ? aruba_config(call, spec->site, key, fallback) : fallback;
}

const char *aruba_spec_path(struct pecctl_call *call, const struct aruba_page_spec *spec)
{
	return spec_config(call, spec, spec->path_key, spec->path);
}

const char *aruba_spec_action(struct pecctl_call *call, const struct aruba_page_spec *spec)
{
	return spec_config(call, spec, spec->action_key,
			   spec->action ? spec->action : aruba_spec_path(call, spec));
}

const char *aruba_spec_form_id(struct pecctl_call *call, const struct aruba_page_spec *spec)
{
	return spec_config(call, spec, spec->form_id_key, spec->form_id);
}

struct aruba_step aruba_spec_step(struct pecctl_call *call, const struct aruba_page_spec *spec)
{
	struct aruba_step step;

	memset(&step, 0, sizeof(step));
	step.site = spec->site;
	step.what = spec->what;
	step.page = spec->reach == ARUBA_REACH_GET || spec->reach == ARUBA_REACH_ANONYMOUS
		    ? aruba_spec_path(call, spec) : NULL;
	step.action = aruba_spec_action(call, spec);
	step.form_id = aruba_spec_form_id(call, spec);
	step.anonymous = spec->reach == ARUBA_REACH_ANONYMOUS;
	step.spec = spec;
	return step;
}

int aruba_spec_has_field(const struct aruba_page_spec *spec, const char *name)
{
	size_t i;

	for (i = 0; spec->fields && spec->fields[i]; i++)
		if (strcmp(spec->fields[i], name) == 0)
			return 1;
	return 0;
}

int aruba_is_postmaster(const char *address)
{
	return strncasecmp(address, "postmaster@", 11) == 0;
}
