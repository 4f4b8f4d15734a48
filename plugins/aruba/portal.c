/*
 * The four Aruba sites, their URLs (overridable through the config) and
 * fetched pages: GET/POST through the account's session, parse, query.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aruba.h"

struct site_info {
	const char *key;   /* config prefix and the name users type */
	const char *host;  /* the real host name */
};

static const struct site_info sites[ARUBA_SITE_COUNT] = {
	[ARUBA_GESTIONEMAIL] = { "gestionemail", "gestionemail.pec.it" },
	[ARUBA_ACCOUNT] = { "account", "account.aruba.it" },
	[ARUBA_WEBMAIL] = { "webmail", "webmail.pec.it" },
	[ARUBA_AREACLIENTI] = { "areaclienti", "areaclienti.pec.it" },
};

const char *aruba_site_key(enum aruba_site site)
{
	return sites[site].key;
}

const char *aruba_site_host(enum aruba_site site)
{
	return sites[site].host;
}

/* "site<infix>name" into key; 0, or -1 when it does not fit. Without
 * snprintf: the operations look their settings up a dozen times a mailbox. */
static int site_key(char *key, size_t cap, enum aruba_site site, const char *infix, const char *name)
{
	size_t ns = strlen(sites[site].key), ni = strlen(infix), nn = strlen(name);

	if (ns + ni + nn >= cap)
		return -1;
	memcpy(key, sites[site].key, ns);
	memcpy(key + ns, infix, ni);
	memcpy(key + ns + ni, name, nn + 1);
	return 0;
}

const char *aruba_config(struct pecctl_call *call, enum aruba_site site, const char *name,
			 const char *fallback)
{
	char key[160];

	if (site_key(key, sizeof(key), site, ".", name) != 0)
		return fallback;
	return aruba_host->config(call, key, fallback);
}

const char *aruba_field(struct pecctl_call *call, enum aruba_site site, const char *name)
{
	char key[160];

	if (site_key(key, sizeof(key), site, ".field.", name) != 0)
		return name;
	return aruba_host->config(call, key, name);
}

