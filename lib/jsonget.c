// SPDX-License-Identifier: GPL-2.0-only
/* Getters for json-c objects (lib/jsonget.h). */
#include "config.h"

#include <string.h>

#include "lib/jsonget.h"

json_object *mmt_json_get(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !key || !json_object_is_type(o, json_type_object))
		return NULL;
	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

json_object *mmt_json_path(json_object *o, const char *path)
{
	char key[256];

	if (!path)
		return NULL;
	while (o) {
		const char *dot = strchr(path, '.');
		size_t len = dot ? (size_t)(dot - path) : strlen(path);

		if (len >= sizeof(key))
			return NULL;
		memcpy(key, path, len);
		key[len] = '\0';
		o = mmt_json_get(o, key);
		if (!dot)
			return o;
		path = dot + 1;
	}
	return NULL;
}

const char *mmt_json_str(json_object *o, const char *key)
{
	json_object *v = mmt_json_get(o, key);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

const char *mmt_json_text(json_object *o, const char *key)
{
	json_object *v = mmt_json_get(o, key);

	return v ? json_object_get_string(v) : NULL;
}

static bool is_number(json_object *v)
{
	return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

bool mmt_json_i64(json_object *o, const char *key, int64_t *ret)
{
	json_object *v = mmt_json_get(o, key);

	if (!v || !is_number(v))
		return false;
	*ret = json_object_get_int64(v);
	return true;
}

bool mmt_json_double(json_object *o, const char *key, double *ret)
{
	json_object *v = mmt_json_get(o, key);

	if (!v || !is_number(v))
		return false;
	*ret = json_object_get_double(v);
	return true;
}

bool mmt_json_bool(json_object *o, const char *key, bool def)
{
	json_object *v = mmt_json_get(o, key);

	return json_object_is_type(v, json_type_boolean) ? json_object_get_boolean(v) : def;
}
