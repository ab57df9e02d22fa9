// Shims for the parts of libsecret and GIO that Swift cannot call directly: variadic GVariant
// constructors, GHashTable construction with C callbacks, error-domain macros, and a watchdog
// thread that bounds every D-Bus call by cancelling it.
//
// The D-Bus-path API (secret-paths.h) is marked "subject to change" by libsecret but has been
// stable since 0.18; it lets us search, read and create items without building a proxy per item.
#ifndef CCS_SHIM_H
#define CCS_SHIM_H

#define SECRET_API_SUBJECT_TO_CHANGE 1
#include <libsecret/secret.h>
#include <gio/gio.h>
#include <string.h>

// MARK: - Error domains (macros in C, so Swift cannot see them)

static inline GQuark ccs_io_error_quark(void) { return G_IO_ERROR; }
static inline GQuark ccs_dbus_error_quark(void) { return G_DBUS_ERROR; }
static inline GQuark ccs_secret_error_quark(void) { return SECRET_ERROR; }

// MARK: - Object lifetime

static inline void ccs_object_unref(gpointer object) { if (object) g_object_unref(object); }
static inline GType ccs_secret_service_type(void) { return SECRET_TYPE_SERVICE; }
static inline GDBusConnection *ccs_service_connection(SecretService *service) {
    return g_dbus_proxy_get_connection(G_DBUS_PROXY(service));
}

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

// Item properties for CreateItem: label and attributes, values owned by the table.
static inline GHashTable *ccs_item_properties_new(const char *label, GHashTable *attributes) {
    GHashTable *properties = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_variant_unref);
    g_hash_table_insert(properties, (gpointer) "org.freedesktop.Secret.Item.Label",
                        g_variant_ref_sink(g_variant_new_string(label)));
    g_hash_table_insert(properties, (gpointer) "org.freedesktop.Secret.Item.Attributes",
                        g_variant_ref_sink(ccs_attributes_variant(attributes)));
    return properties;
}

static inline void ccs_hash_table_unref(GHashTable *table) { if (table) g_hash_table_unref(table); }

// MARK: - Properties over D-Bus (org.freedesktop.DBus.Properties)

// Returns the property's value (unwrapped from its "v"), or NULL with *error set.
static inline GVariant *ccs_get_property(GDBusConnection *connection, const char *bus_name, const char *path,
                                         const char *interface, const char *property, gint timeout_ms,
                                         GCancellable *cancellable, GError **error) {
    GVariant *reply = g_dbus_connection_call_sync(
        connection, bus_name, path, "org.freedesktop.DBus.Properties", "Get",
        g_variant_new("(ss)", interface, property), G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, timeout_ms,
        cancellable, error);
    if (reply == NULL) return NULL;
    GVariant *value = NULL;
    g_variant_get(reply, "(v)", &value);
    g_variant_unref(reply);
    return value;
}

static inline gboolean ccs_set_attributes(GDBusConnection *connection, const char *bus_name, const char *path,
                                          GHashTable *attributes, gint timeout_ms, GCancellable *cancellable,
                                          GError **error) {
    GVariant *reply = g_dbus_connection_call_sync(
        connection, bus_name, path, "org.freedesktop.DBus.Properties", "Set",
        g_variant_new("(ssv)", "org.freedesktop.Secret.Item", "Attributes", ccs_attributes_variant(attributes)),
        NULL, G_DBUS_CALL_FLAGS_NONE, timeout_ms, cancellable, error);
    if (reply == NULL) return FALSE;
    g_variant_unref(reply);
    return TRUE;
}

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

static inline const gchar *ccs_variant_string(GVariant *value) {
    if (value == NULL || !g_variant_is_of_type(value, G_VARIANT_TYPE_STRING)) return NULL;
    return g_variant_get_string(value, NULL);
}

static inline void ccs_variant_unref(GVariant *value) { if (value) g_variant_unref(value); }

// MARK: - Secret values

static inline SecretValue *ccs_secret_value_new(const unsigned char *bytes, gssize length, const char *content_type) {
    return secret_value_new((const gchar *)bytes, length, content_type);
}

static inline const unsigned char *ccs_secret_value_bytes(SecretValue *value, gsize *length) {
    return (const unsigned char *)secret_value_get(value, length);
}

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

#endif
