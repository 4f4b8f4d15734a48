/*
 * A fast HTML tree builder: reads a UTF-8 page in one pass over its bytes
 * and builds the same libxml2 tree as libxml2's own HTML parser does for
 * the pages portals serve, so that XPath, forms and the REPL see no
 * difference. libxml2's parser takes every character through a function
 * call and every tag through table scans; for the few small pages of a
 * procedure it cost more CPU than the TLS and HTTP under them.
 *
 * The rules follow libxml2's HTML parser (2.9): tag and attribute names in
 * lower case; <html>, <head>, <body> and <p> implied where it implies them;
 * an element that cannot hold the next one closed first (the innermost
 * only, repeatedly); an end tag closes what is open down to its element
 * unless it would cross a table part, a <div>, <head> or <body> that
 * outranks it, and is ignored when that element is not open; void
 * elements and "<x/>" hold nothing; <script> and <style> hold raw text;
 * character references and HTML 4 entities decoded, unknown ones kept as
 * written. Comments and processing instructions are kept, a DOCTYPE is
 * dropped; ids are not indexed here (html.c does it for the rare XPath
 * that calls id()).
 *
 * html_tree_build returns NULL for what it leaves to libxml2: bytes that
 * are not UTF-8, NUL bytes, nesting deeper than MAX_DEPTH.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/parserInternals.h>  /* xmlStringText, the name of text nodes */
#include <libxml/tree.h>
#include <libxml/valid.h>  /* xmlFreeIDTable, xmlFreeRefTable */
#include "html_tree.h"
#include "utf8.h"
#include "xml_alloc.h"

#define MAX_DEPTH 256
#define MAX_NAME 64

/* What the builder needs to know about an element. */
enum {
	VOID_ELEMENT = 1 << 0,   /* never holds anything */
	RAW_TEXT = 1 << 1,       /* holds text up to its end tag */
	HEAD_CONTENT = 1 << 2,   /* implies <head>, not <body> */
	ENDS_HEAD = 1 << 3,      /* belongs in the body: an open <head> ends before it */
};

struct tag_info {
	const char *name;
	unsigned flags;
	int end_priority;        /* how far a stray end tag may close: see end_tag */
	const char *closes;      /* " a b ": innermost open elements it ends first */
};

#define HEADINGS "h1 h2 h3 h4 h5 h6 "
#define LISTING_PRE_XMP "listing p pre xmp "

/* Sorted by name (tag_info relies on it); what libxml2 2.9 does with each, as seen
 * from outside. Elements not listed (HTML5's among them: libxml2 does not
 * know them) have no flags, priority 100 and end nothing. */
