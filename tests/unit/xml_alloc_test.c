/*
 * Unit test of core/xml_alloc.c, TAP on stdout. Built by
 * tests/t/05-xml-alloc.t:
 *   cc -Icore core/xml_alloc.c tests/unit/xml_alloc_test.c $(pkg-config --libs libxml-2.0)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/HTMLparser.h>
#include <libxml/xmlmemory.h>

#include "tap.h"
#include "xml_alloc.h"

static void *alloc_40(void *arg)
{
	(void)arg;
	return xmlMalloc(40);
}

/* Sizes of every class and both sides of each boundary, and beyond. */
static const size_t sizes[] = { 1, 15, 16, 17, 100, 496, 497, 1008, 1009, 2032, 4080, 8176,
				8177, 20000 };
#define N_SIZES (sizeof(sizes) / sizeof(sizes[0]))

int main(void)
{
	unsigned char *blocks[N_SIZES];
	int intact = 1, aligned = 1;

#if defined(__SANITIZE_ADDRESS__)
	printf("1..0 # SKIP libxml2 keeps the system allocator under AddressSanitizer\n");
	return 0;
#endif
	xml_alloc_setup();
	xmlInitParser();

	/* every class, filled to its last byte, apart from every other */
	for (size_t i = 0; i < N_SIZES; i++) {
		blocks[i] = xmlMalloc(sizes[i]);
		memset(blocks[i], (int)i + 1, sizes[i]);
	}
	for (size_t i = 0; i < N_SIZES; i++) {
		for (size_t k = 0; k < sizes[i]; k++)
			intact &= blocks[i][k] == (unsigned char)(i + 1);
		aligned &= ((uintptr_t)blocks[i] & 15) == 0;
	}
	ok(intact, "blocks of every size keep their bytes, none overlapping");
	ok(aligned, "blocks are 16-byte aligned");
	for (size_t i = 0; i < N_SIZES; i++)
		xmlFree(blocks[i]);

	{
		void *a = xmlMalloc(40), *b;

		xmlFree(a);
		b = xmlMalloc(33);
		ok(a == b, "a freed block is reused for the next block of its class");
		xmlFree(b);
	}
	{
		char *s = xmlMalloc(10), *grown;

		memcpy(s, "123456789", 10);
		grown = xmlRealloc(s, 5000);
		ok(grown && strcmp(grown, "123456789") == 0, "realloc keeps the bytes when it moves a block");
		grown = xmlRealloc(grown, 30000);
		ok(grown && strcmp(grown, "123456789") == 0, "and past the largest class");
		grown = xmlRealloc(grown, 20);
		ok(grown && strcmp(grown, "123456789") == 0, "and when it shrinks back into a class");
		xmlFree(grown);
		s = (char *)xmlStrdup((const xmlChar *)"copia");
		ok(s && strcmp(s, "copia") == 0, "strdup copies");
		xmlFree(s);
	}

	/* a block made by one thread and freed by another serves the second */
	{
		pthread_t t;
		void *theirs = NULL, *mine;

		pthread_create(&t, NULL, alloc_40, NULL);
		pthread_join(t, &theirs);
		xmlFree(theirs);
		mine = xmlMalloc(40);
		ok(mine == theirs, "a block freed by another thread joins that thread's free blocks");
		xmlFree(mine);
	}

	/* parsing and freeing the same page again and again reuses the same
	 * memory: the set of block addresses stops growing */
	{
		static const char page[] = "<html><body><form id=\"f\" action=\"/x\"><input name=\"a\" "
					   "value=\"1\"><p class=\"alert alert-success\">Fatto</p>"
					   "</form></body></html>";
		uintptr_t first = 0, lowest = UINTPTR_MAX, highest = 0;

		for (int i = 0; i < 20000; i++) {
			htmlDocPtr doc = htmlReadMemory(page, (int)sizeof(page) - 1, "https://a.test/",
							"UTF-8", HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
			uintptr_t root = (uintptr_t)xmlDocGetRootElement(doc);

			if (i == 100)
				first = root;
			if (i >= 100) {
				lowest = root < lowest ? root : lowest;
				highest = root > highest ? root : highest;
			}
			xmlFreeDoc(doc);
		}
		ok(first && highest - lowest < ((uintptr_t)1 << 20),
		   "20000 parses of a page stay within the same megabyte");
	}

	/* a document arena: blocks side by side, freed with the arena */
	{
		struct xml_arena *arena = xml_arena_begin();
		unsigned char *first = xmlMalloc(100), *second = xmlMalloc(20), *big, *outside;
		char *text = (char *)xmlStrdup((const xmlChar *)"testo"), *grown;
		int apart = 1;

		ok(arena && second > first && second - first <= 128,
		   "while an arena is on, blocks come one after the other");
		big = xmlMalloc(100000);
		memset(big, 7, 100000);
		ok(big && big[99999] == 7, "a block larger than an arena's chunk has one of its own");
		grown = xmlRealloc(text, 3000);
		ok(grown && strcmp(grown, "testo") == 0, "realloc of an arena block keeps its bytes");
		ok(xmlRealloc(grown, 10) == grown, "and keeps the block when it shrinks");
		xmlFree(first);  /* nothing: it goes with the arena */
		xml_arena_end();
		outside = xmlMalloc(100);
		ok(outside != first, "a freed arena block is not handed out again");
		for (int i = 0; i < 64; i++) {
			unsigned char *b = xmlMalloc(100);

			apart &= b != first && b != second;
			xmlFree(b);
		}
		ok(apart, "not even after many allocations of its class");
		xmlFree(outside);
		xml_arena_release(arena);
		arena = xml_arena_begin();
		ok(arena && xmlMalloc(100) != NULL, "a later arena starts again (on the last one's memory)");
		xml_arena_end();
		xml_arena_release(arena);
		xml_arena_release(NULL);  /* no arena: nothing to do */
	}
	return tap_done();
}
