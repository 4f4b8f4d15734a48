#ifndef PECCTL_REGISTRY_H
#define PECCTL_REGISTRY_H
#include "pecctl/plugin.h"

/* Providers registered by the plugins loaded so far. Plugins are opened
 * RTLD_NOW|RTLD_LOCAL and never unloaded, so entries live until exit. */

/* The host-API table handed to every plugin (host.c). */
extern const struct pecctl_host pecctl_host_table;

/* Load every *.so in each directory of a colon-separated list. A plugin
 * that is refused (ABI, permissions, missing symbol, init failure) is
 * reported on the log naming the file and the reason, and skipped; the
 * return value is the number refused. */
int plugins_load_path(const char *path_list);
/* Load one plugin file; 0, or -1 and err saying why it was refused. */
int plugin_load_file(const char *path, struct pecctl_error *err);

/* host->register_provider: validates and adds a provider during init. */
int registry_register_provider(struct pecctl_registry *reg, const struct pecctl_provider *p);

size_t registry_count(void);
const struct pecctl_provider *registry_get(size_t i);
const char *registry_plugin_file(size_t i);  /* the .so it came from */
const struct pecctl_provider *registry_find(const char *name);
/* The provider serving a mailbox address by its domain; NULL when none. */
const struct pecctl_provider *registry_for_account(const char *address);
const struct pecctl_operation *provider_operation(const struct pecctl_provider *p, const char *name);

#endif