static const struct tag_info tags[] = {
	{ "a", ENDS_HEAD, 100, " a " },
	{ "abbr", ENDS_HEAD, 100, NULL },
	{ "address", ENDS_HEAD, 100, " p ul " },
	{ "area", VOID_ELEMENT, 100, NULL },
	{ "b", ENDS_HEAD, 100, NULL },
	{ "base", VOID_ELEMENT | HEAD_CONTENT, 100, NULL },
	{ "basefont", VOID_ELEMENT, 100, NULL },
	{ "big", ENDS_HEAD, 100, NULL },
	{ "blockquote", ENDS_HEAD, 100, " p " },
	{ "body", ENDS_HEAD, 200, NULL },
	{ "br", VOID_ELEMENT | ENDS_HEAD, 100, NULL },
	{ "caption", 0, 100, " p " },
	{ "center", ENDS_HEAD, 100, " b font i p " },
	{ "code", ENDS_HEAD, 100, NULL },
	{ "col", VOID_ELEMENT, 100, " caption p " },
	{ "colgroup", 0, 100, " caption colgroup p " },
	{ "dd", ENDS_HEAD, 100, " address dir dt menu " LISTING_PRE_XMP },
	{ "dfn", ENDS_HEAD, 100, NULL },
	{ "dir", ENDS_HEAD, 100, " p " },
	{ "div", ENDS_HEAD, 150, " p " },
	{ "dl", ENDS_HEAD, 100, " address dir dt menu " LISTING_PRE_XMP },
	{ "dt", ENDS_HEAD, 100, " address dd dir menu " LISTING_PRE_XMP },
	{ "em", ENDS_HEAD, 100, NULL },
	{ "fieldset", ENDS_HEAD, 100, " a legend " HEADINGS LISTING_PRE_XMP },
	{ "font", ENDS_HEAD, 100, NULL },
	{ "form", ENDS_HEAD, 100, " address dir dl form menu ol ul " HEADINGS LISTING_PRE_XMP },
	{ "frame", VOID_ELEMENT, 100, NULL },
	{ "frameset", ENDS_HEAD, 100, " p style title " },
	{ "h1", ENDS_HEAD, 100, " p " },
	{ "h2", ENDS_HEAD, 100, " p " },
	{ "h3", ENDS_HEAD, 100, " p " },
	{ "h4", ENDS_HEAD, 100, " p " },
	{ "h5", ENDS_HEAD, 100, " p " },
	{ "h6", ENDS_HEAD, 100, " p " },
	{ "head", 0, 200, NULL },
	{ "hr", VOID_ELEMENT | ENDS_HEAD, 100, " p " },
	{ "html", 0, 220, NULL },
	{ "i", ENDS_HEAD, 100, NULL },
	{ "iframe", ENDS_HEAD, 100, NULL },
	{ "img", VOID_ELEMENT | ENDS_HEAD, 100, NULL },
	{ "input", VOID_ELEMENT, 100, NULL },
	{ "isindex", VOID_ELEMENT, 100, NULL },
	{ "kbd", ENDS_HEAD, 100, NULL },
	{ "li", ENDS_HEAD, 100, " address dl li " HEADINGS LISTING_PRE_XMP },
	{ "link", VOID_ELEMENT | HEAD_CONTENT, 100, NULL },
	{ "listing", ENDS_HEAD, 100, " p " },
	{ "map", ENDS_HEAD, 100, NULL },
	{ "menu", ENDS_HEAD, 100, " p ul " },
	{ "meta", VOID_ELEMENT | HEAD_CONTENT, 100, NULL },
	{ "ol", ENDS_HEAD, 100, " p ul " },
	{ "optgroup", 0, 100, " option " },
	{ "option", 0, 100, " option " },
	{ "p", ENDS_HEAD, 100, " b big i p s small strike tt u " HEADINGS },
	{ "param", VOID_ELEMENT, 100, NULL },
	{ "pre", ENDS_HEAD, 100, " p ul " },
	{ "q", ENDS_HEAD, 100, NULL },
	{ "s", ENDS_HEAD, 100, NULL },
	{ "samp", ENDS_HEAD, 100, NULL },
	{ "script", RAW_TEXT | HEAD_CONTENT, 100, NULL },
	{ "small", ENDS_HEAD, 100, NULL },
	{ "span", ENDS_HEAD, 100, NULL },
	{ "strike", ENDS_HEAD, 100, NULL },
	{ "strong", ENDS_HEAD, 100, NULL },
	{ "style", RAW_TEXT | HEAD_CONTENT, 100, NULL },
	{ "sub", ENDS_HEAD, 100, NULL },
	{ "sup", ENDS_HEAD, 100, NULL },
	{ "table", ENDS_HEAD, 190, " a " HEADINGS LISTING_PRE_XMP },
	{ "tbody", 0, 180, " caption colgroup p tbody td tfoot th thead tr " },
	{ "td", 0, 160, " a b font i p span td th u " },
	{ "tfoot", 0, 180, " caption colgroup p tbody td th thead tr " },
	{ "th", 0, 160, " a b font i p span td th u " },
	{ "thead", 0, 180, " caption colgroup " },
	{ "title", HEAD_CONTENT, 100, " p " },
	{ "tr", 0, 170, " caption colgroup p td th tr " },
	{ "tt", ENDS_HEAD, 100, NULL },
	{ "u", ENDS_HEAD, 100, NULL },
	{ "ul", ENDS_HEAD, 100, " address dir menu ol " LISTING_PRE_XMP },
	{ "var", ENDS_HEAD, 100, NULL },
	{ "xmp", ENDS_HEAD, 100, " p " },
};

static const struct tag_info unlisted = { "", 0, 100, NULL };

#define N_TAGS (sizeof(tags) / sizeof(tags[0]))

/* Where the names starting with each letter begin in tags[], and end: a
 * lookup compares a handful of names, not a binary search's worth. */
