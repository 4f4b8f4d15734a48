#ifndef PECCTL_JSON_NUMBERS_H
#define PECCTL_JSON_NUMBERS_H
#include <cjson/cJSON.h>

/* Numbers added to a cJSON object as their text, spelled as the journal's
 * lines spell them (json_line.h): cJSON would pick its own precision for
 * a duration, printing and reading it back. NULL out of memory. */
cJSON *json_add_integer(cJSON *object, const char *name, long value);
/* Seconds with three decimals (milliseconds). */
cJSON *json_add_seconds(cJSON *object, const char *name, double seconds);

#endif
