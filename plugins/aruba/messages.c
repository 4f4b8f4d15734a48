/*
 * What the portal says: alert-success / alert-danger boxes and per-field
 * field-error spans, and the table that turns known messages into error
 * codes. A message not in the table is still reported, verbatim, as
 * PECCTL_E_PORTAL: the user reads Aruba's own words.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aruba.h"

/* The elements whose class holds cls, found from their class attributes:
 * libxml2 walks the attribute axis faster than it tests every element, and
 * the plain contains() rules out most attributes before the exact word
 * test builds its strings. */
#define WITH_CLASS(cls) \
	"//@class[contains(., '" cls "') and contains(concat(' ', normalize-space(.), ' '), ' " cls " ')]" \
	"/parent::*"
#define XPATH_ALERT_DANGER WITH_CLASS("alert-danger")
#define XPATH_ALERT_SUCCESS WITH_CLASS("alert-success")
#define XPATH_FIELD_ERROR WITH_CLASS("field-error")

struct known_message {
	const char *starts;   /* the beginning of the portal's wording */
	const char *code;     /* PECCTL_E_* */
	const char *field;    /* the field it is about, when the page does not say */
};

/* Matched by prefix, so a portal adding detail after the sentence still
 * maps; order matters only where one prefix starts another. */
static const struct known_message known_messages[] = {
	{ "Credenziali non valide", PECCTL_E_AUTH, NULL },
	{ "La password attuale non è corretta", PECCTL_E_AUTH, "password_attuale" },
	{ "Accesso temporaneamente bloccato", PECCTL_E_AUTH, NULL },
	{ "Le due password inserite non coincidono", PECCTL_E_POLICY, "ripeti_password" },
	{ "La nuova password deve avere una lunghezza", PECCTL_E_POLICY, "nuova_password" },
	{ "La nuova password può contenere solo", PECCTL_E_POLICY, "nuova_password" },
	{ "La nuova password non può essere uguale", PECCTL_E_POLICY, "nuova_password" },
	{ "Operazione non autorizzata", PECCTL_E_DENIED, NULL },
	{ "Codice non valido", PECCTL_E_AUTH, NULL },
	{ "Codice scaduto", PECCTL_E_EXPIRED, NULL },
	/* values the portal refuses: the caller's input must change */
	{ "Indirizzo email non valido", PECCTL_E_POLICY, "email" },
	{ "Numero di cellulare non valido", PECCTL_E_POLICY, "cellulare" },
	{ "Il campo giorni deve essere", PECCTL_E_POLICY, "giorni" },
	{ "Il campo preavviso deve essere", PECCTL_E_POLICY, "preavviso" },
	{ "Per cambiare il titolare della casella", PECCTL_E_POLICY, "codice_fiscale" },
	{ "Tipo di titolare non valido", PECCTL_E_POLICY, "tipo" },
	{ "Codice fiscale non valido", PECCTL_E_POLICY, "codice_fiscale" },
	{ "Partita IVA non valida", PECCTL_E_POLICY, "partita_iva" },
	{ "CAP non valido", PECCTL_E_POLICY, "cap" },
	{ "Provincia non valida", PECCTL_E_POLICY, "provincia" },
	{ "Campo obbligatorio", PECCTL_E_POLICY, NULL },
};

static const struct known_message *find_known(const char *text)
{
	size_t i;

	for (i = 0; i < sizeof(known_messages) / sizeof(known_messages[0]); i++)
		if (strncmp(text, known_messages[i].starts, strlen(known_messages[i].starts)) == 0)
			return &known_messages[i];
	return NULL;
}

const char *aruba_known_message(size_t i)
{
	return i < sizeof(known_messages) / sizeof(known_messages[0]) ? known_messages[i].starts : NULL;
}

void aruba_message_error(const char *text, const char *field, long status,
			 struct pecctl_error *err)
{
	const struct known_message *known = find_known(text);
	const char *code = known ? known->code : PECCTL_E_PORTAL;

	if (status == 429)
		code = PECCTL_E_RATE_LIMITED;
	pecctl_error_set(err, code, text);
	if (!field || !*field)
		field = known && known->field ? known->field : "";
	snprintf(err->field, sizeof(err->field), "%s", field);
	err->http_status = status;
}

/* The field the portal pinned `alert` to: the span saying the same, else
 * the first span. Caller frees; NULL when there is none. */
static char *blamed_field(const struct aruba_page *page, const char *alert)
{
	char *literal = aruba_xpath_literal(alert), *expr, *field = NULL;

	if (literal) {
		expr = aruba_strdup_printf("(" XPATH_FIELD_ERROR "[normalize-space()=%s])[1]/@data-field",
					   literal);
		if (expr)
			field = aruba_page_text(page, expr);
		free(expr);
		free(literal);
	}
	return field ? field : aruba_page_text(page, "(" XPATH_FIELD_ERROR ")[1]/@data-field");
}

int aruba_page_error(const struct aruba_page *page, struct pecctl_error *err)
{
	char *alert = NULL, *field;

	if (aruba_page_mentions(page, "alert-danger"))
		alert = aruba_page_text(page, XPATH_ALERT_DANGER);
	/* A form can show only the span next to the field, without a box. */
	if (!alert && aruba_page_mentions(page, "field-error"))
		alert = aruba_page_text(page, "(" XPATH_FIELD_ERROR ")[1]");
	if (!alert && page->status == 429) {
		const char *retry = page->resp ? aruba_host->response_header(page->resp, "Retry-After")
					       : NULL;

		aruba_fail(err, PECCTL_E_RATE_LIMITED, "%s: too many requests (retry after %s s)",
			   aruba_page_url(page), retry ? retry : "?");
		err->http_status = 429;
		return -1;
	}
	if (!alert)
		return 0;
	field = blamed_field(page, alert);
	aruba_message_error(alert, field, page->status, err);
	free(alert);
	free(field);
	return -1;
}

char *aruba_page_success(const struct aruba_page *page)
{
	if (!aruba_page_mentions(page, "alert-success"))
		return NULL;
	return aruba_page_text(page, XPATH_ALERT_SUCCESS);
}

int aruba_page_says(const struct aruba_page *page, const char *text)
{
	char *literal = aruba_xpath_literal(text), *expr;
	int found = 0;

	if (!literal)
		return 0;
	expr = aruba_strdup_printf("//body//text()[contains(normalize-space(.), %s)]", literal);
	if (expr)
		found = aruba_page_has(page, expr);
	free(expr);
	free(literal);
	return found;
}

char *aruba_expect_success(const struct aruba_page *page, const char *what,
			   struct pecctl_error *err)
{
	char *message = aruba_page_success(page);

	if (!message)
		aruba_fail(err, PECCTL_E_UNKNOWN_OUTCOME,
			   "%s: the portal showed no confirmation (at %s); check before retrying",
			   what, aruba_page_url(page));
	return message;
}

int aruba_ask_code_again(struct pecctl_call *call, int attempt, const struct pecctl_error *err)
{
	static const char wrong_code[] = "Codice non valido";

	if (strncmp(err->message, wrong_code, sizeof(wrong_code) - 1) != 0 ||
	    attempt >= ARUBA_CODE_ATTEMPTS)
		return 0;
	aruba_log(call, PECCTL_LOG_INFO, "wrong code (%s), asking again", err->message);
	return 1;
}
