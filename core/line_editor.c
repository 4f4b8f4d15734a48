/*
 * The REPL's line editor: libedit's readline interface (history,
 * completion), opened with dlopen when the REPL starts instead of linked.
 * Linked, it and the three libraries it needs were mapped and relocated
 * at every start of every command: a tenth of `pecctl version`'s CPU,
 * for the one command that reads lines from a person.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <editline/readline.h>
#include "dl_symbol.h"
#include "line_editor.h"

/* What libedit gives, looked up by name; NULL until line_editor_open. */
static struct {
	__typeof__(readline) *read;
	__typeof__(add_history) *add_history;
	__typeof__(using_history) *using_history;
	__typeof__(stifle_history) *stifle_history;
	__typeof__(read_history) *read_history;
	__typeof__(write_history) *write_history;
	__typeof__(clear_history) *clear_history;
	__typeof__(rl_completion_matches) *completion_matches;
	__typeof__(rl_readline_name) *readline_name;
	__typeof__(rl_attempted_completion_function) *attempted_completion_function;
	__typeof__(rl_basic_word_break_characters) *basic_word_break_characters;
	__typeof__(rl_completer_word_break_characters) *completer_word_break_characters;
	__typeof__(rl_attempted_completion_over) *attempted_completion_over;
	__typeof__(rl_completion_append_character) *completion_append_character;
} ed;

static int opened;

#define LOOK_UP(lib, slot, name) dl_symbol(lib, name, &ed.slot)

/* Every symbol, or none (a libedit without one of them is not used). */
static int look_up(void *lib)
{
	int found = LOOK_UP(lib, read, "readline") && LOOK_UP(lib, add_history, "add_history") &&
		    LOOK_UP(lib, using_history, "using_history") &&
		    LOOK_UP(lib, stifle_history, "stifle_history") &&
		    LOOK_UP(lib, read_history, "read_history") &&
		    LOOK_UP(lib, write_history, "write_history") &&
		    LOOK_UP(lib, clear_history, "clear_history") &&
		    LOOK_UP(lib, completion_matches, "rl_completion_matches") &&
		    LOOK_UP(lib, readline_name, "rl_readline_name") &&
		    LOOK_UP(lib, attempted_completion_function, "rl_attempted_completion_function") &&
		    LOOK_UP(lib, basic_word_break_characters, "rl_basic_word_break_characters") &&
		    LOOK_UP(lib, completer_word_break_characters, "rl_completer_word_break_characters") &&
		    LOOK_UP(lib, attempted_completion_over, "rl_attempted_completion_over") &&
		    LOOK_UP(lib, completion_append_character, "rl_completion_append_character");

	return found ? 0 : -1;
}

int line_editor_open(void)
{
	/* the soname first; the development link when another is installed */
	static const char *const sonames[] = { "libedit.so.2", "libedit.so" };

	for (size_t i = 0; !opened && i < sizeof(sonames) / sizeof(sonames[0]); i++) {
		void *lib = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL);

		if (lib && look_up(lib) == 0)
			opened = 1;
		else if (lib)
			dlclose(lib);
	}
	return opened ? 0 : -1;
}

void line_editor_setup(const char *program, line_editor_complete_fn *complete,
		       const char *word_breaks, int history_lines)
{
	if (!opened)
		return;
	*ed.readline_name = program;
	*ed.attempted_completion_function = complete;
	*ed.basic_word_break_characters = word_breaks;
	*ed.completer_word_break_characters = (char *)word_breaks;
	ed.using_history();
	ed.stifle_history(history_lines);
}

char *line_editor_read(const char *prompt)
{
	return opened ? ed.read(prompt) : NULL;
}

void line_editor_add_history(const char *line)
{
	if (opened)
		ed.add_history(line);
}

void line_editor_read_history(const char *path)
{
	if (opened)
		ed.read_history(path);
}

void line_editor_write_history(const char *path)
{
	if (opened)
		ed.write_history(path);
}

void line_editor_clear_history(void)
{
	if (opened)
		ed.clear_history();
}

char **line_editor_matches(const char *text, line_editor_generator_fn *generator,
			   int append_character)
{
	if (!opened)
		return NULL;
	*ed.attempted_completion_over = 1;  /* never fall back to file names */
	*ed.completion_append_character = append_character;
	return ed.completion_matches(text, generator);
}

void line_editor_no_matches(void)
{
	if (opened)
		*ed.attempted_completion_over = 1;
}
