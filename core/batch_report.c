/*
 * The outcome of a batch: a report file with one row per mailbox (CSV or
 * JSON, by the file's extension), a one-line summary on stdout, and the
 * exit code. Messages were redacted when they were recorded; nothing here
 * reads a secret.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "batch.h"
#include "json_numbers.h"
#include "exitcode.h"

static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void write_csv(const struct batch *b, FILE *f)
{
	fputs("account,provider,status,code,message,duration_s,requests,line\r\n", f);
	for (size_t i = 0; i < b->n_jobs; i++) {
		const struct batch_job *job = &b->jobs[i];

		csv_field(f, job->account ? job->account : "");
		fputc(',', f);
		csv_field(f, job->provider ? job->provider : "");
		fputc(',', f);
		fputs(batch_status_name(job->status), f);
		fputc(',', f);
		csv_field(f, job->code);
		fputc(',', f);
		csv_field(f, job->message);
		fprintf(f, ",%.3f,%ld,%ld\r\n", job->duration_s, job->requests, job->line);
	}
}

static int write_json(const struct batch *b, FILE *f)
{
	cJSON *root = cJSON_CreateObject(), *rows = cJSON_AddArrayToObject(root, "mailboxes");
	char *text;

	cJSON_AddStringToObject(root, "procedure", b->procedure);
	for (size_t i = 0; i < b->n_jobs; i++) {
		const struct batch_job *job = &b->jobs[i];
		cJSON *row = cJSON_CreateObject();

		cJSON_AddStringToObject(row, "account", job->account ? job->account : "");
		cJSON_AddStringToObject(row, "provider", job->provider ? job->provider : "");
		cJSON_AddStringToObject(row, "status", batch_status_name(job->status));
		cJSON_AddStringToObject(row, "code", job->code);
		cJSON_AddStringToObject(row, "message", job->message);
		json_add_seconds(row, "duration_s", job->duration_s);
		json_add_integer(row, "requests", job->requests);
		json_add_integer(row, "line", job->line);
		cJSON_AddItemToArray(rows, row);
	}
	text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text)
		return -1;
	fputs(text, f);
	fputc('\n', f);
	cJSON_free(text);
	return 0;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

int batch_report_write(const struct batch *b, const char *path, struct pecctl_error *err)
{
	char tmp[4200];
	FILE *f;
	int rc = 0;

	/* written beside it and renamed: a reader never sees half a report */
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return pecctl_error_set(err, PECCTL_E_INVALID, "the report path is too long"), -1;
	f = fopen(tmp, "w");
	if (!f) {
		snprintf(err->message, sizeof(err->message), "cannot write the report %s: %s", path,
			 strerror(errno));
		snprintf(err->code, sizeof(err->code), "io");
		return -1;
	}
	if (has_suffix(path, ".json"))
		rc = write_json(b, f);
	else
		write_csv(b, f);
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -1;
	if (rc != 0) {
		snprintf(err->message, sizeof(err->message), "cannot write the report %s: %s", path,
			 strerror(errno));
		snprintf(err->code, sizeof(err->code), "io");
		unlink(tmp);
	}
	return rc;
}

struct tally {
	size_t ok, failed, needs, skipped, earlier_failed, earlier_needs, not_started;
};

static void count(const struct batch *b, struct tally *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < b->n_jobs; i++) {
		const struct batch_job *job = &b->jobs[i];

		switch (job->status) {
		case BATCH_OK: t->ok++; break;
		case BATCH_FAILED: t->failed++; break;
		case BATCH_NEEDS_ACTION: t->needs++; break;
		default:
			t->skipped++;
			if (job->counted_failed == 1)
				t->earlier_failed++;
			else if (job->counted_failed == 2)
				t->earlier_needs++;
			else if (strcmp(job->code, "interrupted") == 0)
				t->not_started++;
			break;
		}
	}
}

void batch_summary_print(const struct batch *b, FILE *out, int interrupted)
{
	struct tally t;
	double elapsed = batch_now() - b->started_at;

	count(b, &t);
	fprintf(out, "%s: %zu mailbox%s in %.1f s: %zu ok, %zu failed, %zu needs-action, %zu skipped",
		b->procedure, b->n_jobs, b->n_jobs == 1 ? "" : "es", elapsed, t.ok, t.failed, t.needs,
		t.skipped);
	if (t.earlier_failed || t.earlier_needs)
		fprintf(out, " (%zu failed and %zu needed action in an earlier run: --retry-failed)",
			t.earlier_failed, t.earlier_needs);
	if (interrupted)
		fprintf(out, "; interrupted, %zu not started: --resume continues", t.not_started);
	fputc('\n', out);
}

int batch_exit_code(const struct batch *b, int interrupted)
{
	struct tally t;

	if (interrupted)
		return EXIT_INTERRUPTED;
	count(b, &t);
	if (t.failed || t.earlier_failed)
		return EXIT_PORTAL_REFUSED;
	if (t.needs || t.earlier_needs)
		return EXIT_NEEDS_HUMAN;
	return 0;
}
