#!/bin/sh
# Portals change; a fix is a line in the config file, not a release: the
# Aruba plugin reads every path, form and field name through the config.
. "$(dirname "$0")/../lib.sh"

[ -x "$PECCTL_BIN" ] || skip_all "$PECCTL_BIN is not built"
[ -x "$PECSIM_BIN" ] || skip_all "$PECSIM_BIN is not built"
[ -f "$BUILD/plugins/aruba.so" ] || skip_all "the aruba plugin is not built"

plan 9
start_pecsim
MARIO=mario.rossi@pec.it
MARIO_PW=MarioRossi.2024
NEW='{"secret:new_password":"Nuova.Pass-1"}'
op() { run_sim -vv script "$TOP/tests/lua/aruba_config.lua" "$@"; }

# GestioneMail renames the current password field of its password form.
admin POST /__sandbox/variants '{"host":"gestionemail.pec.it","path":"/cambio-password",
	"rename_field":{"from":"password_attuale","to":"vecchia_password"}}' >/dev/null

op $MARIO $MARIO_PW change_password "$NEW"
like "$out" '^error portal_changed ' "the renamed field is reported as portal_changed"
like "$out" 'no field "password_attuale"' "naming the field the plugin looked for"
like "$out" 'gestionemail\.pec\.it/cambio-password' "and the page"
like "$err" 'POST https://gestionemail\.pec\.it/login' "(the debug log shows the login POST)"
unlike "$err" 'MarioRossi|Nuova\.Pass' "and no password"

mkdir -p "$XDG_CONFIG_HOME/pecctl"
echo "aruba.gestionemail.field.password_attuale = vecchia_password" >"$XDG_CONFIG_HOME/pecctl/config"
op $MARIO $MARIO_PW change_password "$NEW"
like "$out" '^ok .*"changed":true' "one config line follows the portal"
like "$(admin GET /__sandbox/state)" '"password":"Nuova.Pass-1"' "and the password is changed"

# A page that moved: the old path is gone, the config names the new one.
admin DELETE /__sandbox/variants >/dev/null
echo "aruba.account.history_path = /pec/non-esiste" >>"$XDG_CONFIG_HOME/pecctl/config"
op $MARIO Nuova.Pass-1 access_history
like "$out" '^error portal_changed .*/pec/non-esiste answered 404' "a page that is not there is portal_changed"
echo "aruba.account.history_path = /pec/storico-accessi" >>"$XDG_CONFIG_HOME/pecctl/config"
op $MARIO Nuova.Pass-1 access_history
like "$out" '^ok .*"entries":\[' "the last config line wins"
