#ifndef PECCTL_HAR_H
#define PECCTL_HAR_H
#include <stddef.h>
#include "http.h"

/* HAR 1.2 traces (--har FILE) and replay from them (--replay FILE.har).
 *
 * Recording: every exchange of every session (each redirect hop) becomes a
 * HAR entry, redacted as it is taken (registered secrets, cookie values,
 * Authorization values, password-like form and JSON fields) and the whole
 * file redacted once more when it is written: atomically (temp + rename),
 * at exit, whatever the exit path. Thread-safe.
 *
 * Replay: sessions answer from a HAR file instead of the network, matching
 * method and (redacted) URL, recorded duplicates taken in order. */

/* From pecctl_opts (--har, --replay): 0, or an exit code with a message on
 * stderr. Called once by main before the command runs. */
int har_setup(void);
/* Write the trace if one is being recorded (idempotent; also run from
 * atexit). 0, or -1 with a message on stderr. */
int har_finish(void);

int har_record_start(const char *path, struct pecctl_error *err);
int har_recording(void);
/* The observer: record one exchange. */
void har_record(const struct http_exchange *x);

int har_replay_load(const char *path, struct pecctl_error *err);
int har_replaying(void);
/* An http_hooks transport answering from the loaded HAR. */
int har_replay_answer(void *userdata, const char *method, const char *url, const char *body,
		      size_t body_len, struct http_response **out, struct pecctl_error *err);
void har_replay_release(void);

/* Shared by recording and replay, so that a live URL compares equal to the
 * recorded one: registered secrets and password-like query values masked.
 * Caller frees. */
char *har_redact_url(const char *url);
/* 1 when a field or header name looks like it holds a credential
 * (/pass|pwd|token|secret|otp|codice|answer/i). */
int har_sensitive_name(const char *name, size_t len);

#endif
