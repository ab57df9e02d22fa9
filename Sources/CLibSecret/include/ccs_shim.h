// libsecret for prompts: the one thing this helper leaves to it. The calls a get, store or erase makes go to the
// Secret Service over the helper's own D-Bus connection (SecretServiceStore/DBusConnection.swift, no GLib), with a
// session whose Diffie-Hellman exchange is ours (ccs_dh.c, below); when the provider asks for a prompt (unlocking
// a collection, confirming a deletion), libsecret runs it and waits for the person's answer, bounded by a watchdog
// thread that cancels it at the deadline.
//
// libsecret is not linked: ccs_load() opens libsecret-1.so.0 with dlopen the first time a prompt must run and
// resolves every function used here into ccs_api (GLib, GObject and GIO come in as libsecret's own dependencies).
// A command that needs no prompt never loads, relocates or initialises any of them. Below the table, each name is
// redirected to its entry, so the inline functions read as ordinary libsecret and GLib code; Swift calls only
// these ccs_ functions (a direct call to a libsecret or GLib function from Swift would not link).
//
// The D-Bus-path API (secret-paths.h) is marked "subject to change" by libsecret but has been stable since 0.18;
// it runs a prompt, or unlocks items, by object path.
#ifndef CCS_SHIM_H
#define CCS_SHIM_H

#define SECRET_API_SUBJECT_TO_CHANGE 1
#include <libsecret/secret.h>
#include <gio/gio.h>
#include <stdint.h>
#include <string.h>

// MARK: - The functions loaded from libsecret-1.so.0 and its dependencies

#define CCS_API(X) \
    X(secret_service_get_type) X(secret_service_open_sync) X(secret_service_unlock_dbus_paths_sync) \
    X(secret_service_prompt_at_dbus_path_sync) X(secret_error_get_quark) \
    X(g_io_error_quark) X(g_dbus_error_get_remote_error) X(g_dbus_error_encode_gerror) \
    X(g_dbus_error_strip_remote_error) \
    X(g_cancellable_new) X(g_cancellable_cancel) X(g_object_ref) X(g_object_unref) \
    X(g_free) X(g_strfreev) X(g_error_free) X(g_malloc0) X(g_malloc0_n) X(g_get_monotonic_time) X(g_variant_unref) \
    X(g_mutex_init) X(g_mutex_lock) X(g_mutex_unlock) X(g_mutex_clear) \
    X(g_cond_init) X(g_cond_signal) X(g_cond_wait_until) X(g_cond_clear) X(g_thread_new) X(g_thread_join)

#define CCS_API_ENTRY(name) __typeof__(name) *name;
struct ccs_api { CCS_API(CCS_API_ENTRY) };
#undef CCS_API_ENTRY
extern struct ccs_api ccs_api;

// Loads libsecret once (thread-safe). Returns 1 when every function is there; otherwise 0, with *problem set to
// what went wrong (dlerror's text, or the missing function), owned by the loader.
int ccs_load(const char **problem);

#ifndef CCS_LOADER
#undef g_object_ref
#undef g_str_equal
#define secret_service_get_type (ccs_api.secret_service_get_type)
#define secret_service_open_sync (ccs_api.secret_service_open_sync)
#define secret_service_unlock_dbus_paths_sync (ccs_api.secret_service_unlock_dbus_paths_sync)
#define secret_service_prompt_at_dbus_path_sync (ccs_api.secret_service_prompt_at_dbus_path_sync)
#define secret_error_get_quark (ccs_api.secret_error_get_quark)
#define g_io_error_quark (ccs_api.g_io_error_quark)
#define g_dbus_error_get_remote_error (ccs_api.g_dbus_error_get_remote_error)
#define g_dbus_error_encode_gerror (ccs_api.g_dbus_error_encode_gerror)
#define g_dbus_error_strip_remote_error (ccs_api.g_dbus_error_strip_remote_error)
#define g_cancellable_new (ccs_api.g_cancellable_new)
#define g_cancellable_cancel (ccs_api.g_cancellable_cancel)
#define g_object_ref (ccs_api.g_object_ref)
#define g_object_unref (ccs_api.g_object_unref)
#define g_free (ccs_api.g_free)
#define g_strfreev (ccs_api.g_strfreev)
#define g_error_free (ccs_api.g_error_free)
#define g_malloc0 (ccs_api.g_malloc0)
#define g_malloc0_n (ccs_api.g_malloc0_n)
#define g_get_monotonic_time (ccs_api.g_get_monotonic_time)
#define g_variant_unref (ccs_api.g_variant_unref)
#define g_mutex_init (ccs_api.g_mutex_init)
#define g_mutex_lock (ccs_api.g_mutex_lock)
#define g_mutex_unlock (ccs_api.g_mutex_unlock)
#define g_mutex_clear (ccs_api.g_mutex_clear)
#define g_cond_init (ccs_api.g_cond_init)
#define g_cond_signal (ccs_api.g_cond_signal)
#define g_cond_wait_until (ccs_api.g_cond_wait_until)
#define g_cond_clear (ccs_api.g_cond_clear)
#define g_thread_new (ccs_api.g_thread_new)
#define g_thread_join (ccs_api.g_thread_join)

