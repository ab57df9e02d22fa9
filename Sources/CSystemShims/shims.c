#include "csystem_shims.h"

#include <sys/prctl.h>

int csystem_disable_dumping(void) { return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); }

int csystem_is_dumpable(void) { return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0); }

#include <signal.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved_settings;
static int saved_fd = -1;
static volatile sig_atomic_t terminal_active = 0;
static const int restore_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};
#define RESTORE_SIGNAL_COUNT (sizeof(restore_signals) / sizeof(restore_signals[0]))

// Async-signal-safe only: tcsetattr, signal, raise.
static void restore_and_reraise(int sig) {
    if (terminal_active) tcsetattr(saved_fd, TCSANOW, &saved_settings);
    terminal_active = 0;
    signal(sig, SIG_DFL);
    raise(sig);
}

int csystem_terminal_hide_input(int fd) {
    if (tcgetattr(fd, &saved_settings) != 0) return -1;
    saved_fd = fd;
    terminal_active = 1;
    sigset_t unblock;
    sigemptyset(&unblock);
    for (unsigned i = 0; i < RESTORE_SIGNAL_COUNT; i++) {
        struct sigaction action;
        action.sa_handler = restore_and_reraise;
        sigemptyset(&action.sa_mask);
        action.sa_flags = 0;
        sigaction(restore_signals[i], &action, NULL);
        sigaddset(&unblock, restore_signals[i]);
    }
    // A parent may have started us with these blocked; Ctrl-C at a prompt must still work.
    sigprocmask(SIG_UNBLOCK, &unblock, NULL);
    struct termios silent = saved_settings;
    silent.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
    silent.c_lflag |= ICANON;
    // Echo goes off before the prompt appears: what is typed after it is kept and hidden; type-ahead (which would
    // have been echoed) is discarded.
    return tcsetattr(fd, TCSAFLUSH, &silent);
}

void csystem_terminal_restore(void) {
    if (terminal_active) tcsetattr(saved_fd, TCSADRAIN, &saved_settings);
    terminal_active = 0;
    for (unsigned i = 0; i < RESTORE_SIGNAL_COUNT; i++) signal(restore_signals[i], SIG_DFL);
}
