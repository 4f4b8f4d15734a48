/*
 * The CSS selectors scripts use to find things on a portal page, turned
 * into XPath for libxml2: tag, *, #id, .class, [attr], [attr=value],
 * [attr="value"], descendant and child combinators, comma lists.
 * Anything else is refused with the offset, never guessed at.
 */
#include <stdio.h>
#include <string.h>
#include "html.h"

struct css_out {
	char *buf;
	size_t cap;
	size_t len;
	int overflow;
};

struct css_parser {
	const char *css;
	const char *p;
	struct css_out out;
	struct pecctl_error *err;
};

#define CSS_SUPPORTED "supported: tag, #id, .class, [attr], [attr=value], " \
	"descendant and child (>) combinators, comma lists"

static void out_bytes(struct css_out *o, const char *s, size_t n)
{
	if (o->overflow || o->len + n >= o->cap) {
		o->overflow = 1;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void out_str(struct css_out *o, const char *s)
{
	out_bytes(o, s, strlen(s));
}

static void out_lower(struct css_out *o, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		out_bytes(o, &c, 1);
	}
}

/* An XPath string literal for any bytes: XPath has no escapes, so a value
 * holding both quote kinds becomes concat('..', "'", '..'). */
static void out_literal(struct css_out *o, const char *s, size_t n)
{
	size_t i, start;

	if (!memchr(s, '\'', n)) {
		out_str(o, "'");
		out_bytes(o, s, n);
		out_str(o, "'");
		return;
	}
	if (!memchr(s, '"', n)) {
		out_str(o, "\"");
		out_bytes(o, s, n);
		out_str(o, "\"");
		return;
	}
	out_str(o, "concat(");
	for (i = start = 0; i <= n; i++) {
		if (i == n || s[i] == '\'') {
			if (start)
				out_str(o, ", ");
			out_str(o, "'");
			out_bytes(o, s + start, i - start);
			out_str(o, "'");
			if (i < n)
				out_str(o, ", \"'\"");
			start = i + 1;
		}
	}
	out_str(o, ")");
}

static int css_fail(struct css_parser *cp, const char *what)
{
	char msg[sizeof(cp->err->message)];
	size_t off = (size_t)(cp->p - cp->css);

	if (*cp->p)
		snprintf(msg, sizeof(msg), "unsupported CSS selector \"%.120s\": %s '%c' at offset %zu (%s)",
			 cp->css, what, *cp->p, off, CSS_SUPPORTED);
	else
		snprintf(msg, sizeof(msg), "unsupported CSS selector \"%.120s\": %s at the end (%s)",
			 cp->css, what, CSS_SUPPORTED);
	pecctl_error_set(cp->err, PECCTL_E_INVALID, msg);
	return -1;
}

static int is_ident_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c >= 0x80;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static void skip_space(struct css_parser *cp)
{
	while (is_space(*cp->p))
		cp->p++;
}

static size_t ident(struct css_parser *cp, const char **start)
{
	*start = cp->p;
	while (is_ident_char((unsigned char)*cp->p))
		cp->p++;
	return (size_t)(cp->p - *start);
}

/* [attr], [attr=value], [attr="value"], [attr='value'] */
static int attribute(struct css_parser *cp)
{
	const char *name, *value;
	size_t nlen, vlen;

	cp->p++;
	skip_space(cp);
	nlen = ident(cp, &name);
	if (!nlen)
		return css_fail(cp, "expected an attribute name, found");
	skip_space(cp);
	if (*cp->p == ']') {
		cp->p++;
		out_str(&cp->out, "[@");
		out_lower(&cp->out, name, nlen);
		out_str(&cp->out, "]");
		return 0;
	}
	if (*cp->p != '=')
		return css_fail(cp, "only [attr] and [attr=value] are understood, found");
	cp->p++;
	skip_space(cp);
	if (*cp->p == '"' || *cp->p == '\'') {
		char quote = *cp->p++;

		value = cp->p;
		while (*cp->p && *cp->p != quote && *cp->p != '\\')
			cp->p++;
		if (*cp->p != quote)
			return css_fail(cp, *cp->p ? "escapes in quoted values are not understood, found" :
					"unterminated quoted value");
		vlen = (size_t)(cp->p - value);
		cp->p++;
	} else {
		vlen = ident(cp, &value);
		if (!vlen)
			return css_fail(cp, "expected a value, found");
	}
	skip_space(cp);
	if (*cp->p != ']')
		return css_fail(cp, "expected ']', found");
	cp->p++;
	out_str(&cp->out, "[@");
	out_lower(&cp->out, name, nlen);
	out_str(&cp->out, "=");
	out_literal(&cp->out, value, vlen);
	out_str(&cp->out, "]");
	return 0;
}

/* One compound selector: an optional tag then #id, .class, [attr]... */
static int compound(struct css_parser *cp)
{
	const char *name;
	size_t n;
	int parts = 0;

	if (*cp->p == '*') {
		cp->p++;
		out_str(&cp->out, "*");
		parts++;
	} else if ((n = ident(cp, &name)) > 0) {
		out_lower(&cp->out, name, n);
		parts++;
	} else {
		out_str(&cp->out, "*");
	}
	for (;;) {
		char c = *cp->p;

		if (c == '#' || c == '.') {
			cp->p++;
			n = ident(cp, &name);
			if (!n)
				return css_fail(cp, c == '#' ? "expected an id after '#', found" :
						"expected a class after '.', found");
			if (c == '#') {
				out_str(&cp->out, "[@id=");
				out_literal(&cp->out, name, n);
				out_str(&cp->out, "]");
			} else {
				/* identifiers hold no quotes, so ' cls ' is a safe literal;
				 * tested on the class attribute itself, an element without
				 * one costs nothing, and a plain contains() rules out most
				 * others before the exact word test builds its strings */
				out_str(&cp->out, "[@class[contains(., '");
				out_bytes(&cp->out, name, n);
				out_str(&cp->out, "') and contains(concat(' ', normalize-space(.), ' '), ' ");
				out_bytes(&cp->out, name, n);
				out_str(&cp->out, " ')]]");
			}
			parts++;
		} else if (c == '[') {
			if (attribute(cp) < 0)
				return -1;
			parts++;
		} else {
			break;
		}
	}
	if (!parts)
		return css_fail(cp, "expected a selector, found");
	return 0;
}

int html_css_to_xpath(const char *css, char *out, size_t cap, struct pecctl_error *err)
{
	struct css_parser cp = { css, css, { out, cap, 0, 0 }, err };

	if (!cap) {
		pecctl_error_set(err, PECCTL_E_INTERNAL, "no room for the XPath expression");
		return -1;
	}
	out[0] = '\0';
	for (;;) {
		skip_space(&cp);
		out_str(&cp.out, "//");
		for (;;) {
			if (compound(&cp) < 0)
				return -1;
			if (is_space(*cp.p)) {
				skip_space(&cp);
				if (*cp.p == '\0' || *cp.p == ',')
					break;
				if (*cp.p != '>') {
					out_str(&cp.out, "//");
					continue;
				}
			}
			if (*cp.p == '>') {
				cp.p++;
				skip_space(&cp);
				out_str(&cp.out, "/");
				continue;
			}
			if (*cp.p == '\0' || *cp.p == ',')
				break;
			return css_fail(&cp, "unexpected");
		}
		if (*cp.p == '\0')
			break;
		cp.p++;
		out_str(&cp.out, " | ");
	}
	if (cp.out.overflow) {
		pecctl_error_set(err, PECCTL_E_INVALID, "CSS selector too long");
		return -1;
	}
	return 0;
}