static unsigned char letter_start[27];
/* Each entry's name length, and the entries its closes list names as a
 * bit set over tags[]: tested per start tag, where a string search
 * through the list cost more than the rest of the tag. */
#define SET_WORDS ((N_TAGS + 63) / 64)
static unsigned char tag_len[N_TAGS];
static uint64_t closes_set[N_TAGS][SET_WORDS];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;
/* The entries the builder itself refers to: compared as pointers. */
static const struct tag_info *tag_html, *tag_head, *tag_body, *tag_p;

static void init_byte_classes(void);
static const struct tag_info *tag_info(const char *name, size_t len);

static const struct tag_info *tag_named(const char *name)
{
	return tag_info(name, strlen(name));
}

/* The bits of the entries a " a b " list names. */
static void fill_set(uint64_t *set, const char *list)
{
	char name[MAX_NAME];
	int used;

	while (list && sscanf(list, " %63s%n", name, &used) == 1) {
		const struct tag_info *t = tag_named(name);

		if (t != &unlisted) {
			size_t i = (size_t)(t - tags);

			set[i / 64] |= (uint64_t)1 << (i % 64);
		}
		list += used;
	}
}

static void init_tables(void)
{
	size_t i = 0;

	init_byte_classes();

	for (int l = 0; l < 26; l++) {
		letter_start[l] = (unsigned char)i;
		while (i < N_TAGS && tags[i].name[0] == 'a' + l)
			i++;
	}
	letter_start[26] = (unsigned char)i;
	for (i = 0; i < N_TAGS; i++)
		tag_len[i] = (unsigned char)strlen(tags[i].name);
	for (i = 0; i < N_TAGS; i++)
		fill_set(closes_set[i], tags[i].closes);
	tag_html = tag_named("html");
	tag_head = tag_named("head");
	tag_body = tag_named("body");
	tag_p = tag_named("p");
}

static const struct tag_info *tag_info(const char *name, size_t len)
{
	int l = name[0] - 'a';

	if (l < 0 || l >= 26)
		return &unlisted;
	for (size_t i = letter_start[l]; i < letter_start[l + 1]; i++) {
		size_t k = 1;

		if (tag_len[i] != len)
			continue;
		while (k < len && tags[i].name[k] == name[k])
			k++;
		if (k == len)
			return &tags[i];
	}
	return &unlisted;
}

/* Whether element t ends an open cur before it starts. */
static int closes(const struct tag_info *t, const struct tag_info *cur)
{
	size_t ti, ci;

	if (t == &unlisted || cur == &unlisted)
		return 0;
	ti = (size_t)(t - tags);
	ci = (size_t)(cur - tags);
	return (closes_set[ti][ci / 64] >> (ci % 64)) & 1;
}

struct builder {
	htmlDocPtr doc;
	const char *p, *end;
	xmlNodePtr open[MAX_DEPTH];   /* open elements, outermost first */
	const struct tag_info *open_info[MAX_DEPTH];
	int depth;
	xmlNodePtr body;              /* once seen or implied */
	int seen_head;
	int failed;                   /* out of memory, or too deep */
	/* decoded text and attribute values */
	char *buf;
	size_t buf_len, buf_cap;
	struct xml_arena *arena;      /* where the tree goes; NULL: xmlMalloc */
};

/* The innermost open element's entry; NULL outside every element. */
static const struct tag_info *current(const struct builder *b)
{
	return b->depth ? b->open_info[b->depth - 1] : NULL;
}

static int is_open(const struct builder *b, const struct tag_info *t)
{
	for (int i = 0; i < b->depth; i++)
		if (b->open_info[i] == t)
			return 1;
	return 0;
}

/* --- building --- */

/* A block of the tree, from the page's arena directly when it has one: a
 * page takes a few hundred, and xmlMalloc would reach the same arena
 * through an indirect call and a thread-local lookup for each. */
static void *tree_alloc(struct builder *b, size_t size)
{
	return b->arena ? xml_arena_alloc(b->arena, size) : xmlMalloc(size);
}

static xmlChar *tree_strndup(struct builder *b, const char *s, size_t len)
{
	xmlChar *copy = tree_alloc(b, len + 1);

	if (copy) {
		memcpy(copy, s, len);
		copy[len] = '\0';
	}
	return copy;
}

