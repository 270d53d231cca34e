// libedit for the interactive chat. Swift cannot call C's variadic functions (el_set, el_get,
// history), so the few calls the chat needs are wrapped here in plain inline functions.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <histedit.h>

// The prompt is kept as a heap copy in the editor's client data.
static inline char *llm_editline_prompt(EditLine *el) {
    void *data = NULL;
    el_get(el, EL_CLIENTDATA, &data);
    return data != NULL ? (char *)data : (char *)"";
}

/// Sets the prompt shown by the next el_gets. Bytes between two '\1' are escape sequences that
/// take no columns (colour).
static inline void llm_editline_set_prompt(EditLine *el, const char *prompt) {
    void *old = NULL;
    el_get(el, EL_CLIENTDATA, &old);
    el_set(el, EL_CLIENTDATA, (void *)strdup(prompt));
    free(old);
}

/// A history of at most `size` entries, without consecutive duplicates.
static inline History *llm_history_open(int size) {
    History *history_handle = history_init();
    if (history_handle == NULL) return NULL;
    HistEvent event;
    history(history_handle, &event, H_SETSIZE, size);
    history(history_handle, &event, H_SETUNIQUE, 1);
    return history_handle;
}

static inline int llm_history_load(History *history_handle, const char *path) {
    HistEvent event;
    return history(history_handle, &event, H_LOAD, path);
}

static inline int llm_history_save(History *history_handle, const char *path) {
    HistEvent event;
    return history(history_handle, &event, H_SAVE, path);
}

static inline int llm_history_enter(History *history_handle, const char *line) {
    HistEvent event;
    return history(history_handle, &event, H_ENTER, line);
}

/// An emacs-style editor on the terminal (stdin, stdout) with `history_handle` for the arrow keys.
/// Ctrl-C is an editing key here that clears the line (the terminal does not turn it into SIGINT
/// while a line is edited); ~/.editrc is read for the user's own bindings.
static inline EditLine *llm_editline_open(const char *program, History *history_handle) {
    EditLine *el = el_init(program, stdin, stdout, stderr);
    if (el == NULL) return NULL;
    el_set(el, EL_CLIENTDATA, (void *)strdup(""));
    el_set(el, EL_PROMPT_ESC, llm_editline_prompt, '\1');
    el_set(el, EL_EDITOR, "emacs");
    el_set(el, EL_SIGNAL, 1);
    el_set(el, EL_HIST, history, history_handle);
    el_set(el, EL_SETTY, "-d", "-isig", NULL);
    el_set(el, EL_BIND, "^C", "em-kill-line", NULL);
    el_source(el, NULL);
    return el;
}

static inline void llm_editline_close(EditLine *el) {
    void *data = NULL;
    el_get(el, EL_CLIENTDATA, &data);
    el_end(el);
    free(data);
}
