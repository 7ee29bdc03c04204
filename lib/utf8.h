/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_UTF8_H
#define MMT_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Text that comes from outside (job files, file names, kernel lines, a
 * task's comm) may hold any bytes; run.json, events.jsonl and junit.xml
 * must be valid UTF-8 (and XML 1.0) whatever it held.  This is the one
 * sanitising step the results boundary applies (results/results.c).
 * Decoding is libunistring's (u8_mbtouc): every invalid or truncated
 * sequence, overlong form, surrogate or code point above U+10FFFF becomes
 * U+FFFD, one per maximal invalid subpart.
 */

enum mmt_utf8_flags {
	/*
	 * Also replace the C0 controls XML 1.0 forbids (all below U+0020 but
	 * tab, newline and carriage return) and DEL by a visible "\xNN".  JSON
	 * escapes controls itself; XML has no way to carry them.
	 */
	MMT_UTF8_NO_CONTROLS = 1 << 0,
};

/*
 * Is [s, s+len) acceptable as it is under flags?  Pure.
 */
bool mmt_utf8_ok(const char *s, size_t len, unsigned flags);

/*
 * A NUL-terminated malloc()ed copy of [s, s+len) made acceptable under
 * flags (see above), in *ret_text.  Returns the new length (>= 0) or
 * -ENOMEM (-E2BIG above 512 MiB).  An embedded NUL byte is a control: under MMT_UTF8_NO_CONTROLS
 * it becomes "\x00", otherwise it is kept, and C strings end there.
 */
int mmt_utf8_sanitize(const char *s, size_t len, unsigned flags, char **ret_text);

#endif
