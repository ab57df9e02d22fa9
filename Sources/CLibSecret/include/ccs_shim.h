// Shims for the parts of libsecret and GIO that Swift cannot call directly: variadic GVariant
// constructors, GHashTable construction with C callbacks, error-domain macros, and a watchdog
// thread that bounds every D-Bus call by cancelling it.
//
// libsecret is not linked: ccs_load() opens libsecret-1.so.0 with dlopen the first time a command needs the
// keyring and resolves every function used here into ccs_api (GLib, GObject and GIO come in as libsecret's own
// dependencies). A file-backend command never loads, relocates or initialises any of them. Below the table, each
// name is redirected to its entry, so the inline functions read as ordinary libsecret and GLib code; Swift calls
// only these ccs_ functions (a direct call to a libsecret or GLib function from Swift would not link).
//
// The D-Bus-path API (secret-paths.h) is marked "subject to change" by libsecret but has been
// stable since 0.18; it lets us search, read and create items without building a proxy per item.
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
    X(g_io_error_quark) X(g_dbus_error_quark) X(g_dbus_address_get_for_bus_sync) \
    X(g_dbus_connection_new_for_address_sync) X(g_dbus_connection_call) X(g_dbus_connection_call_finish) \
    X(g_main_context_new) X(g_main_context_push_thread_default) X(g_main_context_pop_thread_default) \
    X(g_main_context_iteration) X(g_main_context_unref) X(g_variant_get_child_value) \
    X(g_variant_is_object_path) X(g_error_new_literal) X(g_timeout_source_new) X(g_source_set_callback) X(g_source_attach) X(g_source_destroy) X(g_source_unref) \
    X(g_cancellable_new) X(g_cancellable_cancel) X(g_object_ref) X(g_object_unref) \
    X(g_free) X(g_strfreev) X(g_strdup) X(g_error_free) X(g_malloc0) X(g_malloc0_n) X(g_get_monotonic_time) \
    X(g_hash_table_new_full) X(g_hash_table_replace) X(g_hash_table_unref) \
    X(g_hash_table_iter_init) X(g_hash_table_iter_next) X(g_str_hash) X(g_str_equal) \
    X(g_variant_builder_init) X(g_variant_builder_add) X(g_variant_builder_end) X(g_variant_type_checked_) \
    X(g_variant_new_string) X(g_variant_new) X(g_variant_get) X(g_variant_unref) X(g_variant_ref_sink) \
    X(g_variant_new_fixed_array) X(g_variant_get_fixed_array) X(g_variant_dup_objv) \
    X(g_variant_is_of_type) X(g_variant_n_children) X(g_variant_iter_init) X(g_variant_iter_next) \
    X(g_variant_get_boolean) X(g_variant_get_string) \
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
#define g_dbus_error_quark (ccs_api.g_dbus_error_quark)
#define g_dbus_address_get_for_bus_sync (ccs_api.g_dbus_address_get_for_bus_sync)
#define g_dbus_connection_new_for_address_sync (ccs_api.g_dbus_connection_new_for_address_sync)
#define g_dbus_connection_call (ccs_api.g_dbus_connection_call)
#define g_dbus_connection_call_finish (ccs_api.g_dbus_connection_call_finish)
#define g_main_context_new (ccs_api.g_main_context_new)
#define g_main_context_push_thread_default (ccs_api.g_main_context_push_thread_default)
#define g_main_context_pop_thread_default (ccs_api.g_main_context_pop_thread_default)
#define g_main_context_iteration (ccs_api.g_main_context_iteration)
#define g_main_context_unref (ccs_api.g_main_context_unref)
#define g_variant_is_object_path (ccs_api.g_variant_is_object_path)
#define g_error_new_literal (ccs_api.g_error_new_literal)
#define g_timeout_source_new (ccs_api.g_timeout_source_new)
#define g_source_set_callback (ccs_api.g_source_set_callback)
#define g_source_attach (ccs_api.g_source_attach)
#define g_source_destroy (ccs_api.g_source_destroy)
#define g_source_unref (ccs_api.g_source_unref)
#define g_variant_get_child_value (ccs_api.g_variant_get_child_value)
#define g_cancellable_new (ccs_api.g_cancellable_new)
#define g_cancellable_cancel (ccs_api.g_cancellable_cancel)
#define g_object_ref (ccs_api.g_object_ref)
#define g_object_unref (ccs_api.g_object_unref)
#define g_free (ccs_api.g_free)
#define g_strfreev (ccs_api.g_strfreev)
#define g_strdup (ccs_api.g_strdup)
#define g_error_free (ccs_api.g_error_free)
#define g_malloc0 (ccs_api.g_malloc0)
#define g_malloc0_n (ccs_api.g_malloc0_n)
#define g_get_monotonic_time (ccs_api.g_get_monotonic_time)
#define g_hash_table_new_full (ccs_api.g_hash_table_new_full)
#define g_hash_table_replace (ccs_api.g_hash_table_replace)
#define g_hash_table_unref (ccs_api.g_hash_table_unref)
#define g_hash_table_iter_init (ccs_api.g_hash_table_iter_init)
#define g_hash_table_iter_next (ccs_api.g_hash_table_iter_next)
#define g_str_hash (ccs_api.g_str_hash)
#define g_str_equal (ccs_api.g_str_equal)
#define g_variant_builder_init (ccs_api.g_variant_builder_init)
#define g_variant_builder_add (ccs_api.g_variant_builder_add)
#define g_variant_builder_end (ccs_api.g_variant_builder_end)
#define g_variant_type_checked_ (ccs_api.g_variant_type_checked_)
#define g_variant_new_string (ccs_api.g_variant_new_string)
#define g_variant_new (ccs_api.g_variant_new)
#define g_variant_get (ccs_api.g_variant_get)
#define g_variant_unref (ccs_api.g_variant_unref)
#define g_variant_ref_sink (ccs_api.g_variant_ref_sink)
#define g_variant_new_fixed_array (ccs_api.g_variant_new_fixed_array)
#define g_variant_get_fixed_array (ccs_api.g_variant_get_fixed_array)
#define g_variant_dup_objv (ccs_api.g_variant_dup_objv)
#define g_variant_is_of_type (ccs_api.g_variant_is_of_type)
#define g_variant_n_children (ccs_api.g_variant_n_children)
#define g_variant_iter_init (ccs_api.g_variant_iter_init)
#define g_variant_iter_next (ccs_api.g_variant_iter_next)
#define g_variant_get_boolean (ccs_api.g_variant_get_boolean)
#define g_variant_get_string (ccs_api.g_variant_get_string)
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
static inline GQuark ccs_dbus_error_quark(void) { return G_DBUS_ERROR; }
static inline GQuark ccs_secret_error_quark(void) { return SECRET_ERROR; }
// A GDBus call that ran out of its own timeout.
static inline gboolean ccs_is_timeout_error(const GError *error) {
    return error->domain == G_IO_ERROR && error->code == G_IO_ERROR_TIMED_OUT;
}

