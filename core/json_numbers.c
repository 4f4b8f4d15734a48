/*
 * Integers and durations for JSON lines, written as text (see
 * json_numbers.h): the batch writes several per mailbox.
 */
#include <stdio.h>
#include "json_numbers.h"

cJSON *json_add_integer(cJSON *object, const char *name, long value)
{
	char text[32];

	snprintf(text, sizeof(text), "%ld", value);
	return cJSON_AddRawToObject(object, name, text);
}

cJSON *json_add_seconds(cJSON *object, const char *name, double seconds)
{
	char text[48];

	if (!(seconds >= 0 && seconds < 1e12))  /* NaN too: JSON has no such numbers */
		seconds = 0;
	snprintf(text, sizeof(text), "%.3f", seconds);
	return cJSON_AddRawToObject(object, name, text);
}
