// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmsg_poll: the bare baseline of the OOM-event latency bench.  A poll()
 * loop on /dev/kmsg that only reads records, and for every OOM kill line
 * ("Killed process") prints "SEQ LATENCY_US": how long after the kernel's
 * timestamp this loop read it (CLOCK_MONOTONIC, the clock printk's
 * local_clock() runs with).  bench_run.sh runs it beside a real run and
 * compares the run's events.jsonl (recorded_t_us - t_us) kill by kill.
 * Runs for the seconds given (default 60), then exits.  Raw fds: it is the
 * hot path it measures.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
	uint64_t end = now_us() + (argc > 1 ? strtoull(argv[1], NULL, 10) : 60) * 1000000;
	char buf[8192];
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		perror("kmsg_poll: /dev/kmsg");
		return 77;
	}
	lseek(fd, 0, SEEK_END);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (now_us() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 200) <= 0)
			continue;
		while ((n = read(fd, buf, sizeof(buf) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
			uint64_t seq, ts, t = now_us();
			unsigned lvl;

			if (n < 0)
				continue;
			buf[n] = '\0';
			/* "LEVEL,SEQ,TS_US,FLAGS;TEXT" (Documentation/ABI/testing/dev-kmsg) */
			if (sscanf(buf, "%u,%" SCNu64 ",%" SCNu64, &lvl, &seq, &ts) == 3 &&
			    strstr(buf, "Killed process ") && t >= ts)
				printf("%" PRIu64 " %" PRIu64 "\n", seq, t - ts);
		}
	}
	close(fd);
	return 0;
}
