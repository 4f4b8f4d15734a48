/* pecctl providers [--json] [NAME...]: what each loaded plugin offers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cjson/cJSON.h>

#include "cli.h"
#include "exitcode.h"
#include "options.h"
#include "policy.h"
#include "registry.h"

static void print_list(const char *label, const char *const *items)
{
	size_t i;

	printf("  %-13s", label);
	if (!items || !items[0])
		fputs("(none)", stdout);
	for (i = 0; items && items[i]; i++)
		printf("%s%s", i ? ", " : "", items[i]);
	putchar('\n');
}

static void print_provider(const struct pecctl_provider *p, const char *file)
{
	const struct pecctl_password_policy *pol = p->policy;
	char summary[1024];
	size_t i, width = 0;

	printf("%s (%s)\n", p->name, p->title);
	printf("  %-13s%s\n", "plugin:", file);
	print_list("domains:", p->domains);
	print_list("hosts:", p->hosts);

	printf("  %-13s", "rate limits:");
	if (p->logins_per_minute > 0)
		printf("%d logins/minute", p->logins_per_minute);
	else
		fputs("no login limit", stdout);
	if (p->max_concurrency > 0)
		printf(", %d mailbox%s at once\n", p->max_concurrency,
		       p->max_concurrency == 1 ? "" : "es");
	else
		fputs(", no concurrency limit\n", stdout);
	printf("  %-13s%s\n", "human:", p->may_need_human
	       ? "logins may need a push approval or a one-time code"
	       : "logins never need a human");

	printf("  %-13s", "password:");
	if (pol) {
		policy_summary(pol, summary, sizeof(summary));
		printf("%s\n", summary);
		if (pol->description && *pol->description)
			printf("  %-13s\"%s\"\n", "", pol->description);
	} else {
		fputs("no policy declared (nothing is checked before sending)\n", stdout);
	}

	printf("  operations:\n");
	for (i = 0; i < p->n_operations; i++)
		if (strlen(p->operations[i].name) > width)
			width = strlen(p->operations[i].name);
	for (i = 0; i < p->n_operations; i++) {
		const struct pecctl_operation *op = &p->operations[i];
		printf("    %-*s  %s%s\n", (int)width, op->name, op->summary ? op->summary : "",
		       op->changes_state ? " (changes state)" : "");
	}
}

static cJSON *string_array(const char *const *items)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; items && items[i]; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(items[i]));
	return a;
}

static cJSON *policy_json(const struct pecctl_password_policy *pol)
{
	cJSON *o;
	char summary[1024];

	if (!pol)
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "min_length", pol->min_length);
	cJSON_AddNumberToObject(o, "max_length", pol->max_length);
	cJSON_AddBoolToObject(o, "letters_allowed", pol->letters_allowed);
	cJSON_AddBoolToObject(o, "digits_allowed", pol->digits_allowed);
	cJSON_AddStringToObject(o, "allowed_specials", pol->allowed_specials ? pol->allowed_specials : "");
	cJSON_AddBoolToObject(o, "require_upper", pol->require_upper);
	cJSON_AddBoolToObject(o, "require_lower", pol->require_lower);
	cJSON_AddBoolToObject(o, "require_digit", pol->require_digit);
	cJSON_AddBoolToObject(o, "require_special", pol->require_special);
	cJSON_AddBoolToObject(o, "forbid_current", pol->forbid_current);
	cJSON_AddBoolToObject(o, "forbid_userid", pol->forbid_userid);
	cJSON_AddNumberToObject(o, "history", pol->history);
	policy_summary(pol, summary, sizeof(summary));
	cJSON_AddStringToObject(o, "summary", summary);
	if (pol->description)
		cJSON_AddStringToObject(o, "description", pol->description);
	else
		cJSON_AddNullToObject(o, "description");
	return o;
}

static cJSON *provider_json(const struct pecctl_provider *p, const char *file)
{
	cJSON *o = cJSON_CreateObject(), *ops, *limits;
	size_t i;

	cJSON_AddStringToObject(o, "name", p->name);
	cJSON_AddStringToObject(o, "title", p->title);
	cJSON_AddStringToObject(o, "plugin", file);
	cJSON_AddItemToObject(o, "domains", string_array(p->domains));
	cJSON_AddItemToObject(o, "hosts", string_array(p->hosts));
	cJSON_AddItemToObject(o, "password_policy", policy_json(p->policy));
	limits = cJSON_AddObjectToObject(o, "rate_limits");
	cJSON_AddNumberToObject(limits, "logins_per_minute", p->logins_per_minute);
	cJSON_AddNumberToObject(limits, "max_concurrency", p->max_concurrency);
	cJSON_AddBoolToObject(o, "may_need_human", p->may_need_human);
	ops = cJSON_AddArrayToObject(o, "operations");
	for (i = 0; i < p->n_operations; i++) {
		cJSON *op = cJSON_CreateObject();
		cJSON_AddStringToObject(op, "name", p->operations[i].name);
		cJSON_AddStringToObject(op, "summary", p->operations[i].summary ? p->operations[i].summary : "");
		cJSON_AddBoolToObject(op, "changes_state", p->operations[i].changes_state);
		cJSON_AddItemToArray(ops, op);
	}
	return o;
}

/* 1 when p is among the names asked for (all when none were). */
static int wanted(const struct pecctl_provider *p, char **names, int n_names)
{
	int i;

	if (n_names == 0)
		return 1;
	for (i = 0; i < n_names; i++)
		if (strcasecmp(names[i], p->name) == 0)
			return 1;
	return 0;
}