static xmlNodePtr push(struct builder *b, const char *name, const struct tag_info *t)
{
	xmlNodePtr node;

	if (b->depth == MAX_DEPTH) {
		b->failed = 1;
		return NULL;
	}
	/* as xmlNewDocNode makes it; put after its parent's last child
	 * directly (xmlAddChild checks for text to merge, an element has none) */
	node = tree_alloc(b, sizeof(*node));
	if (node) {
		memset(node, 0, sizeof(*node));
		node->name = tree_strndup(b, name, strlen(name));
	}
	if (!node || !node->name) {
		xmlFree(node);
		b->failed = 1;
		return NULL;
	}
	node->type = XML_ELEMENT_NODE;
	node->doc = b->doc;
	if (b->depth) {
		xmlNodePtr parent = b->open[b->depth - 1];

		node->parent = parent;
		node->prev = parent->last;
		if (parent->last)
			parent->last->next = node;
		else
			parent->children = node;
		parent->last = node;
	} else if (!xmlDocGetRootElement(b->doc))
		xmlDocSetRootElement(b->doc, node);
	else  /* after </html>, libxml2 starts over inside the first root */
		xmlAddChild(xmlDocGetRootElement(b->doc), node);
	b->open_info[b->depth] = t;
	b->open[b->depth++] = node;
	if (t == tag_body)
		b->body = node;
	else if (t == tag_head)
		b->seen_head = 1;
	return node;
}

/* What a new element implies: <html> around everything, <head> for head
 * content before any, <body> for the rest. */
static void imply(struct builder *b, const struct tag_info *t)
{
	if (t == tag_html)
		return;
	if (b->depth == 0)
		push(b, "html", tag_html);
	if (t == tag_head || t == tag_body)
		return;
	if (b->depth <= 1 && (t->flags & HEAD_CONTENT)) {
		if (!b->seen_head)
			push(b, "head", tag_head);
		return;
	}
	if (b->body || is_open(b, tag_head))
		return;
	push(b, "body", tag_body);
}

/* The innermost elements the new one ends, one after the other. */
static void auto_close(struct builder *b, const struct tag_info *t)
{
	while (b->depth > 0) {
		const struct tag_info *cur = current(b);

		if (!closes(t, cur) &&
		    !(cur == tag_head && (t->flags & ENDS_HEAD)))
			return;
		b->depth--;
	}
}

/* A text node as xmlNewDocTextLen makes it, without its calls. */
static xmlNodePtr new_text(struct builder *b, const char *text, size_t len)
{
	xmlNodePtr node = tree_alloc(b, sizeof(*node));

	if (!node)
		return NULL;
	memset(node, 0, sizeof(*node));
	node->type = XML_TEXT_NODE;
	node->name = xmlStringText;
	node->doc = b->doc;
	if (!(node->content = tree_strndup(b, text, len))) {
		xmlFree(node);
		return NULL;
	}
	return node;
}

static void add_text(struct builder *b, const char *text, size_t len)
{
	xmlNodePtr parent = b->open[b->depth - 1], last = parent->last, node;

	if (!len)
		return;
	/* merged into the text node before it, as the SAX builder does */
	if (last && last->type == XML_TEXT_NODE && last->name == xmlStringText) {
		xmlNodeAddContentLen(last, (const xmlChar *)text, (int)len);
		if (!last->content)
			b->failed = 1;
		return;
	}
	if (!(node = new_text(b, text, len))) {
		b->failed = 1;
		return;
	}
	node->parent = parent;
	node->prev = last;
	if (last)
		last->next = node;
	else
		parent->children = node;
	parent->last = node;
}

/* --- decoding --- */

static int buf_reserve(struct builder *b, size_t more)
{
	char *grown;
	size_t cap;

	if (b->buf_len + more <= b->buf_cap)
		return 0;
	cap = b->buf_cap ? b->buf_cap : 256;
	while (cap < b->buf_len + more)
		cap *= 2;
	grown = xmlRealloc(b->buf, cap);
	if (!grown) {
		b->failed = 1;
		return -1;
	}
	b->buf = grown;
	b->buf_cap = cap;
	return 0;
}

static void buf_add(struct builder *b, const char *p, size_t n)
{
	if (n && buf_reserve(b, n) == 0) {
		memcpy(b->buf + b->buf_len, p, n);
		b->buf_len += n;
	}
}

