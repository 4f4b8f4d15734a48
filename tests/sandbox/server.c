/* The HTTPS server: libmicrohttpd with one thread per connection, request
 * bodies collected under a cap, routing by the Host header, faults and
 * variants wrapped around the portal handlers. */
#include "pecsim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* Larger bodies are refused with 413; no portal form comes near this. */
#define MAX_BODY (256u * 1024u)

struct server {
	struct MHD_Daemon *daemon;
};

/* Serialises every handler: the state is one JSON tree. */
static pthread_mutex_t state_mutex = PTHREAD_MUTEX_INITIALIZER;
static unsigned long next_conn_id;

static void sim_lock(void)
{
	pthread_mutex_lock(&state_mutex);
}

static void sim_unlock(void)
{
	pthread_mutex_unlock(&state_mutex);
}

static const char *const host_names[HOST_COUNT] = {
	[HOST_GESTIONEMAIL] = "gestionemail.pec.it",
	[HOST_ACCOUNT] = "account.aruba.it",
	[HOST_WEBMAIL] = "webmail.pec.it",
	[HOST_AREACLIENTI] = "areaclienti.pec.it",
	[HOST_INFOCERT] = "webmail.infocert.it",
};

static void (*const host_handlers[HOST_COUNT])(struct sim_request *, struct sim_response *) = {
	[HOST_GESTIONEMAIL] = gestionemail_handle,
	[HOST_ACCOUNT] = account_handle,
	[HOST_WEBMAIL] = webmail_handle,
	[HOST_AREACLIENTI] = areaclienti_handle,
	[HOST_INFOCERT] = infocert_handle,
};

const char *host_name(enum sim_host h)
{
	return h < HOST_COUNT ? host_names[h] : "?";
}

/* -1 for a Host header that names none of the portals. */
static int host_lookup(const char *header)
{
	if (!header)
		return -1;
	size_t len = strcspn(header, ":");
	for (int h = 0; h < HOST_COUNT; h++)
		if (strlen(host_names[h]) == len && strncasecmp(header, host_names[h], len) == 0)
			return h;
	return -1;
}

const char *req_query(const struct sim_request *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *req_header(const struct sim_request *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

const char *req_cookie(const struct sim_request *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, name);
}

const char *req_field(const struct sim_request *rq, const char *name)
{
	const char *v = kv_get(&rq->form, name);
	if (v)
		return v;
	if (cJSON_IsObject(rq->json)) {
		const cJSON *item = cJSON_GetObjectItemCaseSensitive(rq->json, name);
		if (cJSON_IsString(item))
			return item->valuestring;
	}
	return NULL;
}

int req_is(const struct sim_request *rq, const char *method, const char *path)
{
	return strcmp(rq->method, method) == 0 && strcmp(rq->path, path) == 0;
}

void resp_header(struct sim_response *rs, const char *name, const char *value)
{
	kv_add(&rs->headers, name, value);
}

void resp_text(struct sim_response *rs, unsigned status, const char *text)
{
	rs->status = status;
	rs->content_type = "text/plain; charset=utf-8";
	rs->body.len = 0;
	buf_puts(&rs->body, text);
	buf_puts(&rs->body, "\n");
}

void resp_json(struct sim_response *rs, unsigned status, cJSON *obj)
{
	char *text = cJSON_PrintUnformatted(obj);
	rs->status = status;
	rs->content_type = "application/json";
	rs->body.len = 0;
	if (text)
		buf_puts(&rs->body, text);
	free(text);
	cJSON_Delete(obj);
}

void resp_json_error(struct sim_response *rs, unsigned status, const char *code, const char *message)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "error", code);
	cJSON_AddStringToObject(o, "message", message);
	resp_json(rs, status, o);
}

void resp_redirect(struct sim_response *rs, const char *location)
{
	rs->status = 303;
	rs->body.len = 0;
	resp_header(rs, "Location", location);
}

static void request_free(struct sim_request *rq)
{
	if (!rq)
		return;
	buf_release(&rq->body);
	kv_free(&rq->form);
	cJSON_Delete(rq->json);
	free((char *)rq->method);
	free((char *)rq->path);
	free(rq);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls, (void)conn, (void)toe;
	request_free(*con_cls);
	*con_cls = NULL;
}

