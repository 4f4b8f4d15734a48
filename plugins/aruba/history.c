/*
 * "Storico accessi": every login attempt on the mailbox, newest first, 20 a
 * page, read page after page by following a[rel=next]. Gestione account
 * shows it by default; GestioneMail's "Accessi" (args.site) has the same
 * table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aruba.h"

/* A history of thousands of pages is a loop, not a history. */
#define HISTORY_MAX_PAGES 500

#define XPATH_ROWS ARUBA_XPATH_HISTORY_TABLE "//tr[count(td) >= 4]"

static const char *const columns[] = { "time", "ip", "service", "outcome" };
#define N_COLUMNS (sizeof(columns) / sizeof(columns[0]))

/* Append the page's rows to entries; the number added, -1 on a bad date. */
static int read_rows(const struct aruba_page *page, cJSON *entries, struct pecctl_error *err)
{
	cJSON *cells[N_COLUMNS];
	int rows, r, rc = 0;
	size_t c;

	for (c = 0; c < N_COLUMNS; c++) {
		char expr[96];

		snprintf(expr, sizeof(expr), XPATH_ROWS "/td[%zu]", c + 1);
		cells[c] = aruba_page_strings(page, expr);
	}
	rows = cJSON_GetArraySize(cells[0]);
	for (r = 0; r < rows && rc == 0; r++) {
		cJSON *entry = cJSON_CreateObject();

		for (c = 0; c < N_COLUMNS; c++) {
			const cJSON *cell = cJSON_GetArrayItem(cells[c], r);
			const char *text = cJSON_IsString(cell) ? cell->valuestring : "";
			char iso[24];

			while (*text == ' ' || *text == '\n' || *text == '\t')
				text++;
			if (c == 0) {
				if (aruba_iso_date(text, iso, sizeof(iso)) != 0 || !strchr(iso, 'T')) {
					rc = aruba_fail(err, PECCTL_E_PORTAL_CHANGED,
							"\"%.40s\" in table#storico on %s is not a "
							"DD/MM/YYYY HH:MM time", text, aruba_page_url(page));
					break;
				}
				text = iso;
			}
			cJSON_AddStringToObject(entry, columns[c], text);
		}
		cJSON_AddItemToArray(entries, entry);
	}
	for (c = 0; c < N_COLUMNS; c++)
		cJSON_Delete(cells[c]);
	return rc == 0 ? rows : -1;
}

static long max_pages_arg(const cJSON *args, struct pecctl_error *err)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(args, "max_pages");

	if (!item)
		return HISTORY_MAX_PAGES;
	if (!cJSON_IsNumber(item) || item->valuedouble < 1 || item->valuedouble > HISTORY_MAX_PAGES) {
		aruba_fail(err, PECCTL_E_INVALID, "\"max_pages\" must be a number from 1 to %d",
			   HISTORY_MAX_PAGES);
		snprintf(err->field, sizeof(err->field), "max_pages");
		return -1;
	}
	return (long)item->valuedouble;
}

int aruba_op_access_history(struct pecctl_call *call, const cJSON *args, cJSON **result,
			    struct pecctl_error *err)
{
	struct aruba_page page = { 0 };
	enum aruba_site site;
	long max_pages = max_pages_arg(args, err), pages = 0;
	char *url = NULL, *next = NULL;
	cJSON *entries;
	int rc = -1;

	if (max_pages < 0 || aruba_site_arg(args, ARUBA_ACCOUNT, &site, err) != 0)
		return -1;
	if (site != ARUBA_ACCOUNT && site != ARUBA_GESTIONEMAIL)
		return aruba_fail(err, PECCTL_E_INVALID,
				  "the access history is on account or gestionemail");
	url = aruba_url(call, site, aruba_spec_path(call, &aruba_pages[
		site == ARUBA_ACCOUNT ? ARUBA_PAGE_ACCOUNT_HISTORY : ARUBA_PAGE_GESTIONEMAIL_HISTORY]));
	if (!url)
		return aruba_fail(err, PECCTL_E_INTERNAL, "out of memory");
	entries = cJSON_CreateArray();
	while (url && pages < max_pages) {
		if (aruba_open(call, site, NULL, url, &page, err) != 0)
			goto out;
		if (!aruba_page_has(&page, ARUBA_XPATH_HISTORY_TABLE)) {
			aruba_portal_changed(err, &page, "the access history (table#storico)");
			goto out;
		}
		if (read_rows(&page, entries, err) < 0)
			goto out;
		pages++;
		next = aruba_page_text(&page, "(//a[@rel='next'])[1]/@href");
		free(url);
		url = next ? aruba_resolve(aruba_page_url(&page), next) : NULL;
		free(next);
		next = NULL;
	}
	*result = cJSON_CreateObject();
	cJSON_AddItemToObject(*result, "entries", entries);
	entries = NULL;
	cJSON_AddNumberToObject(*result, "pages", (double)pages);
	/* a next link left unfollowed: the caller asked for fewer pages */
	cJSON_AddBoolToObject(*result, "complete", url == NULL);
	rc = 0;
out:
	cJSON_Delete(entries);
	free(url);
	aruba_page_release(&page);
	return rc;
}