static void buf_add_utf8(struct builder *b, unsigned long c)
{
	char out[4];

	buf_add(b, out, utf8_encode(c, out));
}

/* Byte classes, looked up in a table: a page goes through these byte by
 * byte. */
enum {
	C_LETTER = 1,
	C_DIGIT = 2,
	C_BLANK = 4,
	C_NAME_START = 8,   /* may start a tag or attribute name */
	C_NAME = 16,        /* may go on in one */
};

static unsigned char byte_class[256];

static void init_byte_classes(void)
{
	for (int c = 0; c < 256; c++) {
		unsigned char k = 0;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			k |= C_LETTER | C_NAME_START | C_NAME;
		if (c >= '0' && c <= '9')
			k |= C_DIGIT | C_NAME;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			k |= C_BLANK;
		if (c == '_' || c == ':' || c == '.')
			k |= C_NAME_START | C_NAME;
		if (c == '-')
			k |= C_NAME;
		byte_class[c] = k;
	}
}

static int has_class(char c, unsigned k)
{
	return byte_class[(unsigned char)c] & k;
}

static int is_letter(char c)
{
	return has_class(c, C_LETTER);
}

static int is_digit(char c)
{
	return has_class(c, C_DIGIT);
}

static int is_blank(char c)
{
	return has_class(c, C_BLANK);
}

/* A character the XML data model allows, as libxml2 checks references. */
static int is_xml_char(unsigned long c)
{
	return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) ||
	       (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/* At '&' in [p, end): decodes one reference into the buffer, or copies
 * the '&' when it is none. Returns where reading goes on. */
static const char *reference(struct builder *b, const char *p, const char *end)
{
	const char *q = p + 1;

	if (q < end && *q == '#') {
		unsigned long c = 0;
		int hex = q + 1 < end && (q[1] == 'x' || q[1] == 'X'), digits = 0;

		for (q += hex ? 2 : 1; q < end; q++, digits++) {
			int d = is_digit(*q) ? *q - '0' :
				hex && *q >= 'a' && *q <= 'f' ? *q - 'a' + 10 :
				hex && *q >= 'A' && *q <= 'F' ? *q - 'A' + 10 : -1;

			if (d < 0)
				break;
			if (c < 0x110000)
				c = c * (hex ? 16 : 10) + (unsigned long)d;
		}
		/* without digits, or not a character: nothing, as libxml2 */
		if (q < end && *q == ';')
			q++;
		if (!digits)
			return q;
		if (is_xml_char(c))
			buf_add_utf8(b, c);
		return q;
	}
	if (q < end && is_letter(*q)) {
		char name[MAX_NAME];
		size_t n = 0;
		const htmlEntityDesc *ent;

		while (q < end && (is_letter(*q) || is_digit(*q)) && n < sizeof(name) - 1)
			name[n++] = *q++;
		name[n] = '\0';
		if (q < end && *q == ';' && (ent = htmlEntityLookup((const xmlChar *)name)) != NULL) {
			buf_add_utf8(b, ent->value);
			return q + 1;
		}
		buf_add(b, p, (size_t)(q - p));  /* as written; a ';' follows as text */
		return q;
	}
	buf_add(b, "&", 1);
	return p + 1;
}

/* Bytes [p, end) with references decoded, into the buffer (reset first). */
static void decode(struct builder *b, const char *p, const char *end)
{
	b->buf_len = 0;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));

		if (!amp) {
			buf_add(b, p, (size_t)(end - p));
			break;
		}
		buf_add(b, p, (size_t)(amp - p));
		p = reference(b, amp, end);
	}
	buf_reserve(b, 1);
	if (!b->failed)
		b->buf[b->buf_len] = '\0';
}

/* --- tokens --- */

static int name_start(char c)
{
	return has_class(c, C_NAME_START);
}

static int name_char(char c)
{
	return has_class(c, C_NAME);
}

/* A lower-case name at b->p into out; 0 when there is none. */
static size_t read_name(struct builder *b, char *out, size_t cap)
{
	/* a local cursor: stores into out could alias b->p, which the
	 * compiler would then read again for every byte */
	const char *p = b->p, *end = b->end;
	size_t n = 0;

	if (p >= end || !name_start(*p))
		return 0;
	for (; p < end && name_char(*p); p++)
		if (n < cap - 1)
			out[n++] = is_letter(*p) ? (char)(*p | 0x20) : *p;
	out[n] = '\0';
	b->p = p;
	return n;
}

