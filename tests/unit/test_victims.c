// SPDX-License-Identifier: GPL-2.0-only
/*
 * The orchestrator's table of OOM victims (harness/kernel_events.c): a run
 * on a kernel that kills often has more victims than slots, so the slots of
 * victims that exited and hold nothing are reused, oldest kill first.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness/orch.h"

static void test_victim_slots(void **state)
{
	struct orch *o = calloc(1, sizeof(*o));
	struct victim *v;
	int fds[2];

	(void)state;
	assert_non_null(o);
	for (unsigned i = 0; i < MAX_VICTIMS; i++) {
		v = mmt_orch_victim_new(o, (pid_t)(1000 + i), 0, 5000 + i);
		assert_non_null(v);
		assert_int_equal(v->pid, 1000 + i);
		assert_false(v->exited);
	}
	assert_int_equal(o->nr_victims, MAX_VICTIMS);
	/* every one still followed: no slot */
	assert_null(mmt_orch_victim_new(o, 99, 0, 9999));
	/* exited, but its stacks are not written yet: still no slot */
	o->victims[20].exited = true;
	o->victims[20].kill_dump = (char *)"pending";
	assert_null(mmt_orch_victim_new(o, 99, 0, 9999));
	/* two that exited and hold nothing: the older kill's slot goes first */
	o->victims[200].exited = true;
	o->victims[100].exited = true;
	v = mmt_orch_victim_new(o, 77, 1, 9000);
	assert_ptr_equal(v, &o->victims[100]);
	assert_int_equal(v->pid, 77);
	assert_int_equal(v->cell, 1);
	assert_false(v->exited);
	assert_int_equal(v->kill_mono_us, 9000);
	assert_ptr_equal(mmt_orch_victim_new(o, 78, 1, 9001), &o->victims[200]);
	assert_int_equal(o->victims_recycled, 2);
	assert_int_equal(o->nr_victims, MAX_VICTIMS);
	assert_ptr_equal(mmt_orch_victim_find(o, 77), &o->victims[100]);
	assert_null(mmt_orch_victim_find(o, 1100));   /* its slot was reused */
	/* exited with its pidfd still open (marked by hand): reused, fd closed */
	assert_int_equal(pipe(fds), 0);
	o->victims[10].exited = true;
	o->victims[10].has_pidfd = true;
	o->victims[10].pidfd = fds[0];
	assert_ptr_equal(mmt_orch_victim_new(o, 79, 0, 9002), &o->victims[10]);
	assert_int_equal(fcntl(fds[0], F_GETFD), -1);   /* closed */
	close(fds[1]);
	/* mmt_orch_victim_exited() closes it at once */
	assert_int_equal(pipe(fds), 0);
	v = &o->victims[11];
	v->has_pidfd = true;
	v->pidfd = fds[0];
	mmt_orch_victim_exited(v);
	assert_true(v->exited);
	assert_false(v->has_pidfd);
	assert_int_equal(fcntl(fds[0], F_GETFD), -1);
	close(fds[1]);
	o->victims[20].kill_dump = NULL;
	free(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_victim_slots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
