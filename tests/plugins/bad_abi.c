/* A plugin built for an ABI this pecctl does not provide: the loader must
 * refuse it before calling init, naming the file and both versions. Major
 * 99 by default; -DBAD_ABI_MAJOR=1 -DBAD_ABI_MINOR=99 makes a newer minor. */
#include <pecctl/plugin.h>

#ifndef BAD_ABI_MAJOR
#define BAD_ABI_MAJOR 99
#endif
#ifndef BAD_ABI_MINOR
#define BAD_ABI_MINOR 0
#endif

const uint32_t pecctl_plugin_abi_version = PECCTL_MAKE_VERSION(BAD_ABI_MAJOR, BAD_ABI_MINOR);

int pecctl_plugin_init(const struct pecctl_host *host, struct pecctl_registry *reg)
{
	(void)host;
	(void)reg;
	/* Never reached: a loader that calls init anyway crashes the test. */
	__builtin_trap();
}
