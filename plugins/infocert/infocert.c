/*
 * InfoCert Legalmail provider plugin: what it is, what it serves, its
 * password rules and its operations. The procedures live one concern per
 * file. There is no password for mail programs on Legalmail, so no
 * app_password_* operation: the core reports those as unsupported.
 *
 * Settings (config file, "key = value"), all optional:
 *   infocert.api_base               https://webmail.infocert.it/legalmail/api/v1
 *   infocert.path.<name>            login, mfa, logout, account, password, recovery,
 *                                   recovery_verify, mfa_disable, holder, access_log
 *                                   (the documented paths, e.g. /auth/login)
 *   infocert.mfa_method             push | otp, when the portal offers both (push)
 *   infocert.push_timeout_s         how long to wait for an app approval (125)
 *   infocert.poll_interval_ms       how often to ask whether it came (2000)
 *   infocert.code_attempts          codes asked for before giving up (3)
 *   infocert.rate_limit_max_wait_s  longest Retry-After waited out (60)
 *   infocert.rate_limit_retries     429s waited out per request (3)
 *   infocert.access_log_max_pages   cap on access_history pages (100)
 */
#include <stddef.h>
#include "infocert.h"

PECCTL_PLUGIN_DECLARE();

const struct pecctl_host *infocert_host;

static const char *const infocert_domains[] = { "legalmail.it", NULL };

const char infocert_hosts_main[] = "webmail.infocert.it";

static const char *const infocert_hosts[] = { infocert_hosts_main, NULL };

/* Legalmail's rules (the portal contract in tests/sandbox/README.md, from InfoCert's help pages). */
static const struct pecctl_password_policy infocert_policy = {
	.size = sizeof(struct pecctl_password_policy),
	.min_length = 8,
	.max_length = 32,
	.allowed_specials = "!#$%&()*+,-./:;=?@[]_{|}",
	.letters_allowed = 1,
	.digits_allowed = 1,
	.require_upper = 1,
	.require_lower = 1,
	.require_digit = 1,
	.forbid_current = 1,
	.forbid_userid = 1,
	.history = 5,
	.description = "La password deve contenere da 8 a 32 caratteri, almeno una lettera "
		       "maiuscola, una minuscola e un numero; può contenere solo i caratteri "
		       "speciali !#$%&()*+,-./:;=?@[]_{|}; non può contenere il codice utente né "
		       "il nome della casella e non può essere uguale a una delle ultime 5 password.",
};

static const struct pecctl_operation infocert_operations[] = {
	{ "login", "log in by address or user id (args: username, mfa=push|otp)", 0,
	  infocert_op_login },
	{ "logout", "end the Legalmail session", 0, infocert_op_logout },
	{ "change_password", "change the mailbox password (Account → Salva password)", 1,
	  infocert_op_change_password },
	{ "twofa_status", "whether strong authentication is on, and its methods", 0,
	  infocert_op_twofa_status },
	{ "twofa_disable", "turn strong authentication off (confirmed in the app or by code)", 1,
	  infocert_op_twofa_disable },
	{ "contacts_get", "the recovery email, mobile and security question", 0,
	  infocert_op_contacts_get },
	{ "contacts_update", "change the recovery email, mobile, question (SMS code)", 1,
	  infocert_op_contacts_update },
	{ "profile_get", "the holder data", 0, infocert_op_profile_get },
	{ "profile_update", "correct the holder data", 1, infocert_op_profile_update },
	{ "access_history", "the login history, every page", 0, infocert_op_access_history },
	{ "doctor", "check every API answer the plugin reads, changing nothing", 0,
	  infocert_op_doctor },
};

static const struct pecctl_provider infocert_provider = {
	.size = sizeof(struct pecctl_provider),
	.name = "infocert",
	.title = "InfoCert Legalmail",
	.domains = infocert_domains,
	.hosts = infocert_hosts,
	.policy = &infocert_policy,
	.logins_per_minute = 20,
	.max_concurrency = 8,
	.may_need_human = 1,
	.operations = infocert_operations,
	.n_operations = sizeof(infocert_operations) / sizeof(infocert_operations[0]),
};

int pecctl_plugin_init(const struct pecctl_host *host, struct pecctl_registry *reg)
{
	/* every entry used here is in ABI 1.0; a host table shorter than that
	 * would be a broken host, not an old one */
	if (host->size < offsetof(struct pecctl_host, sleep_ms) + sizeof(host->sleep_ms))
		return -1;
	infocert_host = host;
	return host->register_provider(reg, &infocert_provider);
}
