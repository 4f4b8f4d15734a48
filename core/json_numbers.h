#ifndef PECCTL_JSON_NUMBERS_H
#define PECCTL_JSON_NUMBERS_H
#include <cjson/cJSON.h>

/* Numbers added to a cJSON object as their text. cJSON prints a number
 * with sprintf and reads it back with sscanf to pick its precision, which
 * was most of the cost of a batch journal line. NULL out of memory. */
cJSON *json_add_integer(cJSON *object, const char *name, long value);
/* Seconds with three decimals (milliseconds). */
cJSON *json_add_seconds(cJSON *object, const char *name, double seconds);

#endif
