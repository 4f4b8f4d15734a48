/* A plugin whose provider is malformed (no domains): register_provider must
 * refuse it with the reason, and the init failure must be reported. */
#include <pecctl/plugin.h>

PECCTL_PLUGIN_DECLARE();

static int noop(struct pecctl_call *call, const cJSON *args, cJSON **result,
		struct pecctl_error *err)
{
	(void)call;
	(void)args;
	(void)result;
	pecctl_error_set(err, PECCTL_E_UNSUPPORTED, "nothing here");
	return -1;
}

static const struct pecctl_operation ops[] = { { "login", "nothing", 0, noop } };

static const struct pecctl_provider broken = {
	.size = sizeof(struct pecctl_provider),
	.name = "broken",
	.title = "Broken",
	.domains = NULL,
	.operations = ops,
	.n_operations = 1,
};

int pecctl_plugin_init(const struct pecctl_host *host, struct pecctl_registry *reg)
{
	return host->register_provider(reg, &broken);
}
