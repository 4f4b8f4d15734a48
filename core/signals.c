/* SIGINT/SIGTERM as a flag polled at safe points (see signals.h). */
#include <signal.h>
#include <string.h>
#include <time.h>
#include "signals.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

void signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int signals_interrupted(void)
{
	return interrupted != 0;
}

void signals_clear(void)
{
	interrupted = 0;
}

int signals_sleep_ms(long ms)
{
	/* In slices, so an interruption is noticed within 50 ms. */
	while (ms > 0 && !interrupted) {
		long slice = ms < 50 ? ms : 50;
		struct timespec ts = { slice / 1000, (slice % 1000) * 1000000L };
		nanosleep(&ts, NULL);
		ms -= slice;
	}
	return interrupted ? -1 : 0;
}