static int run_providers(int argc, char **argv)
{
	int json = 0, options_done = 0, n_names = 0, i, shown = 0;
	char **names;
	size_t k, n;
	cJSON *list = NULL;

	if (cli_help_requested(&command_providers, argc, argv))
		return cli_finish_stdout(0);
	/* Names are collected in place: argv[1..n_names]. */
	names = argv + 1;
	for (i = 1; i < argc; i++) {
		if (!options_done && strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (!options_done && strcmp(argv[i], "--") == 0)
			options_done = 1;
		else if (!options_done && argv[i][0] == '-')
			return cli_usage_error(&command_providers, "unknown option '%s'", argv[i]);
		else
			names[n_names++] = argv[i];
	}

	plugins_load_path(pecctl_opts.plugin_path);
	n = registry_count();

	for (i = 0; i < n_names; i++) {
		if (!registry_find(names[i])) {
			fprintf(stderr, "pecctl providers: no provider named '%s' is loaded; "
				"'pecctl providers' lists those found in %s\n", names[i],
				pecctl_opts.plugin_path ? pecctl_opts.plugin_path : "the plugin path");
			return EXIT_USAGE;
		}
	}

	if (json)
		list = cJSON_CreateArray();
	for (k = 0; k < n; k++) {
		const struct pecctl_provider *p = registry_get(k);
		if (!wanted(p, names, n_names))
			continue;
		if (json) {
			cJSON_AddItemToArray(list, provider_json(p, registry_plugin_file(k)));
		} else {
			if (shown)
				putchar('\n');
			print_provider(p, registry_plugin_file(k));
		}
		shown++;
	}
	if (json) {
		char *text = cJSON_Print(list);
		if (!text)
			abort();
		fputs(text, stdout);
		putchar('\n');
		free(text);
		cJSON_Delete(list);
	}
	if (n == 0) {
		fprintf(stderr, "pecctl providers: no provider is loaded from %s; a refused plugin "
			"is named above; build the plugins with 'make' or point --plugin-path at "
			"the directory holding the .so files\n",
			pecctl_opts.plugin_path ? pecctl_opts.plugin_path : "the plugin path");
		return cli_finish_stdout(EXIT_CONFIG);
	}
	return cli_finish_stdout(0);
}

const struct command command_providers = {
	"providers",
	"list the providers the plugins offer, with their domains, operations and policies",
	"usage: pecctl providers [--json] [NAME...]\n"
	"\n"
	"List every provider registered by the plugins found in the plugin path\n"
	"(--plugin-path, PECCTL_PLUGIN_PATH): its mailbox domains, the hosts it\n"
	"talks to, its operations, its password policy, its rate limits and\n"
	"whether its logins may need a human (push approval or one-time code).\n"
	"Plugins that are refused (wrong ABI, unsafe permissions, not in the\n"
	"allow-list) are reported on stderr with the reason.\n"
	"\n"
	"    --json    print a JSON array, one object per provider\n"
	"    NAME...   show only these providers\n"
	"\n"
	"Exit status: 0, 64 for an unknown provider name, 78 when no provider\n"
	"plugin is found.\n",
	run_providers,
};
