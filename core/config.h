#ifndef PECCTL_CONFIG_H
#define PECCTL_CONFIG_H

/* $XDG_CONFIG_HOME/pecctl/config: "key = value" lines, '#' comments.
 * Global settings (sandbox, cacert, timeout, plugin_path, script_path,
 * log_format) and provider overrides ("aruba.gestionemail.login_path =
 * /login") so a portal that moved is fixed by an edit, not a release. */

/* Load the file if it exists; 0, or -1 after printing where it is wrong. */
int config_load(void);
/* The value for key, or NULL. */
const char *config_get(const char *key);
/* The directory $XDG_CONFIG_HOME/pecctl (or ~/.config/pecctl); static buffer. */
const char *config_dir(void);
void config_release(void);

#endif