// MARK: - Object lifetime

static inline void ccs_object_unref(gpointer object) { if (object) g_object_unref(object); }

// MARK: - Attribute tables

static inline GHashTable *ccs_attributes_new(void) {
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

static inline void ccs_attributes_set(GHashTable *table, const char *key, const char *value) {
    g_hash_table_replace(table, g_strdup(key), g_strdup(value));
}

static inline GVariant *ccs_attributes_variant(GHashTable *attributes) {
    GVariantBuilder builder;
    GHashTableIter iter;
    gpointer key, value;
    g_variant_builder_init(&builder, G_VARIANT_TYPE("a{ss}"));
    g_hash_table_iter_init(&iter, attributes);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        g_variant_builder_add(&builder, "{ss}", (const char *)key, (const char *)value);
    }
    return g_variant_builder_end(&builder);
}

static inline void ccs_hash_table_unref(GHashTable *table) { if (table) g_hash_table_unref(table); }

// MARK: - Properties over D-Bus (org.freedesktop.DBus.Properties)

// An a{ss} variant flattened to a NULL-terminated array: key, value, key, value, ... (free with g_strfreev).
static inline gchar **ccs_string_dict_flatten(GVariant *dict) {
    if (dict == NULL || !g_variant_is_of_type(dict, G_VARIANT_TYPE("a{ss}"))) return NULL;
    gsize count = g_variant_n_children(dict);
    gchar **out = g_new0(gchar *, count * 2 + 1);
    GVariantIter iter;
    const gchar *key, *value;
    gsize i = 0;
    g_variant_iter_init(&iter, dict);
    while (g_variant_iter_next(&iter, "{&s&s}", &key, &value)) {
        out[i++] = g_strdup(key);
        out[i++] = g_strdup(value);
    }
    return out;
}