static void skip_blanks(struct builder *b)
{
	const char *p = b->p, *end = b->end;

	while (p < end && is_blank(*p))
		p++;
	b->p = p;
}

/* Text [start, stop) where it may stand. */
static void place_text(struct builder *b, const char *start, const char *stop)
{
	int blank = 1;

	for (const char *q = start; q < stop && blank; q++)
		blank = is_blank(*q);
	if (blank) {
		/* white space outside every element is dropped; inside, kept */
		if (b->depth)
			add_text(b, start, (size_t)(stop - start));
		return;
	}
	/* text cannot stand in <html> or <head>, nor outside everything */
	if (b->depth == 0 || current(b) == tag_html || current(b) == tag_head) {
		auto_close(b, tag_p);
		imply(b, tag_p);
		push(b, "p", tag_p);
		if (b->failed)
			return;
	}
	/* most text has no reference to decode: taken as it stands */
	if (!memchr(start, '&', (size_t)(stop - start))) {
		add_text(b, start, (size_t)(stop - start));
		return;
	}
	decode(b, start, stop);
	if (!b->failed)
		add_text(b, b->buf, b->buf_len);
}

/* Text up to the next '<'. */
static void text(struct builder *b)
{
	const char *start = b->p, *lt = memchr(b->p, '<', (size_t)(b->end - b->p));

	b->p = lt ? lt : b->end;
	place_text(b, start, b->p);
}

/* Attribute name="value" (value NULL: a name alone) after node's others,
 * unless node has one by that name already: the first of repeated
 * attributes counts. Made as xmlNewProp makes it, its value a text child,
 * without xmlNewProp's second walk down the list and its id check. */
static void add_attribute(struct builder *b, xmlNodePtr node, const char *name, const char *value,
			  size_t len)
{
	xmlAttrPtr last = NULL, a;

	for (a = node->properties; a; a = a->next) {
		if (strcmp((const char *)a->name, name) == 0)
			return;
		last = a;
	}
	if (!(a = tree_alloc(b, sizeof(*a)))) {
		b->failed = 1;
		return;
	}
	memset(a, 0, sizeof(*a));
	a->type = XML_ATTRIBUTE_NODE;
	a->parent = node;
	a->doc = b->doc;
	a->prev = last;
	if (last)
		last->next = a;
	else
		node->properties = a;
	/* linked first: on failure the node frees it with the rest */
	if (!(a->name = tree_strndup(b, name, strlen(name)))) {
		b->failed = 1;
		return;
	}
	if (value) {
		xmlNodePtr text = new_text(b, value, len);

		if (!text) {
			b->failed = 1;
			return;
		}
		text->parent = (xmlNodePtr)a;
		a->children = a->last = text;
	}
}

/* One attribute at b->p onto node. */
static void attribute(struct builder *b, xmlNodePtr node)
{
	char name[MAX_NAME];
	const char *value = NULL, *vstart, *vend;

	if (!read_name(b, name, sizeof(name))) {
		/* not a name: skipped up to the next blank or the tag's end */
		while (b->p < b->end && !is_blank(*b->p) && *b->p != '>' &&
		       !(*b->p == '/' && b->p + 1 < b->end && b->p[1] == '>'))
			b->p++;
		return;
	}
	skip_blanks(b);
	if (b->p < b->end && *b->p == '=') {
		b->p++;
		skip_blanks(b);
		if (b->p < b->end && (*b->p == '"' || *b->p == '\'')) {
			const char *close = memchr(b->p + 1, *b->p, (size_t)(b->end - b->p - 1));

			vstart = b->p + 1;
			vend = close ? close : b->end;
			b->p = close ? close + 1 : b->end;
		} else {
			vstart = b->p;
			while (b->p < b->end && !is_blank(*b->p) && *b->p != '>')
				b->p++;
			vend = b->p;
		}
		if (!memchr(vstart, '&', (size_t)(vend - vstart))) {
			add_attribute(b, node, name, vstart, (size_t)(vend - vstart));
			return;
		}
		decode(b, vstart, vend);
		if (b->failed)
			return;
		value = b->buf;
	} else if (htmlIsBooleanAttr((const xmlChar *)name)) {
		value = name;
	}
	add_attribute(b, node, name, value, value == b->buf ? b->buf_len : value ? strlen(value) : 0);
}