char *aruba_strdup_printf(const char *fmt, ...)
{
	va_list ap;
	char *out;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	out = malloc((size_t)n + 1);
	if (!out)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(out, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return out;
}

/* Length of "scheme://authority" at the start of url, 0 when it has none. */
static size_t origin_length(const char *url)
{
	const char *sep = strstr(url, "://");

	if (!sep || sep != url + strcspn(url, ":/?#"))
		return 0;
	sep += 3;
	return (size_t)(sep - url) + strcspn(sep, "/?#");
}

char *aruba_url(struct pecctl_call *call, enum aruba_site site, const char *path)
{
	char fallback[96];
	const char *base;
	size_t blen;

	if (origin_length(path))
		return strdup(path);
	snprintf(fallback, sizeof(fallback), "https://%s", sites[site].host);
	base = aruba_config(call, site, "base_url", fallback);
	blen = strlen(base);
	/* "https://host/" + "/pec" must not give a double slash */
	if (blen && base[blen - 1] == '/' && path[0] == '/')
		blen--;
	return aruba_strdup_printf("%.*s%s", (int)blen, base, path);
}

char *aruba_resolve(const char *page_url, const char *href)
{
	size_t origin = origin_length(page_url), path_end, dir_end;

	if (origin_length(href))
		return strdup(href);
	if (href[0] == '/' && href[1] == '/') {
		/* scheme-relative: keep the page's scheme */
		const char *colon = strchr(page_url, ':');

		return aruba_strdup_printf("%.*s:%s", colon ? (int)(colon - page_url) : 5,
					   colon ? page_url : "https", href);
	}
	if (href[0] == '/')
		return aruba_strdup_printf("%.*s%s", (int)origin, page_url, href);
	path_end = origin + strcspn(page_url + origin, "?#");
	if (href[0] == '?')
		return aruba_strdup_printf("%.*s%s", (int)path_end, page_url, href);
	if (href[0] == '#' || href[0] == '\0')
		return strndup(page_url, path_end);
	/* relative to the page's directory */
	dir_end = path_end;
	while (dir_end > origin && page_url[dir_end - 1] != '/')
		dir_end--;
	if (dir_end == origin)
		return aruba_strdup_printf("%.*s/%s", (int)origin, page_url, href);
	return aruba_strdup_printf("%.*s%s", (int)dir_end, page_url, href);
}

void aruba_page_release(struct aruba_page *page)
{
	if (page->form)
		aruba_host->form_free(page->form);
	free(page->form_key);
	page->form = NULL;
	page->form_key = NULL;
	if (page->doc)
		aruba_host->html_free(page->doc);
	if (page->resp)
		aruba_host->response_free(page->resp);
	page->doc = NULL;
	page->resp = NULL;
	page->status = 0;
	page->parsed = 0;
}

const char *aruba_page_url(const struct aruba_page *page)
{
	const char *url = page->resp ? aruba_host->response_url(page->resp) : NULL;

	return url ? url : "";
}

const char *aruba_page_body(const struct aruba_page *page, size_t *len)
{
	if (!page->resp) {
		if (len)
			*len = 0;
		return "";
	}
	return aruba_host->response_body(page->resp, len);
}

int aruba_page_mentions(const struct aruba_page *page, const char *needle)
{
	size_t len;
	const char *body = aruba_page_body(page, &len);

	return memmem(body, len, needle, strlen(needle)) != NULL;
}

/* JSON answers are not parsed as HTML: nobody queries them with XPath. */
static int is_html(const struct pecctl_response *resp)
{
	const char *type = aruba_host->response_header(resp, "Content-Type");

	return !type || strstr(type, "html") != NULL;
}

int aruba_page_adopt(struct aruba_page *page, struct pecctl_response *resp,
		     struct pecctl_error *err)
{
	(void)err;
	aruba_page_release(page);
	page->resp = resp;
	page->status = aruba_host->response_status(resp);
	return 0;
}

struct pecctl_html *aruba_page_doc(const struct aruba_page *page)
{
	/* the tree is a cache of the response: filling it in does not change
	 * the page, so queries keep taking a const page */
	struct aruba_page *p = (struct aruba_page *)page;
	const char *text;
	size_t len;

	if (p->parsed || !p->resp)
		return p->doc;
	p->parsed = 1;
	if (!is_html(p->resp))
		return NULL;
	text = aruba_host->response_body(p->resp, &len);
	p->doc = aruba_host->html_parse(text ? text : "", text ? len : 0,
					aruba_host->response_url(p->resp));
	return p->doc;
}

int aruba_fetch(struct pecctl_call *call, const char *method, const char *url,
		const char *const *headers, const char *body, size_t body_len,
		struct aruba_page *page, struct pecctl_error *err)
{
	struct pecctl_response *resp;

	aruba_page_release(page);
	aruba_drop_landing(call);
	if (aruba_host->http_request(call, method, url, headers, body, body_len, &resp, err) != 0)
		return -1;
	return aruba_page_adopt(page, resp, err);
}

/* More than this many seconds of Retry-After is reported, not waited. */
#define RATE_LIMIT_MAX_WAIT_S 60
#define RATE_LIMIT_RETRIES 3

static long retry_after_seconds(const struct aruba_page *page)
{
	const char *value = aruba_host->response_header(page->resp, "Retry-After");
	char *end;
	long seconds;

	if (!value)
		return 1;
	seconds = strtol(value, &end, 10);
	return end == value || seconds < 0 ? -1 : seconds;
}

int aruba_rate_limit_pause(struct pecctl_call *call, const struct aruba_page *page,
			   const char *what, int *retries, struct pecctl_error *err)
{
	long wait_s;

	if (page->status != 429 || *retries >= RATE_LIMIT_RETRIES)
		return 0;
	wait_s = retry_after_seconds(page);
	if (wait_s < 0 || wait_s > RATE_LIMIT_MAX_WAIT_S)
		return 0;
	(*retries)++;
	aruba_log(call, PECCTL_LOG_INFO, "%s: rate limited by %s, waiting %ld s", what,
		  aruba_page_url(page), wait_s);
	if (aruba_host->sleep_ms(call, wait_s * 1000) != 0)
		return aruba_fail(err, "interrupted", "%s: interrupted while rate limited", what);
	return 1;
}

/* What a GET of a page that should exist may answer instead of it. */
static int page_status_error(const struct aruba_page *page, struct pecctl_error *err)
{
	if (page->status == 404 || page->status == 410)
		return aruba_fail(err, PECCTL_E_PORTAL_CHANGED, "%s answered %ld: the page moved",
				  aruba_page_url(page), page->status);
	if (page->status >= 400) {
		if (aruba_page_error(page, err) == 0)
			aruba_fail(err, PECCTL_E_PORTAL, "%s answered %ld", aruba_page_url(page),
				   page->status);
		err->http_status = page->status;
		return -1;
	}
	return 0;
}

int aruba_open(struct pecctl_call *call, enum aruba_site site, const struct aruba_identity *who,
	       const char *path, struct aruba_page *page, struct pecctl_error *err)
{
	static const struct aruba_identity mailbox = { NULL, NULL };
	char *url = aruba_url(call, site, path);
	int attempt, rc = -1;

	if (!url)
		return aruba_fail(err, PECCTL_E_INTERNAL, "out of memory");
	if (aruba_ensure_login_as(call, site, who ? who : &mailbox, err) != 0)
		goto out;
	for (attempt = 0; attempt < 2; attempt++) {
		if (!(attempt == 0 && aruba_take_landing(call, url, page)) &&
		    aruba_fetch(call, "GET", url, NULL, NULL, 0, page, err) != 0)
			goto out;
		if (!aruba_is_login_page(call, site, page)) {
			rc = page_status_error(page, err);
			goto out;
		}
		/* the portal dropped the session (idle expiry, a password
		 * change elsewhere): log in again and ask once more */
		aruba_log(call, PECCTL_LOG_INFO, "%s: session ended, logging in again",
			  aruba_site_host(site));
		if (attempt == 0 && aruba_relogin(call, site, err) != 0)
			goto out;
	}
	aruba_fail(err, PECCTL_E_PORTAL, "%s keeps showing its login form after a login (at %s)",
		   aruba_site_host(site), url);
out:
	free(url);
	return rc;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Collapse runs of white space into one space and trim both ends, in place:
 * markup indentation is not part of a portal's message. */
static void squeeze_spaces(char *s)
{
	char *out = s;
	const char *in;
	int gap = 0;

	for (in = s; *in; in++) {
		if (is_space(*in)) {
			gap = 1;
			continue;
		}
		if (gap && out != s)
			*out++ = ' ';
		gap = 0;
		*out++ = *in;
	}
	*out = '\0';
}

cJSON *aruba_page_strings(const struct aruba_page *page, const char *xpath)
{
	cJSON *list;

	if (!aruba_page_doc(page))
		return cJSON_CreateArray();
	list = aruba_host->html_xpath(page->doc, xpath);
	return list ? list : cJSON_CreateArray();
}

char *aruba_page_text(const struct aruba_page *page, const char *xpath)
{
	cJSON *list = aruba_page_strings(page, xpath), *item;
	char *out = NULL;

	cJSON_ArrayForEach(item, list) {
		if (cJSON_IsString(item)) {
			out = strdup(item->valuestring);
			break;
		}
	}
	cJSON_Delete(list);
	if (out)
		squeeze_spaces(out);
	return out;
}

int aruba_page_has(const struct aruba_page *page, const char *xpath)
{
	cJSON *list = aruba_page_strings(page, xpath);
	int found = cJSON_GetArraySize(list) > 0;

	cJSON_Delete(list);
	return found;
}

int aruba_portal_changed(struct pecctl_error *err, const struct aruba_page *page, const char *what)
{
	return aruba_fail(err, PECCTL_E_PORTAL_CHANGED, "%s not found on %s", what,
			  aruba_page_url(page));
}

char *aruba_xpath_literal(const char *s)
{
	size_t len = strlen(s), cap, i;
	char *out, *o;

	if (!strchr(s, '\''))
		return aruba_strdup_printf("'%s'", s);
	if (!strchr(s, '"'))
		return aruba_strdup_printf("\"%s\"", s);
	/* concat('a', "'", 'b'): each quote becomes its own argument */
	cap = len * 6 + 16;
	out = malloc(cap);
	if (!out)
		return NULL;
	o = out;
	o += snprintf(o, cap, "concat('");
	for (i = 0; i < len; i++) {
		if (s[i] == '\'') {
			memcpy(o, "', \"'\", '", 9);
			o += 9;
		} else {
			*o++ = s[i];
		}
	}
	memcpy(o, "')", 3);
	return out;
}
