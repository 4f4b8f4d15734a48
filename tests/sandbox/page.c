/* HTML rendering shared by the portals: layout, menus, forms with their
 * _token, alerts and per-field errors, the push waiting page and the
 * paginated access history. Everything taken from input is escaped. */
#include "pecsim.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void html(struct sim_response *rs, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	for (const char *p = fmt; *p; p++) {
		if (*p != '%' || !p[1]) {
			const char *next = strchr(p, '%');
			size_t n = next ? (size_t)(next - p) : strlen(p);
			if (!n)
				n = 1;
			buf_add(&rs->body, p, n);
			p += n - 1;
			continue;
		}
		p++;
		switch (*p) {
		case 's': buf_add_html(&rs->body, va_arg(ap, const char *)); break;
		case 'r': {
			const char *raw = va_arg(ap, const char *);
			buf_puts(&rs->body, raw ? raw : "");
			break;
		}
		case 'd': buf_printf(&rs->body, "%d", va_arg(ap, int)); break;
		case 'l': buf_printf(&rs->body, "%ld", va_arg(ap, long)); break;
		default: buf_add(&rs->body, p, 1); break;
		}
	}
	va_end(ap);
}

void page_begin(struct sim_response *rs, const char *site, const char *title)
{
	rs->status = 200;
	rs->content_type = "text/html; charset=utf-8";
	rs->body.len = 0;
	html(rs, "<!DOCTYPE html>\n<html lang=\"it\">\n<head><meta charset=\"utf-8\">"
		 "<title>%s - %s</title></head>\n<body>\n<header class=\"testata\"><span class=\"marchio\">%s</span></header>\n",
	     title, site, site);
}

void page_menu(struct sim_response *rs, const struct menu_item *items, size_t n)
{
	if (!n) {
		html(rs, "<main>\n");
		return;
	}
	html(rs, "<nav id=\"menu\"><ul>\n");
	for (size_t i = 0; i < n; i++)
		html(rs, "<li><a href=\"%s\">%s</a></li>\n", items[i].href, items[i].label);
	html(rs, "</ul></nav>\n<main>\n");
}

void page_alerts(struct sim_response *rs, struct session *s, const struct form_errors *fe)
{
	if (s && s->flash_ok) {
		html(rs, "<div class=\"alert alert-success\">%s</div>\n", s->flash_ok);
		free(s->flash_ok);
		s->flash_ok = NULL;
	}
	if (fe && fe->alert)
		html(rs, "<div class=\"alert alert-danger\">%s</div>\n", fe->alert);
}

void page_end(struct sim_response *rs)
{
	html(rs, "</main>\n<footer>Ambiente di prova pecsim</footer>\n</body>\n</html>\n");
}

void page_form_begin(struct sim_response *rs, const char *id, const char *action, struct session *s)
{
	html(rs, "<form id=\"%s\" method=\"post\" action=\"%s\">\n"
		 "<input type=\"hidden\" name=\"_token\" value=\"%s\">\n",
	     id, action, session_new_token(s));
}

static void field_error_span(struct sim_response *rs, const char *name, const struct form_errors *fe)
{
	const char *msg = form_error_for(fe, name);
	if (msg)
		html(rs, " <span class=\"field-error\" data-field=\"%s\">%s</span>", name, msg);
}

void page_input(struct sim_response *rs, const char *label, const char *name, const char *type,
		const char *value, const struct form_errors *fe)
{
	html(rs, "<div class=\"campo\"><label for=\"f-%s\">%s</label> "
		 "<input type=\"%s\" id=\"f-%s\" name=\"%s\" value=\"%s\">",
	     name, label, type, name, name, value ? value : "");
	field_error_span(rs, name, fe);
	html(rs, "</div>\n");
}

void page_checkbox(struct sim_response *rs, const char *label, const char *name, int checked)
{
	html(rs, "<div class=\"campo\"><label><input type=\"checkbox\" name=\"%s\" value=\"1\"%r> %s</label></div>\n",
	     name, checked ? " checked" : "", label);
}

void page_form_end(struct sim_response *rs, const char *button)
{
	html(rs, "<button type=\"submit\">%s</button>\n</form>\n", button);
}

void page_token_refused(struct sim_response *rs)
{
	kv_free(&rs->headers);
	page_begin(rs, "pecsim", "Sessione scaduta");
	html(rs, "<main>\n<div class=\"alert alert-danger\">Sessione scaduta, ricarica la pagina</div>\n");
	page_end(rs);
	rs->status = 403;
}

int page_check_token(struct sim_request *rq, struct sim_response *rs)
{
	if (rq->session && session_take_token(rq->session, req_field(rq, "_token")))
		return 1;
	page_token_refused(rs);
	return 0;
}

void form_error(struct form_errors *fe, const char *field, const char *msg)
{
	if (!fe->alert)
		fe->alert = msg;
	if (field && fe->n < FORM_MAX_ERRORS) {
		fe->e[fe->n].field = field;
		fe->e[fe->n].msg = msg;
		fe->n++;
	}
}

const char *form_error_for(const struct form_errors *fe, const char *field)
{
	for (size_t i = 0; fe && i < fe->n; i++)
		if (strcmp(fe->e[i].field, field) == 0)
			return fe->e[i].msg;
	return NULL;
}

void page_push_wait(struct sim_response *rs, struct session *s, const char *poll_url,
		    const char *action, const char *what)
{
	html(rs, "<h1>Verifica in 2 passaggi</h1>\n"
		 "<p>Abbiamo inviato una notifica all'app sul tuo telefono: autorizza %s.</p>\n"
		 "<div id=\"verifica-accesso\" data-poll-url=\"%s\">In attesa di autorizzazione</div>\n",
	     what, poll_url);
	page_form_begin(rs, "verifica", action, s);
	page_form_end(rs, "Continua");
}

#define ACCESS_LOG_PAGE 20

void page_access_log(struct sim_request *rq, struct sim_response *rs, cJSON *principal, const char *base_url)
{
	long page = 1;
	if (parse_long(req_query(rq, "pagina"), &page) || page < 1)
		page = 1;
	const cJSON *log = cJSON_GetObjectItemCaseSensitive(principal, "access_log");
	int total = cJSON_GetArraySize(log);
	html(rs, "<h1>Storico accessi</h1>\n<table id=\"storico\">\n<thead><tr><th>Data</th><th>IP</th>"
		 "<th>Servizio</th><th>Esito</th></tr></thead>\n<tbody>\n");
	/* newest first: the log is appended to, so walk it backwards */
	long first = (page - 1) * ACCESS_LOG_PAGE;
	for (long i = first; i < first + ACCESS_LOG_PAGE && i < total; i++) {
		const cJSON *e = cJSON_GetArrayItem(log, (int)(total - 1 - i));
		char when[32];
		format_datetime(when, sizeof(when), (time_t)json_long(e, "time", 0));
		html(rs, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n", when,
		     json_str(e, "ip"), json_str(e, "service"), json_str(e, "outcome"));
	}
	html(rs, "</tbody>\n</table>\n<div class=\"paginazione\">");
	if (page > 1)
		html(rs, "<a rel=\"prev\" href=\"%s?pagina=%l\">Precedenti</a> ", base_url, page - 1);
	if (first + ACCESS_LOG_PAGE < total)
		html(rs, "<a rel=\"next\" href=\"%s?pagina=%l\">Successivi</a>", base_url, page + 1);
	html(rs, "</div>\n");
}

void page_stub(struct sim_response *rs, const char *title)
{
	html(rs, "<h1>%s</h1>\n<p>Questa sezione non è disponibile nell'ambiente di prova.</p>\n", title);
}