/* Numbers connections so the request log can tell how many TLS handshakes
 * a client made. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	(void)cls, (void)conn;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		unsigned long *id = xcalloc(1, sizeof(*id));
		*id = __atomic_add_fetch(&next_conn_id, 1, __ATOMIC_SEQ_CST);
		*socket_context = id;
	} else {
		free(*socket_context);
		*socket_context = NULL;
	}
}

static void client_ip(struct MHD_Connection *conn, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(out, size, "?");
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, (socklen_t)size);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, (socklen_t)size);
}

static int is_loopback(const char *ip)
{
	return str_starts(ip, "127.") || strcmp(ip, "::1") == 0 || str_starts(ip, "::ffff:127.");
}

static struct sim_request *request_new(struct MHD_Connection *conn, const char *url, const char *method)
{
	struct sim_request *rq = xcalloc(1, sizeof(*rq));
	rq->conn = conn;
	rq->method = xstrdup(method);
	rq->path = xstrdup(url);
	buf_init(&rq->body, MAX_BODY);
	client_ip(conn, rq->client_ip, sizeof(rq->client_ip));
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci && ci->socket_context)
		rq->conn_id = *(unsigned long *)ci->socket_context;
	return rq;
}

/* Forms and JSON are the only bodies the portals read. */
static void parse_body(struct sim_request *rq)
{
	if (!rq->body.len)
		return;
	const char *ct = req_header(rq, "Content-Type");
	if (ct && strcasestr(ct, "application/x-www-form-urlencoded")) {
		kv_parse_urlencoded(&rq->form, rq->body.data, rq->body.len);
		return;
	}
	if ((ct && strcasestr(ct, "json")) || rq->body.data[0] == '{' || rq->body.data[0] == '[')
		rq->json = cJSON_ParseWithLength(rq->body.data, rq->body.len);
}

static int body_is_bad_json(const struct sim_request *rq)
{
	const char *ct = req_header(rq, "Content-Type");
	return rq->body.len && !rq->json && ct && strcasestr(ct, "json");
}

static void apply_fault(struct sim_request *rq, struct sim_response *rs, const struct fault_action *f,
			long *delay_ms)
{
	if (strcmp(f->kind, "drop") == 0) {
		rs->drop = 1;
	} else if (strcmp(f->kind, "delay") == 0) {
		*delay_ms = f->arg;
	} else if (strcmp(f->kind, "status") == 0) {
		kv_free(&rs->headers);
		resp_text(rs, (unsigned)f->arg, "errore simulato");
	} else if (strcmp(f->kind, "rate_limit") == 0) {
		char secs[32];
		snprintf(secs, sizeof(secs), "%ld", f->arg);
		kv_free(&rs->headers);
		resp_text(rs, 429, "Troppe richieste, riprova più tardi");
		resp_header(rs, "Retry-After", secs);
	} else if (strcmp(f->kind, "expire_session") == 0) {
		session_expire_for_request(rq);
	}
}

