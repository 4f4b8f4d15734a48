/*
 * Unit test of core/icu_on_demand.c, TAP on stdout. Built by
 * tests/t/08-icu-on-demand.t with libxml2 linked as pecctl links it, from
 * its static archive:
 *   cc -Icore core/icu_on_demand.c tests/unit/icu_on_demand_test.c \
 *      -Wl,-Bstatic -lxml2 -Wl,-Bdynamic -lz -llzma -lm -ldl
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/HTMLparser.h>
#include <libxml/encoding.h>
#include <libxml/tree.h>
#include <unicode/uvernum.h>

#include "tap.h"

#define OPTIONS (HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET)

static int icu_is_loaded(void)
{
	void *lib = dlopen("libicuuc.so." U_ICU_VERSION_SHORT, RTLD_NOW | RTLD_NOLOAD);

	if (lib)
		dlclose(lib);
	return lib != NULL;
}

/* The text of the page's first <p>, as libxml2 decoded it, or NULL. */
static char *paragraph(const char *page, const char *encoding)
{
	htmlDocPtr doc = htmlReadMemory(page, (int)strlen(page), NULL, encoding, OPTIONS);
	xmlNodePtr node = doc ? xmlDocGetRootElement(doc) : NULL;
	char *text = NULL;

	/* <html><body><p> */
	while (node && !(node->type == XML_ELEMENT_NODE && strcmp((const char *)node->name, "p") == 0))
		node = node->children ? node->children : node->next;
	if (node) {
		xmlChar *content = xmlNodeGetContent(node);

		text = content ? strdup((const char *)content) : NULL;
		xmlFree(content);
	}
	xmlFreeDoc(doc);
	return text;
}

int main(void)
{
	xmlCharEncodingHandlerPtr handler;
	xmlBufferPtr in, out;
	char *text;

	xmlInitParser();
	ok(!icu_is_loaded(), "ICU is not loaded when the process starts");

	text = paragraph("<html><body><p>caf\xc3\xa9</p></body></html>", "UTF-8");
	is_str(text, "caf\xc3\xa9", "a UTF-8 page is read");
	free(text);
	text = paragraph("<html><body><p>caf\xe9</p></body></html>", "windows-1252");
	is_str(text, "caf\xc3\xa9", "a windows-1252 page is read (iconv)");
	free(text);
	ok(!icu_is_loaded(), "neither loads ICU");

	/* Mac Roman under the name ICU knows and glibc's iconv does not */
	text = paragraph("<html><body><p>caf\x8e</p></body></html>", "x-mac-roman");
	is_str(text, "caf\xc3\xa9", "an x-mac-roman page is read, through ICU");
	free(text);
	ok(icu_is_loaded(), "ICU was loaded for it");

	handler = xmlFindCharEncodingHandler("x-mac-roman");
	ok(handler != NULL, "x-mac-roman has a handler");
	in = xmlBufferCreate();
	out = xmlBufferCreate();
	xmlBufferCat(in, (const xmlChar *)"caf\xc3\xa9");
	ok(handler && xmlCharEncOutFunc(handler, out, in) >= 0, "UTF-8 converted to x-mac-roman");
	is_str((const char *)xmlBufferContent(out), "caf\x8e", "with ICU's mapping");
	xmlBufferFree(in);
	xmlBufferFree(out);
	if (handler)
		xmlCharEncCloseFunc(handler);

	ok(xmlFindCharEncodingHandler("no-such-charset-anywhere") == NULL,
	   "an encoding nobody knows has no handler");
	xmlCleanupParser();
	return tap_done();
}