// MARK: - libsecret, for prompts only (unlocking a collection, or a provider that asks before it deletes)

static inline SecretService *ccs_service_open_sync(GCancellable *cancellable, GError **error) {
    return secret_service_open_sync(SECRET_TYPE_SERVICE, NULL, SECRET_SERVICE_NONE, cancellable, error);
}
static inline gint ccs_unlock_paths_sync(SecretService *service, const gchar **paths, GCancellable *cancellable,
                                         gchar ***unlocked, GError **error) {
    return secret_service_unlock_dbus_paths_sync(service, paths, cancellable, unlocked, error);
}
// Runs the prompt at `prompt` (not "/") and waits for it. TRUE when it completed; FALSE with *error set when it
// failed, or with no error when it was dismissed.
static inline gboolean ccs_prompt_sync(SecretService *service, const gchar *prompt, GCancellable *cancellable,
                                       GError **error) {
    GVariant *result = secret_service_prompt_at_dbus_path_sync(service, prompt, cancellable, NULL, error);
    if (result == NULL) return FALSE;
    g_variant_unref(result);
    return TRUE;
}

// MARK: - Error domains (macros in C, so Swift cannot see them)

static inline GQuark ccs_io_error_quark(void) { return G_IO_ERROR; }
static inline GQuark ccs_secret_error_quark(void) { return SECRET_ERROR; }

// The D-Bus error name of a GError (free with g_free): the remote one it carries, or the one its domain registered
// (GDBus's own, libsecret's org.freedesktop.Secret.Error.*); then the message without GDBus's "GDBus.Error:name: ".
static inline gchar *ccs_error_dbus_name_stripping(GError *error) {
    gchar *name = g_dbus_error_get_remote_error(error);
    if (name == NULL) name = g_dbus_error_encode_gerror(error);
    g_dbus_error_strip_remote_error(error);
    return name;
}

// MARK: - Object lifetime

static inline void ccs_object_unref(gpointer object) { if (object) g_object_unref(object); }
static inline void ccs_free(gpointer memory) { g_free(memory); }
static inline void ccs_strfreev(gchar **strings) { g_strfreev(strings); }
static inline GCancellable *ccs_cancellable_new(void) { return g_cancellable_new(); }
static inline void ccs_error_free(GError *error) { g_error_free(error); }

// MARK: - Diffie-Hellman for the dh-ietf1024-sha256-aes128-cbc-pkcs7 session (ccs_dh.c; needs no GLib)

/// result = base^exponent mod modulus, all big-endian; modulus odd, 1024 bits; base < modulus. Constant time in the
/// exponent's and the base's values (not in the exponent's length). Returns 0, or -1 for an unusable modulus.
int ccs_modexp_1024(uint8_t result[128], const uint8_t base[128], const uint8_t *exponent, size_t exponent_length,
                    const uint8_t modulus[128]);

// MARK: - Watchdog: cancels a GCancellable when a deadline passes.
//
// libsecret's *_sync calls run a private main loop and honour a GCancellable; a thread that waits on
// a condition variable until the deadline and then cancels is the one way to bound them all alike,
// including libsecret's prompt wait, which has no timeout of its own.

typedef struct {
    GMutex mutex;
    GCond cond;
    gboolean stopped;
    gboolean fired;
    gint64 deadline;
    GCancellable *cancellable;
    GThread *thread;
} CCSWatchdog;

static gpointer ccs_watchdog_main(gpointer data) {
    CCSWatchdog *dog = (CCSWatchdog *)data;
    g_mutex_lock(&dog->mutex);
    while (!dog->stopped) {
        if (!g_cond_wait_until(&dog->cond, &dog->mutex, dog->deadline) && !dog->stopped) {
            dog->fired = TRUE;
            g_cancellable_cancel(dog->cancellable);
            break;
        }
    }
    g_mutex_unlock(&dog->mutex);
    return NULL;
}

static inline CCSWatchdog *ccs_watchdog_start(GCancellable *cancellable, gint64 timeout_ms) {
    CCSWatchdog *dog = g_new0(CCSWatchdog, 1);
    g_mutex_init(&dog->mutex);
    g_cond_init(&dog->cond);
    dog->cancellable = g_object_ref(cancellable);
    dog->deadline = g_get_monotonic_time() + timeout_ms * G_TIME_SPAN_MILLISECOND;
    dog->thread = g_thread_new("ccs-watchdog", ccs_watchdog_main, dog);
    return dog;
}

// Stops and frees the watchdog; returns TRUE when it had fired (the operation timed out).
static inline gboolean ccs_watchdog_stop(CCSWatchdog *dog) {
    g_mutex_lock(&dog->mutex);
    dog->stopped = TRUE;
    g_cond_signal(&dog->cond);
    g_mutex_unlock(&dog->mutex);
    g_thread_join(dog->thread);
    gboolean fired = dog->fired;
    g_object_unref(dog->cancellable);
    g_mutex_clear(&dog->mutex);
    g_cond_clear(&dog->cond);
    g_free(dog);
    return fired;
}

#endif // CCS_LOADER

#endif
