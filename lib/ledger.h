/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_LEDGER_H
#define MMT_LEDGER_H

#include <stddef.h>

/*
 * The machine-wide ledger of changed settings (sysctls, sysfs knobs such as
 * THP's `enabled`).  A run's journal alone cannot restore a knob right
 * when runs overlap: a second run started before a crashed first one was
 * cleaned up would journal the first one's leftover as "old".  So the
 * pristine value is kept once per machine, by the first run that changes
 * the knob; every run that changes it is a holder; only the last holder's
 * undo restores the pristine value.
 *
 * It lives in /run/mmtorture/ledger (a tmpfs: a reboot clears it exactly
 * when the knobs themselves reset), or $MMT_LEDGER_DIR for tests, one file
 * per knob, written atomically under a flock of the directory's lock file.
 * Each entry also holds the boot id it was made in; an entry of another
 * boot (a /run that is not a tmpfs) is stale and dropped.
 *
 * Values are the knob's text as it should be written back (no newline).
 */

#define MMT_LEDGER_DIR "/run/mmtorture/ledger"

/* The directory in use ($MMT_LEDGER_DIR or MMT_LEDGER_DIR). */
const char *mmt_ledger_dir(void);

/*
 * RUN_ID is about to change KNOB (an absolute path) whose value now is
 * CURRENT.  The first holder records CURRENT as the pristine value; later
 * holders add themselves and record nothing.  Idempotent.  0 or -errno.
 */
int mmt_ledger_acquire(const char *knob, const char *run_id, const char *current);

/*
 * RUN_ID undoes its change of KNOB.  Returns 1 with the pristine value in
 * ret_value when no holder is left (the caller writes it back, then calls
 * mmt_ledger_forget()); 0 when others still hold it or the ledger has no
 * entry (nothing to restore: e.g. after a reboot); -errno.  Idempotent:
 * called again before forget, it returns the pristine value again.
 */
int mmt_ledger_release(const char *knob, const char *run_id, char *ret_value, size_t len);

/* The pristine value is back: drop KNOB's entry if it has no holder.  0 or -errno. */
int mmt_ledger_forget(const char *knob);

#endif
