// System calls Swift cannot make directly (prctl is variadic in C).
#ifndef CSYSTEM_SHIMS_H
#define CSYSTEM_SHIMS_H

/// Marks the process not dumpable: no core file, and /proc/self/{environ,mem,maps} readable by root only, so another
/// process of the same user cannot read a token out of this one. Returns 0 on success.
int csystem_disable_dumping(void);

/// Whether the process is dumpable (1) or not (0); -1 on error.
int csystem_is_dumpable(void);

/// Turns echo off on the terminal `fd` (canonical mode kept; type-ahead discarded) after saving its settings, and
/// installs handlers for SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGTSTP that put the settings back and then die of the
/// same signal (unblocking those signals first). The saved settings live in C, where a signal handler may use them.
/// Returns 0, or -1 with errno set.
int csystem_terminal_hide_input(int fd);

/// Puts the saved settings back (waiting for output to drain) and the default signal actions. Safe to call twice.
void csystem_terminal_restore(void);

#endif
