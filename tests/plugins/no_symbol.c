/* A plugin that forgot PECCTL_PLUGIN_DECLARE(): no pecctl_plugin_abi_version,
 * so the loader cannot tell its ABI and must refuse it, naming the symbol. */
#include <pecctl/plugin.h>

int pecctl_plugin_init(const struct pecctl_host *host, struct pecctl_registry *reg)
{
	(void)host;
	(void)reg;
	__builtin_trap();
}