static inline gboolean ccs_variant_boolean(GVariant *value, gboolean fallback) {
    if (value == NULL || !g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN)) return fallback;
    return g_variant_get_boolean(value);
}


static inline void ccs_variant_unref(GVariant *value) { if (value) g_variant_unref(value); }
// Frees a floating GVariant that was built but not sent.
static inline void ccs_variant_sink_unref(GVariant *value) { if (value) g_variant_unref(g_variant_ref_sink(value)); }

// MARK: - The Secret Service over GDBus
//
// The calls a get, store or erase makes go straight to org.freedesktop.secrets on a private connection: no proxy
// to build (libsecret's costs a GetAll, an AddMatch and a GetNameOwner), a session whose Diffie-Hellman exchange is
// ours (ccs_dh.c), and calls that do not depend on each other sent together (ccs_call_batch), so that a get takes
// two round trips after connecting: search and open the session, then read the secret and the attributes.

static inline void ccs_free(gpointer memory) { g_free(memory); }
static inline void ccs_strfreev(gchar **strings) { g_strfreev(strings); }
static inline GCancellable *ccs_cancellable_new(void) { return g_cancellable_new(); }
static inline void ccs_error_free(GError *error) { g_error_free(error); }

// A private connection to the session bus (never GLib's shared one, which would end the process if the bus
// went away).
static inline GDBusConnection *ccs_session_bus_open(GCancellable *cancellable, GError **error) {
    gchar *address = g_dbus_address_get_for_bus_sync(G_BUS_TYPE_SESSION, cancellable, error);
    if (address == NULL) return NULL;
    GDBusConnection *connection = g_dbus_connection_new_for_address_sync(
        address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION, NULL,
        cancellable, error);
    g_free(address);
    return connection;
}

// One method call on org.freedesktop.secrets: what to send, and (after ccs_call_batch) the reply or the error,
// owned by the caller (g_variant_unref, g_error_free).
typedef struct {
    const char *path;
    const char *interface;
    const char *method;
    GVariant *parameters;    // floating, consumed by the call; NULL for none
    const char *reply_type;  // NULL: any
    GVariant *reply;
    GError *error;
    int done;
} CCSCall;

static void ccs_call_done(GObject *source, GAsyncResult *result, gpointer data) {
    CCSCall *call = (CCSCall *)data;
    call->reply = g_dbus_connection_call_finish((GDBusConnection *)source, result, &call->error);
    call->done = 1;
}

static gboolean ccs_batch_expired(gpointer data) {
    *(int *)data = 1;
    return G_SOURCE_REMOVE;
}

