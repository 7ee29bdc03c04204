/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_INJECTORS_H
#define MMT_INJECTORS_H

#include "api/injector.h"

/*
 * The one explicit registry of injectors (an X-macro; no constructors):
 * X(symbol, name in job files), the name equal to the ops table's .name,
 * the same shape as workloads/workloads.h.
 */
#define MMT_INJECTORS(X)                  \
	X(rebind, "rebind")               \
	X(swap, "swap")                   \
	X(writeback, "writeback")         \
	X(nfs, "nfs")                     \
	X(hog, "hog")                     \
	X(memcg_squeeze, "memcg-squeeze") \
	X(drop_caches, "drop-caches")     \
	X(compact, "compact")             \
	X(thp, "thp")                     \
	X(pressure, "pressure")

#define X(n, name) extern const struct mmt_injector_ops mmt_injector_##n;
MMT_INJECTORS(X)
#undef X

extern const struct mmt_injector_ops *const mmt_injectors[];
extern const unsigned mmt_nr_injectors;
/* NULL-terminated names, as the registry spells them. */
extern const char *const mmt_injector_names[];

const struct mmt_injector_ops *mmt_injector_find(const char *name);

#endif