/* <script> and <style> hold everything up to "</script", "</style":
 * one CDATA node, as libxml2 keeps them. */
static void raw_text(struct builder *b, const char *name)
{
	size_t n = strlen(name);
	const char *q = b->p;
	xmlNodePtr node;

	while ((q = memchr(q, '<', (size_t)(b->end - q))) != NULL) {
		if ((size_t)(b->end - q) >= n + 2 && q[1] == '/' && strncasecmp(q + 2, name, n) == 0)
			break;
		q++;
	}
	if (!q)
		q = b->end;
	if (q > b->p) {
		node = xmlNewCDataBlock(b->doc, (const xmlChar *)b->p, (int)(q - b->p));
		if (!node)
			b->failed = 1;
		else
			xmlAddChild(b->open[b->depth - 1], node);
	}
	b->p = q;
}

static void start_tag(struct builder *b)
{
	char name[MAX_NAME];
	const struct tag_info *t;
	xmlNodePtr node;
	int misplaced;

	b->p++;  /* '<' */
	t = tag_info(name, read_name(b, name, sizeof(name)));
	/* a second <html>, a <head> not right in <html>, a second <body> */
	misplaced = (t == tag_html && b->depth > 0) || (t == tag_head && b->depth != 1) ||
		    (t == tag_body && b->body);
	if (!misplaced) {
		auto_close(b, t);
		imply(b, t);
	}
	/* attributes go on a node of their own while the tag is misplaced */
	node = misplaced ? xmlNewDocNode(b->doc, NULL, (const xmlChar *)name, NULL) : push(b, name, t);
	if (!node) {
		b->failed = 1;
		return;
	}
	for (;;) {
		skip_blanks(b);
		if (b->p >= b->end || *b->p == '>')
			break;
		if (*b->p == '/' && b->p + 1 < b->end && b->p[1] == '>') {
			b->p++;
			if (!misplaced)
				b->depth--;  /* <x/>: nothing inside */
			break;
		}
		if (*b->p == '/') {
			b->p++;
			continue;
		}
		attribute(b, node);
		if (b->failed)
			return;
	}
	if (b->p < b->end)
		b->p++;  /* '>' */
	if (misplaced) {
		xmlFreeNode(node);
		return;
	}
	if (t->flags & VOID_ELEMENT) {
		if (b->depth && b->open[b->depth - 1] == node)
			b->depth--;
	} else if ((t->flags & RAW_TEXT) && b->depth && b->open[b->depth - 1] == node) {
		raw_text(b, name);
	}
}

/* An end tag closes down to its element, unless that would cross an
 * element that outranks it (a table part for a stray </div>, ...); an end
 * tag for an element that is not open is ignored. */
static void end_tag(struct builder *b)
{
	char name[MAX_NAME];
	const char *gt;
	const struct tag_info *t;
	size_t len;
	int i;

	b->p += 2;  /* "</" */
	len = read_name(b, name, sizeof(name));
	gt = memchr(b->p, '>', (size_t)(b->end - b->p));
	b->p = gt ? gt + 1 : b->end;
	if (!name[0])
		return;
	t = tag_info(name, len);
	for (i = b->depth - 1; i >= 0; i--) {
		const struct tag_info *open = b->open_info[i];

		/* entries compare as pointers; elements not in the table by name */
		if (t != &unlisted ? open == t : strcmp((const char *)b->open[i]->name, name) == 0)
			break;
		if (open->end_priority > t->end_priority)
			return;
	}
	if (i >= 0)
		b->depth = i;
}

/* A comment or processing instruction where it stands: outside every
 * element, it is the document's. */
static void add_other(struct builder *b, xmlNodePtr node)
{
	if (!node)
		b->failed = 1;
	else
		xmlAddChild(b->depth ? b->open[b->depth - 1] : (xmlNodePtr)b->doc, node);
}

/* The buffer holds [p, end), NUL-terminated; 0 or -1 out of memory. */
static int buf_set(struct builder *b, const char *p, const char *end)
{
	b->buf_len = 0;
	buf_add(b, p, (size_t)(end - p));
	buf_reserve(b, 1);
	if (b->failed)
		return -1;
	b->buf[b->buf_len] = '\0';
	return 0;
}