// Sends every call at once and waits for every reply. Each call is bounded by GDBus's own timeout, so the wait ends
// by `timeout_ms` at the latest (with G_IO_ERROR_TIMED_OUT for a call left unanswered); a second timer a second
// later ends it regardless. A call whose object path is not one is not sent (GDBus would drop it without a reply).
static inline void ccs_call_batch(GDBusConnection *connection, CCSCall *calls, int count, gint timeout_ms) {
    GMainContext *context = g_main_context_new();
    g_main_context_push_thread_default(context);
    for (int i = 0; i < count; i++) {
        calls[i].reply = NULL;
        calls[i].error = NULL;
        calls[i].done = 0;
        if (calls[i].path == NULL || !g_variant_is_object_path(calls[i].path)) {
            if (calls[i].parameters) g_variant_unref(g_variant_ref_sink(calls[i].parameters));
            calls[i].error = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "not a D-Bus object path");
            calls[i].done = 1;
            continue;
        }
        g_dbus_connection_call(connection, "org.freedesktop.secrets", calls[i].path, calls[i].interface,
                               calls[i].method, calls[i].parameters,
                               calls[i].reply_type ? G_VARIANT_TYPE(calls[i].reply_type) : NULL,
                               G_DBUS_CALL_FLAGS_NONE, timeout_ms, NULL, ccs_call_done, &calls[i]);
    }
    int expired = 0;
    GSource *timer = g_timeout_source_new((guint)timeout_ms + 1000);
    g_source_set_callback(timer, ccs_batch_expired, &expired, NULL);
    g_source_attach(timer, context);
    for (int i = 0; i < count; i++) {
        while (!calls[i].done && !expired) g_main_context_iteration(context, TRUE);
        if (!calls[i].done) {
            // Left unanswered past GDBus's own timeout: reported as timed out; a late reply is never dispatched,
            // since nothing iterates this context again.
            calls[i].error = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no reply");
            calls[i].done = 1;
        }
    }
    g_source_destroy(timer);
    g_source_unref(timer);
    g_main_context_pop_thread_default(context);
    g_main_context_unref(context);
}

static inline GVariant *ccs_bytes_variant(const guint8 *bytes, gsize length) {
    return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, length ? bytes : (const guint8 *)"", length, 1);
}

// A copy of an "ay" (free with g_free).
static inline guint8 *ccs_bytes_copy(GVariant *value, gsize *length) {
    gsize count = 0;
    const guint8 *data = g_variant_get_fixed_array(value, &count, 1);
    guint8 *copy = g_malloc0(count ? count : 1);
    if (count) memcpy(copy, data, count);
    *length = count;
    return copy;
}

static inline GVariant *ccs_secret_struct(const char *session, const guint8 *parameters, gsize parameters_length,
                                          const guint8 *value, gsize value_length, const char *content_type) {
    return g_variant_new("(o@ay@ays)", session, ccs_bytes_variant(parameters, parameters_length),
                         ccs_bytes_variant(value, value_length), content_type);
}

// Parameters of each call.

