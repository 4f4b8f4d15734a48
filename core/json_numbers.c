/*
 * Integers and durations for cJSON objects, written as text (see
 * json_numbers.h).
 */
#include "json_line.h"
#include "json_numbers.h"

cJSON *json_add_integer(cJSON *object, const char *name, long value)
{
	char text[JSON_NUMBER_MAX];

	json_format_integer(text, value);
	return cJSON_AddRawToObject(object, name, text);
}

cJSON *json_add_seconds(cJSON *object, const char *name, double seconds)
{
	char text[JSON_NUMBER_MAX];

	json_format_seconds(text, seconds);
	return cJSON_AddRawToObject(object, name, text);
}
