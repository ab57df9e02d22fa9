// The kernel key retention service, through its system calls (no libkeyutils): the cache for keys derived from
// a passphrase. See csystem_shims.h.
#include "csystem_shims.h"

#include <errno.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

// From <linux/keyctl.h>, which not every libc's headers include.
#define CSYSTEM_KEY_SPEC_SESSION_KEYRING -3
#define CSYSTEM_KEY_SPEC_USER_SESSION_KEYRING -5
#define CSYSTEM_KEYCTL_GET_KEYRING_ID 0
#define CSYSTEM_KEYCTL_DESCRIBE 6
#define CSYSTEM_KEYCTL_SETPERM 5
#define CSYSTEM_KEYCTL_SEARCH 10
#define CSYSTEM_KEYCTL_READ 11
#define CSYSTEM_KEYCTL_SET_TIMEOUT 15
#define CSYSTEM_KEYCTL_INVALIDATE 21
// Possessor: view, read, write, search, link, setattr. Nobody else: not even the description.
#define CSYSTEM_KEY_POSSESSOR_ONLY 0x3f000000

int32_t csystem_key_session_keyring(void) {
    // create = 0: where the process has no session keyring, the kernel answers with the user-session keyring
    // (the one a later search finds). Adding to KEY_SPEC_SESSION_KEYRING itself would instead make a new anonymous
    // session keyring for this process alone, which dies with it.
    long id = syscall(SYS_keyctl, CSYSTEM_KEYCTL_GET_KEYRING_ID, CSYSTEM_KEY_SPEC_SESSION_KEYRING, 0);
    return id < 0 ? -1 : (int32_t)id;
}

int32_t csystem_key_user_session_keyring(void) {
    long id = syscall(SYS_keyctl, CSYSTEM_KEYCTL_GET_KEYRING_ID, CSYSTEM_KEY_SPEC_USER_SESSION_KEYRING, 0);
    return id < 0 ? -1 : (int32_t)id;
}

int32_t csystem_key_find(int32_t keyring, const char *description) {
    long id = syscall(SYS_keyctl, CSYSTEM_KEYCTL_SEARCH, keyring, "user", description, 0);
    return id < 0 ? -1 : (int32_t)id;
}

long csystem_key_describe(int32_t key, char *buffer, size_t length) {
    return syscall(SYS_keyctl, CSYSTEM_KEYCTL_DESCRIBE, key, buffer, length);
}

long csystem_key_read(int32_t key, void *buffer, size_t length) {
    return syscall(SYS_keyctl, CSYSTEM_KEYCTL_READ, key, buffer, length);
}

int32_t csystem_key_add(int32_t keyring, const char *description, const void *payload, size_t length,
                        unsigned timeout_seconds) {
    long id = syscall(SYS_add_key, "user", description, payload, length, keyring);
    if (id < 0) return -1;
    if (syscall(SYS_keyctl, CSYSTEM_KEYCTL_SETPERM, id, CSYSTEM_KEY_POSSESSOR_ONLY) != 0 ||
        syscall(SYS_keyctl, CSYSTEM_KEYCTL_SET_TIMEOUT, id, timeout_seconds) != 0) {
        int saved = errno;
        syscall(SYS_keyctl, CSYSTEM_KEYCTL_INVALIDATE, id);
        errno = saved;
        return -1;
    }
    return (int32_t)id;
}

int csystem_key_invalidate(int32_t key) {
    return syscall(SYS_keyctl, CSYSTEM_KEYCTL_INVALIDATE, key) == 0 ? 0 : -1;
}
