/* Logging out: end every Aruba session this account opened. */
#include "aruba.h"

int aruba_op_logout(struct pecctl_call *call, const cJSON *args, cJSON **result,
		    struct pecctl_error *err)
{
	cJSON *sites = cJSON_CreateArray();
	int i;

	(void)args;
	(void)err;
	for (i = 0; i < ARUBA_SITE_COUNT; i++) {
		enum aruba_site site = (enum aruba_site)i;
		struct pecctl_error ignored = { 0 };

		if (!aruba_logged_in_user(call, site))
			continue;
		/* best effort: a session that cannot be ended still expires */
		if (aruba_logout_site(call, site, &ignored) != 0)
			aruba_log(call, PECCTL_LOG_DEBUG, "logout from %s: %s", aruba_site_host(site),
				  ignored.message);
		cJSON_AddItemToArray(sites, cJSON_CreateString(aruba_site_host(site)));
	}
	*result = cJSON_CreateObject();
	cJSON_AddItemToObject(*result, "logged_out", sites);
	return 0;
}
