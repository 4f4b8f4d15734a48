/*
 * UTF-8: checking text and encoding code points, for the HTML reader, the
 * HAR writer and the vault's JSON.
 */
#include <stdint.h>
#include <string.h>
#include "utf8.h"

int utf8_valid_text(const unsigned char *p, size_t len)
{
	const unsigned char *end = p + len;

	while (p < end) {
		unsigned char c = *p;
		uint64_t word;
		int more;

		/* eight ASCII bytes, none of them NUL, at a time: most pages */
		if (end - p >= 8) {
			memcpy(&word, p, 8);
			if (!(word & 0x8080808080808080ULL) &&
			    !((word - 0x0101010101010101ULL) & ~word & 0x8080808080808080ULL)) {
				p += 8;
				continue;
			}
		}
		if (c >= 0x01 && c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			more = 1;
		else if (c >= 0xe0 && c <= 0xef)
			more = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			more = 3;
		else
			return 0;  /* NUL, a continuation byte, or no UTF-8 lead */
		if (end - p <= more)
			return 0;
		for (int i = 1; i <= more; i++)
			if ((p[i] & 0xc0) != 0x80)
				return 0;
		/* no overlong forms, surrogates, or code points past U+10FFFF */
		if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0) ||
		    (c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90))
			return 0;
		p += more + 1;
	}
	return 1;
}

size_t utf8_encode(unsigned long cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}
