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

// MARK: - Kernel keyring (the cache of passphrase-derived keys)

#include <stddef.h>
#include <stdint.h>

/// The session keyring of the calling process, or the user-session keyring where it has none; -1 with errno set
/// when the kernel offers no keyrings (not built in, or forbidden by a seccomp filter as in many containers).
int32_t csystem_key_session_keyring(void);

/// The user-session keyring (shared by every process of the user that has no session keyring of its own), or -1.
int32_t csystem_key_user_session_keyring(void);

/// The serial of the "user" key `description` found from `keyring` (searching nested keyrings), or -1 with errno
/// (ENOKEY: none; EKEYEXPIRED: timed out; EKEYREVOKED).
int32_t csystem_key_find(int32_t keyring, const char *description);

/// Copies up to `length` bytes of the key's description, "type;uid;gid;perm;description" (perm in hex), with its NUL;
/// returns the full length, or -1 with errno. (The tests check a cache entry's permissions with it.)
long csystem_key_describe(int32_t key, char *buffer, size_t length);

/// Copies up to `length` bytes of the key's payload; returns the payload's full length, or -1 with errno.
long csystem_key_read(int32_t key, void *buffer, size_t length);

/// Adds (or replaces the payload of) the "user" key `description` in `keyring`, readable by its possessors only,
/// expiring after `timeout_seconds`. Returns its serial, or -1 with errno (nothing is left behind).
int32_t csystem_key_add(int32_t keyring, const char *description, const void *payload, size_t length,
                        unsigned timeout_seconds);

/// Invalidates the key at once, for every process. 0, or -1 with errno.
int csystem_key_invalidate(int32_t key);



#endif