/* "<!--...-->" becomes a comment, "<?target ...>" a processing instruction;
 * unterminated, either takes the rest of the page with it. "<!DOCTYPE ...>"
 * is dropped. */
static void markup_declaration(struct builder *b)
{
	const char *gt;

	if (b->end - b->p >= 4 && memcmp(b->p, "<!--", 4) == 0) {
		const char *start = b->p + 4, *close = start;

		while ((close = memchr(close, '-', (size_t)(b->end - close))) != NULL &&
		       !(b->end - close >= 3 && close[1] == '-' && close[2] == '>'))
			close++;
		b->p = close ? close + 3 : b->end;
		if (close && buf_set(b, start, close) == 0)
			add_other(b, xmlNewDocComment(b->doc, (const xmlChar *)b->buf));
		return;
	}
	if (b->p[1] == '?') {
		char target[MAX_NAME];

		b->p += 2;
		if (read_name(b, target, sizeof(target))) {
			skip_blanks(b);
			gt = memchr(b->p, '>', (size_t)(b->end - b->p));
			if (gt && buf_set(b, b->p, gt) == 0)
				add_other(b, xmlNewDocPI(b->doc, (const xmlChar *)target,
							 (const xmlChar *)b->buf));
			b->p = gt ? gt + 1 : b->end;
			return;
		}
	}
	gt = memchr(b->p, '>', (size_t)(b->end - b->p));
	b->p = gt ? gt + 1 : b->end;
}

void html_tree_free(htmlDocPtr doc)
{
	struct xml_arena *arena;

	if (!doc)
		return;
	arena = doc->_private;
	if (!arena) {
		xmlFreeDoc(doc);
		return;
	}
	/* Every node and string of the tree is in the arena: walking the tree
	 * to free each (nothing, in an arena) would only read it all back into
	 * the cache. What can have been hung on the document since it was
	 * built is freed here: the id index html.c makes for id(), the xml:
	 * namespace a query may declare. Nothing else in pecctl changes a tree. */
	if (doc->ids)
		xmlFreeIDTable(doc->ids);
	if (doc->refs)
		xmlFreeRefTable(doc->refs);
	if (doc->oldNs)
		xmlFreeNsList(doc->oldNs);
	xml_arena_release(arena);
}

/* Reads the page at b->p into a new document: 0, or -1 with what was
 * made of it (if anything) left in b->doc for the caller to free. */
static int build(struct builder *b, const char *url)
{
	b->doc = htmlNewDocNoDtD(NULL, NULL);
	if (!b->doc || (url && !(b->doc->URL = xmlStrdup((const xmlChar *)url))))
		return -1;
	while (b->p < b->end && !b->failed) {
		if (*b->p != '<') {
			text(b);
		} else if (b->end - b->p > 1 && name_start(b->p[1])) {
			start_tag(b);
		} else if (b->end - b->p > 1 && b->p[1] == '/') {
			end_tag(b);
		} else if (b->end - b->p > 1 && (b->p[1] == '?' || (b->p[1] == '!' && (
				   (b->end - b->p >= 4 && memcmp(b->p, "<!--", 4) == 0) ||
				   (b->end - b->p >= 9 && strncasecmp(b->p, "<!DOCTYPE", 9) == 0))))) {
			markup_declaration(b);
		} else {
			/* a '<' that starts nothing is a character of the element
			 * it is in (none: it is lost), what follows plain text */
			if (b->depth)
				add_text(b, "<", 1);
			b->p++;
		}
	}
	return b->failed ? -1 : 0;
}

htmlDocPtr html_tree_build(const char *body, size_t len, const char *url)
{
	struct builder b = { 0 };
	struct xml_arena *arena;
	int rc;

	pthread_once(&tables_once, init_tables);
	if (!utf8_valid_text((const unsigned char *)body, len))
		return NULL;
	b.p = body;
	b.end = body + len;
	/* every block of the tree from one arena (xml_alloc.h) */
	b.arena = arena = xml_arena_begin();
	rc = build(&b, url);
	xmlFree(b.buf);
	xml_arena_end();
	if (rc != 0) {
		xmlFreeDoc(b.doc);
		xml_arena_release(arena);
		return NULL;
	}
	b.doc->_private = arena;  /* released by html_tree_free, with the document */
	return b.doc;
}

