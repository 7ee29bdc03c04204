/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_INJECTORS_H
#define MMT_INJECTORS_H

#include "api/injector.h"

/* The one explicit registry of injectors (an X-macro; no constructors). */
#define MMT_INJECTORS(X) \
	X(rebind) \
	X(swap) \
	X(writeback) \
	X(nfs) \
	X(hog) \
	X(memcg_squeeze) \
	X(drop_caches) \
	X(compact) \
	X(thp)

#define X(n) extern const struct mmt_injector_ops mmt_injector_##n;
MMT_INJECTORS(X)
#undef X

extern const struct mmt_injector_ops *const mmt_injectors[];
extern const unsigned mmt_nr_injectors;

const struct mmt_injector_ops *mmt_injector_find(const char *name);

#endif
