#ifndef VERACK_CNCURSES_SHIM_H
#define VERACK_CNCURSES_SHIM_H
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <wchar.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <ncursesw/curses.h>

/* Macros and variadic functions Swift cannot import, as small functions. */

static inline attr_t verack_a_normal(void) { return A_NORMAL; }
static inline attr_t verack_a_bold(void) { return A_BOLD; }
static inline attr_t verack_a_reverse(void) { return A_REVERSE; }
static inline attr_t verack_a_underline(void) { return A_UNDERLINE; }
static inline attr_t verack_a_dim(void) { return A_DIM; }
static inline int verack_key_f(int n) { return KEY_F(n); }

static inline void verack_getmaxyx(WINDOW *win, int *rows, int *cols) {
    int y, x;
    getmaxyx(win, y, x);
    *rows = y;
    *cols = x;
}

static inline int verack_set_style(WINDOW *win, attr_t attrs, short pair) {
    return wattr_set(win, attrs, pair, NULL);
}

/* The terminal's size from the kernel (after SIGWINCH); 0 on success. */
static inline int verack_term_size(int fd, int *rows, int *cols) {
    struct winsize ws;
    memset(&ws, 0, sizeof ws);
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 || ws.ws_col == 0) return -1;
    *rows = ws.ws_row;
    *cols = ws.ws_col;
    return 0;
}

/*
 * Last-resort terminal restore on a crash (SIGSEGV, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE):
 * put back the termios saved before initscr, leave the alternate screen, show the cursor,
 * then hand the signal to whatever handler was there before (the Swift runtime's backtracer,
 * or the default action). Only async-signal-safe calls.
 */
/* Function-local statics: Swift's importer does not emit a header's file-scope statics. */
static inline struct termios *verack_saved_termios(void) { static struct termios t; return &t; }
static inline int *verack_have_saved_termios(void) { static int have = 0; return &have; }
static inline struct sigaction *verack_previous_actions(void) { static struct sigaction a[32]; return a; }

static inline void verack_restore_tty_raw(void) {
    static const char reset[] = "\033[0m\033[?25h\033[?1049l\r\n";
    if (*verack_have_saved_termios()) tcsetattr(STDIN_FILENO, TCSANOW, verack_saved_termios());
    ssize_t ignored = write(STDOUT_FILENO, reset, sizeof reset - 1);
    (void)ignored;
}

static inline void verack_fatal_signal(int sig) {
    verack_restore_tty_raw();
    if (sig > 0 && sig < 32) sigaction(sig, &verack_previous_actions()[sig], NULL);
    raise(sig);
}

static inline void verack_install_fatal_handlers(void) {
    if (tcgetattr(STDIN_FILENO, verack_saved_termios()) == 0) *verack_have_saved_termios() = 1;
    const int sigs[] = {SIGSEGV, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE};
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = verack_fatal_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESETHAND;
        sigaction(sigs[i], &sa, &verack_previous_actions()[sigs[i]]);
    }
}

/* Puts the saved termios back (for the normal exit path too, after endwin). */
static inline void verack_restore_saved_termios(void) {
    if (*verack_have_saved_termios()) tcsetattr(STDIN_FILENO, TCSANOW, verack_saved_termios());
}
#endif
