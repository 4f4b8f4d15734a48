/*
 * Aruba PEC provider plugin: what it is, what it serves, its password rules
 * and its operations. The procedures themselves live one per file.
 */
#include "aruba.h"

PECCTL_PLUGIN_DECLARE();

const struct pecctl_host *aruba_host;

static const char *const aruba_domains[] = { "pec.it", NULL };

static const char *const aruba_hosts[] = {
	"gestionemail.pec.it", "account.aruba.it", "webmail.pec.it", "areaclienti.pec.it", NULL
};

/* Seed aruba-password-change.txt, in the portal's own words. */
static const struct pecctl_password_policy aruba_policy = {
	.size = sizeof(struct pecctl_password_policy),
	.min_length = 8,
	.max_length = 20,
	.allowed_specials = ".-",
	.letters_allowed = 1,
	.digits_allowed = 1,
	.forbid_current = 1,
	.description = ARUBA_PASSWORD_RULES,
};

int aruba_op_twofa_enable(struct pecctl_call *, const cJSON *, cJSON **, struct pecctl_error *); /* twofa_enable.c */

static const struct pecctl_operation aruba_operations[] = {
	{ "login", "log in to one Aruba site (args: site)", 0, aruba_op_login },
	{ "logout", "end every Aruba session of this mailbox", 0, aruba_op_logout },
	{ "change_password", "change the mailbox password (GestioneMail, or via=account)", 1,
	  aruba_op_change_password },
	{ "domain_password_set", "set a PEC-on-own-domain mailbox password as its postmaster", 1,
	  aruba_op_domain_password_set },
	{ "app_password_status", "state and expiry of the password for mail programs", 0,
	  aruba_op_app_password_status },
	{ "app_password_create", "generate the password for mail programs (two-step on)", 1,
	  aruba_op_app_password_create },
	{ "app_password_regenerate", "replace the password for mail programs", 1,
	  aruba_op_app_password_regenerate },
	{ "app_password_extend", "extend the validity of the password for mail programs", 1,
	  aruba_op_app_password_extend },
	{ "twofa_status", "whether two-step verification is on, and the paired device", 0,
	  aruba_op_twofa_status },
	{ "twofa_disable", "turn two-step verification off (webmail → Gestione account, push)", 1,
	  aruba_op_twofa_disable },
	{ "twofa_enable", "turn two-step verification on (SMS code, then pair the app)", 1, aruba_op_twofa_enable },
	{ "contacts_get", "the account's reference email and mobile, and whether verified", 0,
	  aruba_op_contacts_get },
	{ "contacts_update", "change the reference email and mobile (codes by email and SMS)", 1,
	  aruba_op_contacts_update },
	{ "password_expiry_get", "the password expiry settings", 0, aruba_op_password_expiry_get },
	{ "password_expiry_set", "set the password expiry and its notice", 1,
	  aruba_op_password_expiry_set },
	{ "profile_get", "the holder profile (Area clienti)", 0, aruba_op_profile_get },
	{ "profile_update", "correct the holder profile (Area clienti)", 1, aruba_op_profile_update },
	{ "access_history", "the login history (Storico accessi)", 0, aruba_op_access_history },
	{ "doctor", "check every page the plugin uses, changing nothing", 0, aruba_op_doctor },
};

static const struct pecctl_provider aruba_provider = {
	.size = sizeof(struct pecctl_provider),
	.name = "aruba",
	.title = "Aruba PEC",
	.domains = aruba_domains,
	.hosts = aruba_hosts,
	.policy = &aruba_policy,
	.logins_per_minute = 20,
	.max_concurrency = 8,
	.may_need_human = 1,
	.operations = aruba_operations,
	.n_operations = sizeof(aruba_operations) / sizeof(aruba_operations[0]),
};

int pecctl_plugin_init(const struct pecctl_host *host, struct pecctl_registry *reg)
{
	aruba_host = host;
	return host->register_provider(reg, &aruba_provider);
}
