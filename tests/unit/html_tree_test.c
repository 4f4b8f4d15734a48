/*
 * core/html_tree.c against libxml2's own HTML parser, TAP on stdout: the
 * two trees, serialised, must be the same for tag soup of every kind the
 * builder claims to handle and for every page in $HTML_CORPUS (a directory
 * of .html files: tests/t/12-html-tree.t fills it with the pages pecsim
 * served to a run of doctor and of the procedures). Built by that test:
 *   cc -Icore core/html_tree.c core/utf8.c core/xml_alloc.c tests/unit/html_tree_test.c \
 *      $(pkg-config --libs libxml-2.0)
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>

#include "tap.h"
#include "html_tree.h"
#include "xml_alloc.h"

/* The tree as HTML, without the DOCTYPE (which the builder drops). */
static char *dump(htmlDocPtr doc)
{
	xmlChar *mem = NULL;
	int size = 0;
	char *out;

	if (!doc)
		return strdup("(no document)");
	if (doc->intSubset) {
		xmlNodePtr dtd = (xmlNodePtr)doc->intSubset;

		xmlUnlinkNode(dtd);
		xmlFreeDtd((xmlDtdPtr)dtd);
	}
	htmlDocDumpMemoryFormat(doc, &mem, &size, 0);
	out = strdup(mem ? (const char *)mem : "");
	xmlFree(mem);
	return out;
}

/* Text nodes under node, attribute values included: serialised, two
 * text nodes side by side look like one, but XPath's text()[1] tells. */
static int count_texts(xmlNodePtr node)
{
	int n = 0;

	for (; node; node = node->next) {
		n += node->type == XML_TEXT_NODE;
		if (node->type == XML_ELEMENT_NODE)
			for (xmlAttrPtr a = node->properties; a; a = a->next)
				n += count_texts(a->children);
		n += count_texts(node->children);
	}
	return n;
}

/* Parses with both; 1 when the trees are the same. */
static int same_tree(const char *html, size_t len, const char *what)
{
	htmlDocPtr ours = html_tree_build(html, len, "https://a.test/p");
	htmlDocPtr theirs = htmlReadMemory(html, (int)len, "https://a.test/p", "UTF-8",
					   HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
					   HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
					   HTML_PARSE_COMPACT);
	char *a = dump(ours), *b = dump(theirs);
	int same = strcmp(a, b) == 0 &&
		   count_texts(ours ? ours->children : NULL) == count_texts(theirs ? theirs->children : NULL);

	ok(same, what);
	if (!same) {
		size_t i = 0;

		while (a[i] && a[i] == b[i])
			i++;
		printf("#   first difference at byte %zu\n#   builder: %.200s\n#   libxml2: %.200s\n",
		       i, a + (i > 40 ? i - 40 : 0), b + (i > 40 ? i - 40 : 0));
	}
	free(a);
	free(b);
	html_tree_free(ours);
	xmlFreeDoc(theirs);
	return same;
}

