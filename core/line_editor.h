#ifndef PECCTL_LINE_EDITOR_H
#define PECCTL_LINE_EDITOR_H

/* Lines typed at a terminal, with history and completion (line_editor.c:
 * libedit, loaded on first use). Until line_editor_open succeeds, the
 * rest does nothing and line_editor_read returns NULL. */

typedef char **line_editor_complete_fn(const char *text, int start, int end);
typedef char *line_editor_generator_fn(const char *text, int state);

/* 0 when libedit could be loaded; -1 when the REPL must do without. */
int line_editor_open(void);
/* program names the settings in ~/.editrc; complete is called on Tab;
 * word_breaks are the characters that end a word for completion. */
void line_editor_setup(const char *program, line_editor_complete_fn *complete,
		       const char *word_breaks, int history_lines);
/* A line without its newline (caller frees), or NULL at the end of input. */
char *line_editor_read(const char *prompt);
void line_editor_add_history(const char *line);
void line_editor_read_history(const char *path);
void line_editor_write_history(const char *path);
void line_editor_clear_history(void);
/* From a complete function: the matches of text, each followed by
 * append_character ('\0' for none); never file names. */
char **line_editor_matches(const char *text, line_editor_generator_fn *generator,
			   int append_character);
/* From a complete function that found nothing: no file names either. */
void line_editor_no_matches(void);

#endif
