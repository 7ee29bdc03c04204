// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the kernel-log parser (`make fuzz`, not part of
 * `make check`): the input is a saved log; every line goes through the
 * record parser, the saved-text reader (prefixes, wrapped lines), the
 * classifier, the combiner (feed, expire, flush) and the JSON writer, as
 * `mmtorture parse-kmsg` and a run do.  Built with
 * -fsanitize=fuzzer,address,undefined.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/kmsg.h"
#include "results/kevent_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void to_json(const struct mmt_kevent *ev, int n)
{
	for (int i = 0; i < n; i++) {
		json_object *o = mmt_kevent_to_json(&ev[i]);

		if (ev[i].type == MMT_KEV_OOM_KILL) {
			struct mmt_oom_report r;

			mmt_oom_report_from_json(o, &r);
		}
		json_object_put(o);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mmt_kevent ev[MMT_KMSG_MAX_EVENTS];
	static struct mmt_kmsg_rec rec;
	struct mmt_kmsg_state *st = mmt_kmsg_state_new();
	struct mmt_kmsg_text *tx = mmt_kmsg_text_new();
	char *buf = malloc(size + 1), *p, *nl;
	uint64_t ts = 0;

	if (!st || !tx || !buf)
		goto out;
	memcpy(buf, data, size);
	buf[size] = '\0';
	/* the whole input as one /dev/kmsg record */
	if (mmt_kmsg_parse_record(buf, size, &rec) == 0)
		to_json(ev, mmt_kmsg_feed(st, &rec, ev, MMT_KMSG_MAX_EVENTS));
	for (p = buf; p && p < buf + size; p = nl ? nl + 1 : NULL) {
		nl = memchr(p, '\n', buf + size - p);
		if (nl)
			*nl = '\0';
		if (mmt_kmsg_text_push(tx, p, &rec) != 1)
			continue;
		to_json(ev, mmt_kmsg_feed(st, &rec, ev, MMT_KMSG_MAX_EVENTS));
		if (rec.has_ts && rec.ts_us > ts) {
			ts = rec.ts_us;
			/* an idle moment of the event loop now and then */
			if (ts % 7 == 0)
				to_json(ev, mmt_kmsg_expire(st, ts + 2000000, ev,
							    MMT_KMSG_MAX_EVENTS));
		}
	}
	if (mmt_kmsg_text_finish(tx, &rec) == 1)
		to_json(ev, mmt_kmsg_feed(st, &rec, ev, MMT_KMSG_MAX_EVENTS));
	to_json(ev, mmt_kmsg_flush(st, ev, MMT_KMSG_MAX_EVENTS));
	/* a second flush has nothing left */
	if (mmt_kmsg_flush(st, ev, MMT_KMSG_MAX_EVENTS) != 0)
		abort();
out:
	free(buf);
	mmt_kmsg_text_free(tx);
	mmt_kmsg_state_free(st);
	return 0;
}
