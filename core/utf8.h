#ifndef PECCTL_UTF8_H
#define PECCTL_UTF8_H
#include <stddef.h>

/* 1 when len bytes are valid UTF-8 (shortest forms, no surrogates, nothing
 * past U+10FFFF) and hold no NUL byte: text that can go as it is into a C
 * string, a JSON string or a libxml2 tree. */
int utf8_valid_text(const unsigned char *s, size_t len);

/* Writes code point cp (at most U+10FFFF) as UTF-8 into out; returns the
 * number of bytes, 1 to 4. */
size_t utf8_encode(unsigned long cp, char out[4]);

#endif
