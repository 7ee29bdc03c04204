/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_JSONGET_H
#define MMT_JSONGET_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

/*
 * Reading json-c objects by key: one set of getters for every reader of
 * run.json, events.jsonl and the test cases.  A key is taken as it is
 * (run.json keys may hold dots, e.g. sysctl names); mmt_json_path() walks
 * a dotted path.  All accept a NULL or non-object o and then find nothing.
 */

/* o[key]; NULL when o is no object, key is absent, or its value is null. */
json_object *mmt_json_get(json_object *o, const char *key);

/* o["a"]["b"]... for path "a.b..."; NULL as mmt_json_get() on any step. */
json_object *mmt_json_path(json_object *o, const char *path);

/* o[key] if it is a string; else NULL. */
const char *mmt_json_str(json_object *o, const char *key);

/* o[key] for display: strings as they are, other values as JSON; NULL if
 * absent or null. */
const char *mmt_json_text(json_object *o, const char *key);

/* o[key] if it is a number (an int, or a double cut towards zero): returns
 * true and stores it; else false and *ret is untouched. */
bool mmt_json_i64(json_object *o, const char *key, int64_t *ret);

/* o[key] if it is a number (int or double): true and stored; else false. */
bool mmt_json_double(json_object *o, const char *key, double *ret);

/* o[key] if it is a boolean; else def. */
bool mmt_json_bool(json_object *o, const char *key, bool def);

#endif
