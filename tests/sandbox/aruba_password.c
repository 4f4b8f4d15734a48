/* The Aruba password form: GestioneMail, Gestione account and the PEC su
 * dominio postmaster page all show the same rules and messages. */
#include "pecsim.h"

#include <string.h>

static const char rules_text[] =
	"La nuova password deve avere una lunghezza compresa fra gli 8 ed i 20 caratteri, "
	"può contenere solo lettere non accentate, numeri ed i caratteri '.' e '-', "
	"inoltre non può essere uguale alla password in uso.";

static void render(struct sim_response *rs, struct session *s, const struct aruba_password_form *form,
		   const struct form_errors *fe)
{
	form->chrome(rs, s, form->heading);
	html(rs, "<h1>%s</h1>\n<p>In questa sezione è possibile cambiare la password di accesso della casella PEC.</p>\n"
		 "<p class=\"regole-password\">%s</p>\n",
	     form->heading, rules_text);
	page_alerts(rs, s, fe);
	page_form_begin(rs, "cambio-password", form->action, s);
	if (form->with_current)
		page_input(rs, "Password Attuale", "password_attuale", "password", "", fe);
	page_input(rs, "Nuova Password", "nuova_password", "password", "", fe);
	page_input(rs, "Ripeti Nuova Password", "ripeti_password", "password", "", fe);
	page_form_end(rs, "Cambia Password");
	page_end(rs);
}

void aruba_password_handle(struct sim_request *rq, struct sim_response *rs, struct session *s,
			   cJSON *target, const struct aruba_password_form *form)
{
	if (strcmp(rq->method, "POST") != 0) {
		render(rs, s, form, NULL);
		return;
	}
	if (!page_check_token(rq, rs))
		return;
	const char *field;
	const char *fresh = req_field(rq, "nuova_password");
	const char *msg = aruba_password_error(json_str(target, "password"), req_field(rq, "password_attuale"),
					       fresh, req_field(rq, "ripeti_password"), form->with_current, &field);
	if (msg) {
		struct form_errors fe = { 0 };
		form_error(&fe, field, msg);
		render(rs, s, form, &fe);
		return;
	}
	mailbox_set_password(target, fresh, s);
	session_flash(s, form->success);
	resp_redirect(rs, form->action);
}
