// SPDX-License-Identifier: GPL-2.0-only
/*
 * UTF-8 sanitising for the results boundary (see utf8.h).  The decoding is
 * libunistring's; what is ours is only the policy: U+FFFD for what does not
 * decode, "\xNN" for the controls XML cannot carry.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistr.h>

#include "lib/utf8.h"

static bool control_forbidden(ucs4_t uc)
{
	return (uc < 0x20 && uc != '\t' && uc != '\n' && uc != '\r') || uc == 0x7f;
}

bool mmt_utf8_ok(const char *s, size_t len, unsigned flags)
{
	const uint8_t *p = (const uint8_t *)s, *end = p + len;

	if (!(flags & MMT_UTF8_NO_CONTROLS))
		return u8_check(p, len) == NULL;
	while (p < end) {
		ucs4_t uc;
		int n = u8_mbtouc(&uc, p, (size_t)(end - p));

		if (uc == 0xfffd && !(n == 3 && !memcmp(p, "\xef\xbf\xbd", 3)))
			return false;
		if (control_forbidden(uc))
			return false;
		p += n;
	}
	return true;
}

int mmt_utf8_sanitize(const char *s, size_t len, unsigned flags, char **ret_text)
{
	const uint8_t *p = (const uint8_t *)s, *end = p + len;
	/* Worst case: every byte becomes a 4-byte "\xNN" or a 3-byte U+FFFD. */
	char *out, *o;

	*ret_text = NULL;
	if (len > (size_t)INT32_MAX / 4)
		return -E2BIG;
	out = o = malloc(len * 4 + 1);
	if (!out)
		return -ENOMEM;
	while (p < end) {
		ucs4_t uc;
		int n = u8_mbtouc(&uc, p, (size_t)(end - p));
		bool real_fffd = n == 3 && !memcmp(p, "\xef\xbf\xbd", 3);

		if (uc == 0xfffd && !real_fffd) {
			memcpy(o, "\xef\xbf\xbd", 3);   /* U+FFFD REPLACEMENT CHARACTER */
			o += 3;
		} else if ((flags & MMT_UTF8_NO_CONTROLS) && control_forbidden(uc)) {
			o += sprintf(o, "\\x%02x", (unsigned)uc);
		} else {
			memcpy(o, p, (size_t)n);
			o += n;
		}
		p += n;
	}
	*o = '\0';
	*ret_text = out;
	return (int)(o - out);
}