static const char *const soup[] = {
	"<!DOCTYPE html><html><head><title>T</title><meta charset=\"utf-8\"></head>"
	"<body><h1>Ciao</h1><p class=\"a b\">x</p></body></html>\n",
	"<html>\n<head>\n<title>T</title>\n</head>\n<body>\n<div>\n  <p>uno</p>\n</div>\n</body>\n</html>\n",
	"<form id=\"f\" action=\"/x\"><input name=\"a\" value=\"1\"></form>",
	"<div><p>senza chiusura<b>grassetto</div><td>cella",
	"<p>a<p>b<div>c</div>",
	"<ul><li>a<li>b<li><p>c</ul>",
	"<select name=s><option value=1>uno<option selected>due</select>",
	"<table><tr><td>1<td>2<tr><th>3</table>",
	"<p>&amp; &lt; &gt; &quot; &eacute; &#233; &#xE9; &nbsp;&unknown; &amp x &#; &#x110000;</p>",
	"<a href=\"?a=1&amp;b=2&c=3\" title='it&apos;s' data-x=caf&eacute;>l</a>",
	"<input type=checkbox name=c checked disabled value=x><input name=d readonly>",
	"<a href=1 href=2 HREF=3>repeated</a>",
	"<script>if (a < b && c) { x = '<div>'; }</script><style>p > b { }</style>",
	"text before <b>bold</b> after",
	"<!-- first --><html><body><!-- inside --><p>x</p></body></html>",
	"<DIV CLASS=Upper ID=\"I\">Y</DIV>",
	"<My_Tag Data_X=\"1\" x:y=2 a-b.c=3>names of every kind</My_Tag>",
	"<br/><p/>after<img src=x.png/>",
	"</span>stray<div>a</span>b</div>",
	"<div><table><tr><td><div>x</td></tr></table>after</div>",
	"a < b and c <= d",
	"<p>uno</P><P>due</p>",
	"<html><body><p>x</p></body></html>\n<!-- trailing -->\n",
	"<title>T &amp; U</title><p>body</p>",
	"<dl><dt>a<dd>b<dt>c</dl>",
	"<h1>a<h2>b</h2>",
	"<textarea name=t>\nuno\n<b>due</b></textarea>",
	"<span>café – “virgolette” €</span>",
	"<div\nclass=\"x\"\n>multi\nline</div>",
	"<p>un <em>po'</em> di <strong>testo</strong></p>",
	"<p>x<table>y</table>",
	"<a>1<a>2</a></a>",
	"<li>outside a list",
	"<option>outside a select",
	"<head><script>x</script></head><body>y</body>",
	"<body>a<head><title>t</title></head>b",
	"<html><html lang=it><body>x",
	"<p><form>f</form>",
	"<form>a<form>b</form></form>",
	"<td>outside a table",
	"<tr><td>row outside a table",
	"<b><p>x</b>y</p>",
	"<div><span>a</div>b",
	"<table><div>x</div></table>",
	"<table><tr><td>1</div>2</td></tr></table>",
	"</p>stray p end",
	"<span><li>x</span>",
	"<html><head><title>x</title><div>y</div>",
	"<html><head><span>y</span>",
	"x<head><title>t</title></head>",
	"<meta charset=utf-8><p>x",
	"<title>a</title>b",
	"<a href=/x/y>l</a><a href=x/>m</a>",
	"<input value=\"a\"b=c>",
	"<p =x>eq</p><p a='1\"2'>q</p>",
	"<!doctype html><p>x",
	"<?xml version=\"1.0\"?><p>x",
	"<![CDATA[x]]><p>y",
	"<p>a &amp;amp; b</p>",
	"<p>&#65;&#x42;&#67 &#0; &#xD800;</p>",
	"<p>&nbsp &copy</p>",
	"<svg><path d=\"M0\"/></svg>",
	"<p>line\r\nbreak</p>",
	"<style>a{}</STYLE>b",
	"<script src=x></script><noscript><p>x</p></noscript>",
	"<p>unclosed <!-- comment",
	"<div>text</div   >",
	"<div>text</div x=y>",
	"< p>not a tag",
	"<p>a<br>b<br/>c</p>",
	"<button>a<p>b</button>",
	"<p>caf\xc3\xa9 \xe2\x82\xac</p>",
	"<html><body><div class=\"field-error\" data-field=\"nuova_password\">Troppo corta</div></body></html>",
	"<html><head></head><body><div class=\"alert alert-success\" role=\"alert\">  "
	"Password modificata correttamente  </div></body></html>",
};

int main(void)
{
	const char *dir = getenv("HTML_CORPUS");
	int pages = 0, alike = 0;

	xml_alloc_setup();
	xmlInitParser();
	for (size_t i = 0; i < sizeof(soup) / sizeof(soup[0]); i++) {
		char what[120];

		snprintf(what, sizeof(what), "the same tree for %.60s", soup[i]);
		for (char *c = what; *c; c++)
			if (*c == '\n')
				*c = ' ';
		same_tree(soup[i], strlen(soup[i]), what);
	}

	ok(html_tree_build("\xc3\x28", 2, NULL) == NULL, "bytes that are not UTF-8 are left to libxml2");
	ok(html_tree_build("a\0b", 3, NULL) == NULL, "and so is a NUL byte");
	{
		size_t n = 300 * 5;
		char *deep = malloc(n + 1);

		for (size_t i = 0; i < 300; i++)
			memcpy(deep + i * 5, "<div>", 5);
		deep[n] = '\0';
		ok(html_tree_build(deep, n, NULL) == NULL, "and so is nesting deeper than 256");
		free(deep);
	}

	if (dir) {
		DIR *d = opendir(dir);
		struct dirent *e;

		while (d && (e = readdir(d)) != NULL) {
			char path[4096], what[300];
			FILE *f;
			char *body;
			long len;

			if (!strstr(e->d_name, ".html"))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			if (!(f = fopen(path, "rb")))
				continue;
			fseek(f, 0, SEEK_END);
			len = ftell(f);
			rewind(f);
			body = malloc((size_t)len + 1);
			if (body && fread(body, 1, (size_t)len, f) == (size_t)len) {
				snprintf(what, sizeof(what), "the same tree for the page %s", e->d_name);
				pages++;
				alike += same_tree(body, (size_t)len, what);
			}
			free(body);
			fclose(f);
		}
		if (d)
			closedir(d);
		ok(pages > 0, "the corpus has pages");
		printf("# %d of %d pages built alike\n", alike, pages);
	}
	return tap_done();
}