// Service.SearchItems(a{ss}) -> (ao unlocked, ao locked)
static inline GVariant *ccs_params_search(GHashTable *attributes) {
    return g_variant_new("(@a{ss})", ccs_attributes_variant(attributes));
}
// Service.OpenSession(s algorithm, v input) -> (v output, o session); input NULL: "plain" (an empty string).
static inline GVariant *ccs_params_open_session(const char *algorithm, const guint8 *input, gsize input_length) {
    return g_variant_new("(sv)", algorithm, input ? ccs_bytes_variant(input, input_length) : g_variant_new_string(""));
}
// Service.ReadAlias(s) -> (o)
static inline GVariant *ccs_params_string(const char *text) { return g_variant_new("(s)", text); }
// Item.GetSecret(o session) -> ((oayays))
static inline GVariant *ccs_params_object_path(const char *path) { return g_variant_new("(o)", path); }
// Item.SetSecret((oayays)) -> ()
static inline GVariant *ccs_params_set_secret(const char *session, const guint8 *parameters, gsize parameters_length,
                                              const guint8 *value, gsize value_length, const char *content_type) {
    return g_variant_new("(@(oayays))",
                         ccs_secret_struct(session, parameters, parameters_length, value, value_length, content_type));
}
// Collection.CreateItem(a{sv} properties, (oayays) secret, b replace = false) -> (o item, o prompt)
static inline GVariant *ccs_params_create_item(const char *label, GHashTable *attributes, const char *session,
                                               const guint8 *parameters, gsize parameters_length, const guint8 *value,
                                               gsize value_length, const char *content_type) {
    GVariantBuilder properties;
    g_variant_builder_init(&properties, G_VARIANT_TYPE("a{sv}"));
    g_variant_builder_add(&properties, "{sv}", "org.freedesktop.Secret.Item.Label", g_variant_new_string(label));
    g_variant_builder_add(&properties, "{sv}", "org.freedesktop.Secret.Item.Attributes",
                          ccs_attributes_variant(attributes));
    return g_variant_new("(@a{sv}@(oayays)b)", g_variant_builder_end(&properties),
                         ccs_secret_struct(session, parameters, parameters_length, value, value_length, content_type),
                         FALSE);
}
// org.freedesktop.DBus.Properties.Get(s interface, s property) -> (v)
static inline GVariant *ccs_params_property_get(const char *interface, const char *property) {
    return g_variant_new("(ss)", interface, property);
}
// org.freedesktop.DBus.Properties.Set("org.freedesktop.Secret.Item", "Attributes", v a{ss}) -> ()
static inline GVariant *ccs_params_set_attributes(GHashTable *attributes) {
    return g_variant_new("(ssv)", "org.freedesktop.Secret.Item", "Attributes", ccs_attributes_variant(attributes));
}

// Readers of each reply (already checked against the call's reply_type by GDBus).

// (ao ao): deep copies (free with g_strfreev).
static inline void ccs_reply_two_path_lists(GVariant *reply, gchar ***first, gchar ***second) {
    GVariant *a = g_variant_get_child_value(reply, 0), *b = g_variant_get_child_value(reply, 1);
    *first = g_variant_dup_objv(a, NULL);
    *second = g_variant_dup_objv(b, NULL);
    g_variant_unref(a);
    g_variant_unref(b);
}
// (o) and the first two of (oo): copies (free with g_free).
static inline gchar *ccs_reply_path(GVariant *reply, gsize index) {
    GVariant *child = g_variant_get_child_value(reply, index);
    gchar *path = g_strdup(g_variant_get_string(child, NULL));
    g_variant_unref(child);
    return path;
}
// (v o) of OpenSession: the output bytes when they are an "ay" (else none) and the session path; copies.
static inline void ccs_reply_open_session(GVariant *reply, guint8 **output, gsize *output_length, gchar **session) {
    GVariant *value = NULL;
    const gchar *path = NULL;
    g_variant_get(reply, "(v&o)", &value, &path);
    *session = g_strdup(path);
    *output = NULL;
    *output_length = 0;
    if (g_variant_is_of_type(value, G_VARIANT_TYPE_BYTESTRING)) *output = ccs_bytes_copy(value, output_length);
    g_variant_unref(value);
}
// ((oayays)) of GetSecret: the parameters and the value, copies (free with g_free).
static inline void ccs_reply_secret(GVariant *reply, guint8 **parameters, gsize *parameters_length, guint8 **value,
                                    gsize *value_length) {
    GVariant *params = NULL, *bytes = NULL;
    g_variant_get(reply, "((&o@ay@ay&s))", NULL, &params, &bytes, NULL);
    *parameters = ccs_bytes_copy(params, parameters_length);
    *value = ccs_bytes_copy(bytes, value_length);
    g_variant_unref(params);
    g_variant_unref(bytes);
}
// (v) of Properties.Get: the value (a new reference).
static inline GVariant *ccs_reply_property(GVariant *reply) {
    GVariant *value = NULL;
    g_variant_get(reply, "(v)", &value);
    return value;
}

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