static void sleep_ms(long ms)
{
	if (ms <= 0)
		return;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Runs one request through faults, variants and its portal. Returns the
 * milliseconds to wait before answering (an "after" delay). */
static long dispatch(struct sim_request *rq, struct sim_response *rs)
{
	long delay_ms = 0;
	const char *host = req_header(rq, "Host");

	if (str_starts(rq->path, "/__sandbox/")) {
		rq->host_name = host ? host : "";
		if (!is_loopback(rq->client_ip))
			resp_text(rs, 403, "admin API is for loopback clients only");
		else if (rq->body_too_large)
			resp_text(rs, 413, "request body too large");
		else {
			parse_body(rq);
			admin_handle(rq, rs);
		}
		return 0;
	}
	int h = host_lookup(host);
	if (h < 0) {
		rq->host_name = host ? host : "";
		resp_text(rs, 421, "Misdirected Request: unknown host");
		return 0;
	}
	rq->host = (enum sim_host)h;
	rq->host_name = host_names[h];

	struct fault_action f = faults_match(rq, FAULT_BEFORE);
	if (f.active) {
		if (strcmp(f.kind, "delay") == 0) {
			sim_unlock();
			sleep_ms(f.arg);
			sim_lock();
		} else {
			apply_fault(rq, rs, &f, &delay_ms);
			if (strcmp(f.kind, "expire_session") != 0)
				return 0;
		}
	}
	if (rq->body_too_large) {
		resp_text(rs, 413, "request body too large");
		return 0;
	}
	parse_body(rq);
	if (body_is_bad_json(rq)) {
		resp_json_error(rs, 400, "bad_request", "Richiesta non valida: JSON malformato");
		return 0;
	}
	variants_apply_request(rq);
	host_handlers[h](rq, rs);
	variants_apply_response(rq, rs);

	f = faults_match(rq, FAULT_AFTER);
	if (f.active)
		apply_fault(rq, rs, &f, &delay_ms);
	return delay_ms;
}

static enum MHD_Result respond(struct sim_request *rq)
{
	struct sim_response rs;
	memset(&rs, 0, sizeof(rs));
	buf_init(&rs.body, 0);

	sim_lock();
	long delay_ms = dispatch(rq, &rs);
	if (!rs.status)
		rs.status = 500;
	unsigned logged = rs.drop ? 0 : rs.status;
	reqlog_add(rq, logged);
	fprintf(stderr, "pecsim: conn=%lu %s %s %s %s -> %u\n", rq->conn_id, rq->client_ip,
		rq->host_name ? rq->host_name : "", rq->method, rq->path, logged);
	sim_unlock();

	sleep_ms(delay_ms);
	if (rs.drop) {
		buf_release(&rs.body);
		kv_free(&rs.headers);
		return MHD_NO; /* closes the connection: the "no answer" case */
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(rs.body.len, rs.body.data ? rs.body.data : (char *)"",
								 MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret = MHD_NO;
	if (r) {
		MHD_add_response_header(r, "Content-Type", rs.content_type ? rs.content_type : "text/plain; charset=utf-8");
		MHD_add_response_header(r, "Cache-Control", "no-store");
		for (size_t i = 0; i < rs.headers.n; i++)
			MHD_add_response_header(r, rs.headers.items[i].key, rs.headers.items[i].value);
		ret = MHD_queue_response(rq->conn, rs.status, r);
		MHD_destroy_response(r);
	}
	buf_release(&rs.body);
	kv_free(&rs.headers);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	(void)cls, (void)version;
	struct sim_request *rq = *con_cls;
	if (!rq) {
		*con_cls = request_new(conn, url, method);
		return MHD_YES;
	}
	if (*upload_data_size) {
		/* keep reading past the cap, so the client gets a 413, not a reset */
		if (!rq->body_too_large) {
			buf_add(&rq->body, upload_data, *upload_data_size);
			rq->body_too_large = rq->body.overflow;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	return respond(rq);
}

static int open_listener(const char *host, unsigned port, unsigned *bound, char *err, size_t errsize)
{
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		snprintf(err, errsize, "cannot listen on '%s': not an IPv4 address", host);
		return -1;
	}
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 128)) {
		snprintf(err, errsize, "cannot listen on %s:%u: %s", host, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	socklen_t len = sizeof(sa);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	*bound = ntohs(sa.sin_port);
	return fd;
}

/* Written under a temporary name and renamed, so a reader never sees half. */
static int write_port_file(const char *path, unsigned port)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "%u\n", port);
	if (fclose(f) || rename(tmp, path))
		return -1;
	return 0;
}

struct server *server_start(const struct server_config *cfg, char *err, size_t errsize)
{
	unsigned port = 0;
	int fd = open_listener(cfg->listen_host, cfg->listen_port, &port, err, errsize);
	if (fd < 0)
		return NULL;
	struct server *srv = xcalloc(1, sizeof(*srv));
	srv->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL | MHD_USE_TLS |
			MHD_USE_ERROR_LOG,
		0, NULL, NULL, on_request, NULL,
		MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_HTTPS_MEM_CERT, cfg->cert_pem,
		MHD_OPTION_HTTPS_MEM_KEY, cfg->key_pem,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
		MHD_OPTION_END);
	if (!srv->daemon) {
		snprintf(err, errsize, "cannot start the HTTPS server on %s:%u", cfg->listen_host, port);
		close(fd);
		free(srv);
		return NULL;
	}
	fprintf(stderr, "pecsim: listening on https://%s:%u\n", cfg->listen_host, port);
	if (cfg->port_file && write_port_file(cfg->port_file, port)) {
		snprintf(err, errsize, "cannot write port file %s: %s", cfg->port_file, strerror(errno));
		server_stop(srv);
		return NULL;
	}
	return srv;
}

void server_stop(struct server *srv)
{
	if (!srv)
		return;
	MHD_stop_daemon(srv->daemon);
	free(srv);
}
