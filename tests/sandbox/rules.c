/* The portals' validation rules: Aruba's and InfoCert's password
 * policies, the codice fiscale check character, the partita IVA check
 * digit, and the holder profile form. */
#include "pecsim.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* InfoCert keeps this many passwords, the one in use included. */
#define INFOCERT_HISTORY 5

static size_t utf8_length(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

const char *aruba_password_error(const char *in_use, const char *current, const char *fresh,
				 const char *repeat, int check_current, const char **field)
{
	current = current ? current : "";
	fresh = fresh ? fresh : "";
	repeat = repeat ? repeat : "";
	*field = "password_attuale";
	if (check_current && strcmp(current, in_use) != 0)
		return "La password attuale non è corretta";
	*field = "ripeti_password";
	if (strcmp(fresh, repeat) != 0)
		return "Le due password inserite non coincidono";
	*field = "nuova_password";
	size_t len = utf8_length(fresh);
	if (len < 8 || len > 20)
		return "La nuova password deve avere una lunghezza compresa fra gli 8 ed i 20 caratteri";
	for (const char *p = fresh; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-')
			return "La nuova password può contenere solo lettere non accentate, numeri ed i caratteri '.' e '-'";
	if (strcmp(fresh, in_use) == 0)
		return "La nuova password non può essere uguale alla password in uso";
	*field = NULL;
	return NULL;
}

static void violation(cJSON *violations, const char *rule, const char *message)
{
	cJSON *v = cJSON_CreateObject();
	cJSON_AddStringToObject(v, "rule", rule);
	cJSON_AddStringToObject(v, "message", message);
	cJSON_AddItemToArray(violations, v);
}

static int contains_ci(const char *haystack, const char *needle)
{
	return needle && *needle && strcasestr(haystack, needle) != NULL;
}

void infocert_password_violations(const cJSON *mbox, const char *fresh, cJSON *violations)
{
	static const char specials[] = "!#$%&()*+,-./:;=?@[]_{|}";
	size_t len = utf8_length(fresh);
	int upper = 0, lower = 0, digit = 0, other = 0;
	for (const char *p = fresh; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x80 && isupper(c))
			upper = 1;
		else if (c < 0x80 && islower(c))
			lower = 1;
		else if (c < 0x80 && isdigit(c))
			digit = 1;
		else if (!strchr(specials, c))
			other = 1;
	}
	if (len < 8 || len > 32)
		violation(violations, "length", "La password deve contenere da 8 a 32 caratteri");
	if (!upper)
		violation(violations, "uppercase", "La password deve contenere almeno una lettera maiuscola");
	if (!lower)
		violation(violations, "lowercase", "La password deve contenere almeno una lettera minuscola");
	if (!digit)
		violation(violations, "digit", "La password deve contenere almeno un numero");
	if (other)
		violation(violations, "special_chars",
			  "La password può contenere solo i caratteri speciali !#$%&()*+,-./:;=?@[]_{|}");
	if (contains_ci(fresh, json_str(mbox, "userid")))
		violation(violations, "contains_userid", "La password non può contenere il codice utente");
	char local[256];
	snprintf(local, sizeof(local), "%s", json_str(mbox, "address"));
	local[strcspn(local, "@")] = '\0';
	if (contains_ci(fresh, local))
		violation(violations, "contains_local_part", "La password non può contenere il nome della casella");
	int reused = strcmp(fresh, json_str(mbox, "password")) == 0;
	const cJSON *old;
	cJSON_ArrayForEach(old, cJSON_GetObjectItemCaseSensitive(mbox, "password_history"))
		if (cJSON_IsString(old) && strcmp(old->valuestring, fresh) == 0)
			reused = 1;
	if (reused)
		violation(violations, "history", "La password non può essere uguale a una delle ultime 5 password");
}

void mailbox_set_password(cJSON *mbox, const char *password, const struct session *keep)
{
	if (strcmp(json_str(mbox, "provider"), "infocert") == 0) {
		cJSON *hist = cJSON_GetObjectItemCaseSensitive(mbox, "password_history");
		if (!cJSON_IsArray(hist)) {
			cJSON_DeleteItemFromObjectCaseSensitive(mbox, "password_history");
			hist = cJSON_AddArrayToObject(mbox, "password_history");
		}
		cJSON_InsertItemInArray(hist, 0, cJSON_CreateString(json_str(mbox, "password")));
		while (cJSON_GetArraySize(hist) > INFOCERT_HISTORY - 1)
			cJSON_DeleteItemFromArray(hist, cJSON_GetArraySize(hist) - 1);
	}
	json_set_str(mbox, "password", password);
	json_set_num(mbox, "password_changed", (double)sim_now());
	session_end_user(json_str(mbox, "address"), keep);
}

/* Values of characters in odd (1st, 3rd, ...) positions of a codice fiscale. */
static const int cf_odd_values[26] = { 1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18,
				       20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23 };

int codice_fiscale_valid(const char *cf)
{
	if (!cf || strlen(cf) != 16)
		return 0;
	/* letters where the layout wants them; digit places may hold the
	 * omocodia letters instead */
	static const char layout[] = "LLLLLLDDLDDLDDDL";
	int sum = 0;
	for (int i = 0; i < 15; i++) {
		int c = toupper((unsigned char)cf[i]);
		if (layout[i] == 'L' && !isupper(c))
			return 0;
		if (layout[i] == 'D' && !isdigit(c) && !strchr("LMNPQRSTUV", c))
			return 0;
		int idx = isdigit(c) ? c - '0' : c - 'A';
		sum += (i % 2 == 0) ? cf_odd_values[idx] : idx;
	}
	return toupper((unsigned char)cf[15]) == 'A' + sum % 26;
}

int partita_iva_valid(const char *piva)
{
	if (!piva || strlen(piva) != 11)
		return 0;
	int sum = 0;
	for (int i = 0; i < 11; i++) {
		if (!isdigit((unsigned char)piva[i]))
			return 0;
		int d = piva[i] - '0';
		if (i == 10)
			return (10 - sum % 10) % 10 == d;
		if (i % 2 == 1) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return 0;
}

const char *const profile_fields[] = {
	"tipo", "nome", "cognome", "ragione_sociale", "codice_fiscale", "partita_iva",
	"indirizzo", "cap", "citta", "provincia", "nazione", NULL
};

static int all_digits(const char *s, size_t n)
{
	if (strlen(s) != n)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

static const char *merged(const cJSON *profile, const struct sim_request *rq, const char *name)
{
	const char *v = req_field(rq, name);
	return v ? v : json_str(profile, name);
}

int profile_update(cJSON *profile, const struct sim_request *rq, struct form_errors *fe)
{
	static const char required[] = "Campo obbligatorio";
	const char *tipo = merged(profile, rq, "tipo");
	int giuridica = strcmp(tipo, "persona_giuridica") == 0;
	if (!giuridica && strcmp(tipo, "persona_fisica") != 0)
		form_error(fe, "tipo", "Tipo di titolare non valido");
	if (!giuridica && !*merged(profile, rq, "nome"))
		form_error(fe, "nome", required);
	if (!giuridica && !*merged(profile, rq, "cognome"))
		form_error(fe, "cognome", required);
	if (giuridica && !*merged(profile, rq, "ragione_sociale"))
		form_error(fe, "ragione_sociale", required);

	const char *cf = merged(profile, rq, "codice_fiscale");
	const char *old_cf = json_str(profile, "codice_fiscale");
	if (!(codice_fiscale_valid(cf) || (giuridica && partita_iva_valid(cf))))
		form_error(fe, "codice_fiscale", "Codice fiscale non valido");
	else if (*old_cf && !str_ieq(cf, old_cf))
		form_error(fe, "codice_fiscale",
			   "Per cambiare il titolare della casella segui la procedura di cambio titolare");

	const char *piva = merged(profile, rq, "partita_iva");
	if (giuridica && !*piva)
		form_error(fe, "partita_iva", required);
	else if (*piva && !partita_iva_valid(piva))
		form_error(fe, "partita_iva", "Partita IVA non valida");
	if (!*merged(profile, rq, "indirizzo"))
		form_error(fe, "indirizzo", required);
	if (!all_digits(merged(profile, rq, "cap"), 5))
		form_error(fe, "cap", "CAP non valido");
	if (!*merged(profile, rq, "citta"))
		form_error(fe, "citta", required);
	const char *prov = merged(profile, rq, "provincia");
	if (strlen(prov) != 2 || !isalpha((unsigned char)prov[0]) || !isalpha((unsigned char)prov[1]))
		form_error(fe, "provincia", "Provincia non valida");
	if (fe->alert)
		return -1;

	/* copy first: merged() may point into profile itself */
	char *values[16] = { 0 };
	for (size_t i = 0; profile_fields[i]; i++)
		values[i] = xstrdup(merged(profile, rq, profile_fields[i]));
	for (size_t i = 0; profile_fields[i]; i++) {
		const char *f = profile_fields[i];
		if (strcmp(f, "codice_fiscale") == 0 || strcmp(f, "provincia") == 0)
			for (char *p = values[i]; *p; p++)
				*p = (char)toupper((unsigned char)*p);
		if (strcmp(f, "nazione") == 0 && !*values[i]) {
			free(values[i]);
			values[i] = xstrdup("IT");
		}
		json_set_str(profile, f, values[i]);
		free(values[i]);
	}
	return 0;
}

cJSON *form_errors_json(const struct form_errors *fe)
{
	cJSON *list = cJSON_CreateArray();
	for (size_t i = 0; i < fe->n; i++) {
		cJSON *v = cJSON_CreateObject();
		cJSON_AddStringToObject(v, "field", fe->e[i].field);
		cJSON_AddStringToObject(v, "message", fe->e[i].msg);
		cJSON_AddItemToArray(list, v);
	}
	return list;
}
