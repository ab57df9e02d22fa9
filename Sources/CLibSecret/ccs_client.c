// The Secret Service client: libsecret's asynchronous calls on a private GMainContext (see ccs_shim.h).
//
// Each ccs_client_ call starts one or more libsecret operations, then iterates the client's own main context until
// they have all completed or the deadline has passed. A timeout source on that context wakes the loop at the
// deadline; every operation carries the client's GCancellable, which is cancelled then, so libsecret stops what it
// is doing (a GDBus call, a prompt, which it dismisses). Operations libsecret starts inside another (the session it
// opens before a secret is read, a prompt it runs after CreateItem, Delete or Unlock) run on the same context and
// are bounded by the same deadline: nothing waits outside this loop.
//
// libsecret's SecretService is subclassed (CcsSecretService) for three things:
// - its proxy uses this client's private connection, not g_bus_get's shared one (which a test of an ordinary
//   libsecret client cannot point elsewhere, and which ends the process when the bus goes away);
// - its prompt vfunc is wrapped, so that the client knows when a prompt is waiting for a person (a deadline that
//   passes then is reported as such, CCS_PROMPT_TIMED_OUT) and when one was dismissed (libsecret reports a
//   dismissed Delete prompt as success, and a dismissed CreateItem prompt as neither success nor error);
// - its class names subclasses of SecretItem and SecretCollection as the types libsecret makes its item and
//   collection proxies of, addressed to the provider's unique name (see "Item and collection proxies").
#define _GNU_SOURCE
#include <dlfcn.h>
#include "ccs_api.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct CcsClient {
    GMainContext *context;
    GCancellable *cancellable;
    GDBusConnection *connection;
    SecretService *service;
    GHashTable *items;       // item path -> SecretItem proxy made by read_item, reused by set_secret/set_attributes
    GHashTable *prefetched;  // item path -> CcsOp making its proxy, started by a search while the session opened
    gint64 deadline;         // monotonic µs
    gint64 prompt_timeout;   // µs; 0: the command's deadline stands for prompts too
    int prompts_running;
    int prompted;
    int dismissed;
    int expired;             // the deadline passed: every later call answers at once
};

// The client whose call is running on this thread (its prompts come through the vfunc below).
static __thread CcsClient *ccs_current;

// MARK: - Operations

// One libsecret operation's outcome. Two references: the waiting call's and the completion callback's, so that an
// operation abandoned at the deadline is freed by its callback if that ever runs.
typedef struct CcsOp {
    int refs;
    int done;
    GError *error;
    GObject *object;
    gchar *string;
    gchar **strv[2];
    SecretValue *value;
    gint count;
} CcsOp;

static CcsOp *op_new(void) {
    CcsOp *op = calloc(1, sizeof *op);
    if (op == NULL) abort();
    op->refs = 2;
    return op;
}

static void op_unref(CcsOp *op) {
    if (--op->refs > 0) return;
    if (op->error) g_error_free(op->error);
    if (op->object) g_object_unref(op->object);
    g_free(op->string);
    g_strfreev(op->strv[0]);
    g_strfreev(op->strv[1]);
    if (op->value) secret_value_unref(op->value);
    free(op);
}

static void op_done(CcsOp *op) {
    op->done = 1;
    op_unref(op);
}

static gboolean on_tick(gpointer data) {
    (void)data;
    return G_SOURCE_REMOVE;  // only wakes the loop
}

static void iterate_until(GMainContext *context, gint64 until) {
    gint64 now = g_get_monotonic_time();
    GSource *timer = g_timeout_source_new(until > now ? (guint)((until - now + 999) / 1000) : 0);
    g_source_set_callback(timer, on_tick, NULL, NULL);
    g_source_attach(timer, context);
    g_main_context_iteration(context, TRUE);
    g_source_destroy(timer);
    g_source_unref(timer);
}

static int pending(CcsOp **ops, int count) {
    int left = 0;
    for (int i = 0; i < count; i++) left += !ops[i]->done;
    return left;
}

// Waits for every op, then says how the call went; on CCS_FAILED, *error is the first op's error (moved out).
static CcsStatus wait_for(CcsClient *c, CcsOp **ops, int count, GError **error) {
    while (pending(ops, count)) {
        if (g_get_monotonic_time() >= c->deadline) {
            int in_prompt = c->prompts_running > 0;
            c->expired = 1;
            g_cancellable_cancel(c->cancellable);
            // A short grace for what cancelling sends (a cancelled prompt is dismissed), then the ops are left.
            gint64 grace = g_get_monotonic_time() + 100 * 1000;
            while (pending(ops, count) && g_get_monotonic_time() < grace) iterate_until(c->context, grace);
            return in_prompt ? CCS_PROMPT_TIMED_OUT : CCS_TIMED_OUT;
        }
        iterate_until(c->context, c->deadline);
    }
    if (c->dismissed) return CCS_DISMISSED;
    for (int i = 0; i < count; i++) {
        if (ops[i]->error == NULL) continue;
        if (error) {
            *error = ops[i]->error;
            ops[i]->error = NULL;
        }
        return CCS_FAILED;
    }
    return CCS_OK;
}

static void begin(CcsClient *c) {
    g_main_context_push_thread_default(c->context);
    ccs_current = c;
    c->prompted = 0;
    c->dismissed = 0;
}

static CcsStatus end(CcsClient *c, CcsStatus status, CcsOp **ops, int count) {
    for (int i = 0; i < count; i++) op_unref(ops[i]);
    ccs_current = NULL;
    g_main_context_pop_thread_default(c->context);
    return status;
}

// MARK: - The SecretService subclass

static GType ccs_service_type;
static GObject *(*parent_constructor)(GType, guint, GObjectConstructParam *);
static void (*parent_prompt_async)(SecretService *, SecretPrompt *, const GVariantType *, GCancellable *,
                                   GAsyncReadyCallback, gpointer);
static GVariant *(*parent_prompt_finish)(SecretService *, GAsyncResult *, GError **);
static __thread GDBusConnection *ccs_constructing_connection;

static GObject *ccs_service_constructor(GType type, guint count, GObjectConstructParam *parameters) {
    GObject *object = parent_constructor(type, count, parameters);
    // libsecret's constructor has just set the session bus type; the client's own connection goes in its place.
    // The service's own signals (CollectionCreated and the like) matter only to a client that keeps libsecret's
    // list of collections, which this one never loads: no match rule for them.
    g_object_set(object, "g-bus-type", G_BUS_TYPE_NONE, "g-connection", ccs_constructing_connection, "g-flags",
                 g_dbus_proxy_get_flags((GDBusProxy *)object) | G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS, NULL);
    return object;
}

static GQuark dismissed_quark(void) { return g_quark_from_static_string("ccs-prompt-dismissed"); }

static void on_parent_prompt(GObject *source, GAsyncResult *result, gpointer data) {
    GTask *task = (GTask *)data;
    GError *error = NULL;
    GVariant *value = parent_prompt_finish((SecretService *)source, result, &error);
    CcsClient *c = ccs_current;
    if (c) c->prompts_running--;
    if (value) {
        g_task_return_pointer(task, value, (GDestroyNotify)g_variant_unref);
    } else {
        if (error == NULL) {
            if (c) c->dismissed = 1;
            error = g_error_new_literal(dismissed_quark(), 1, "The prompt was dismissed");
        }
        g_task_return_error(task, error);
    }
    g_object_unref(task);
}

static void ccs_prompt_async(SecretService *self, SecretPrompt *prompt, const GVariantType *return_type,
                             GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data) {
    CcsClient *c = ccs_current;
    if (c) {
        c->prompts_running++;
        c->prompted = 1;
        if (c->prompt_timeout > 0) {
            gint64 until = g_get_monotonic_time() + c->prompt_timeout;
            if (until > c->deadline) c->deadline = until;
        }
    }
    GTask *task = g_task_new(self, cancellable, callback, user_data);
    parent_prompt_async(self, prompt, return_type, cancellable, on_parent_prompt, task);
}

static GVariant *ccs_prompt_finish(SecretService *self, GAsyncResult *result, GError **error) {
    (void)self;
    return g_task_propagate_pointer((GTask *)result, error);
}

// MARK: - Item and collection proxies

// libsecret makes its item and collection proxies (secret_item_new_for_dbus_path and the like) of the types the
// service's class names, which are these subclasses. Each one stands for an object of a provider that is running
// and has just answered, and is read once, when it is made: so it is addressed to the provider's unique name (its
// properties are asked for at once, with no StartServiceByName and GetNameOwner round trips to the bus first, as
// for a proxy of the well-known name) and it subscribes to no signals but the changes of its properties (one match
// rule fewer to add when it is made and to remove when it is freed).
static GType ccs_item_type, ccs_collection_type;
static GObject *(*item_parent_constructor)(GType, guint, GObjectConstructParam *);
static GObject *(*collection_parent_constructor)(GType, guint, GObjectConstructParam *);

static void address_to_owner(GObject *object, SecretService *service) {
    GDBusProxyFlags flags = g_dbus_proxy_get_flags((GDBusProxy *)object) | G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS;
    gchar *owner = service ? g_dbus_proxy_get_name_owner((GDBusProxy *)service) : NULL;
    if (owner) {
        g_object_set(object, "g-flags", flags | G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, "g-name", owner, NULL);
        g_free(owner);
    } else {
        g_object_set(object, "g-flags", flags, NULL);
    }
}

static GObject *ccs_item_constructor(GType type, guint count, GObjectConstructParam *parameters) {
    GObject *object = item_parent_constructor(type, count, parameters);
    address_to_owner(object, secret_item_get_service((SecretItem *)object));
    return object;
}

static GObject *ccs_collection_constructor(GType type, guint count, GObjectConstructParam *parameters) {
    GObject *object = collection_parent_constructor(type, count, parameters);
    address_to_owner(object, secret_collection_get_service((SecretCollection *)object));
    return object;
}

static void ccs_item_class_init(gpointer klass, gpointer data) {
    (void)data;
    item_parent_constructor = ((GObjectClass *)g_type_class_peek_parent(klass))->constructor;
    ((GObjectClass *)klass)->constructor = ccs_item_constructor;
}

static void ccs_collection_class_init(gpointer klass, gpointer data) {
    (void)data;
    collection_parent_constructor = ((GObjectClass *)g_type_class_peek_parent(klass))->constructor;
    ((GObjectClass *)klass)->constructor = ccs_collection_constructor;
}

static void ccs_service_class_init(gpointer klass, gpointer data) {
    (void)data;
    GObjectClass *object_class = (GObjectClass *)klass;
    SecretServiceClass *service_class = (SecretServiceClass *)klass;
    parent_constructor = ((GObjectClass *)g_type_class_peek_parent(klass))->constructor;
    object_class->constructor = ccs_service_constructor;
    parent_prompt_async = service_class->prompt_async;
    parent_prompt_finish = service_class->prompt_finish;
    service_class->prompt_async = ccs_prompt_async;
    service_class->prompt_finish = ccs_prompt_finish;
    service_class->item_gtype = ccs_item_type;
    service_class->collection_gtype = ccs_collection_type;
}

// MARK: - GLib's log

// GLib and GDBus report some failures only as log messages (a malformed message from the bus, say), which GLib
// would print to stderr. They are kept instead (the last one), for the error message and the trace, where they are
// shown with their control characters escaped.
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_last[512];

static void keep_log_message(const char *domain, const char *message) {
    pthread_mutex_lock(&log_lock);
    snprintf(log_last, sizeof log_last, "%s%s%s", domain ? domain : "", domain ? ": " : "", message ? message : "");
    pthread_mutex_unlock(&log_lock);
}

static void on_log(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data) {
    (void)level;
    (void)data;
    keep_log_message(domain, message);
}

static GLogWriterOutput on_structured_log(GLogLevelFlags level, const GLogField *fields, gsize count, gpointer data) {
    (void)level;
    (void)data;
    const char *domain = NULL, *message = NULL;
    for (gsize i = 0; i < count; i++) {
        if (strcmp(fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].length < 0) domain = fields[i].value;
        if (strcmp(fields[i].key, "MESSAGE") == 0 && fields[i].length < 0) message = fields[i].value;
    }
    keep_log_message(domain, message);
    return G_LOG_WRITER_HANDLED;
}

char *ccs_take_log_message(void) {
    pthread_mutex_lock(&log_lock);
    char *message = log_last[0] ? strdup(log_last) : NULL;
    log_last[0] = 0;
    pthread_mutex_unlock(&log_lock);
    return message;
}

static pthread_once_t ccs_type_once = PTHREAD_ONCE_INIT;

static void register_type(void) {
    g_log_set_default_handler(on_log, NULL);
    g_log_set_writer_func(on_structured_log, NULL, NULL);
    ccs_item_type = g_type_register_static_simple(secret_item_get_type(), "CcsSecretItem", sizeof(SecretItemClass),
                                                  ccs_item_class_init, sizeof(SecretItem), NULL, 0);
    ccs_collection_type = g_type_register_static_simple(secret_collection_get_type(), "CcsSecretCollection",
                                                        sizeof(SecretCollectionClass), ccs_collection_class_init,
                                                        sizeof(SecretCollection), NULL, 0);
    ccs_service_type = g_type_register_static_simple(secret_service_get_type(), "CcsSecretService",
                                                     sizeof(SecretServiceClass), ccs_service_class_init,
                                                     sizeof(SecretService), NULL, 0);
    // Registers libsecret's D-Bus error names, so that replies carrying them arrive as SECRET_ERROR codes.
    (void)secret_error_get_quark();
}

// MARK: - Completion callbacks

static void on_connection(GObject *source, GAsyncResult *result, gpointer data) {
    (void)source;
    CcsOp *op = data;
    op->object = (GObject *)g_dbus_connection_new_for_address_finish(result, &op->error);
    op_done(op);
}

static void on_initable(GObject *source, GAsyncResult *result, gpointer data) {
    CcsOp *op = data;
    op->object = g_async_initable_new_finish((GAsyncInitable *)source, result, &op->error);
    op_done(op);
}

static void on_proxy(GObject *source, GAsyncResult *result, gpointer data) {
    (void)source;
    CcsOp *op = data;
    // secret_item_new_for_dbus_path_finish and secret_collection_new_for_dbus_path_finish are the same call.
    op->object = (GObject *)secret_item_new_for_dbus_path_finish(result, &op->error);
    op_done(op);
}

static void on_collection(GObject *source, GAsyncResult *result, gpointer data) {
    (void)source;
    CcsOp *op = data;
    op->object = (GObject *)secret_collection_new_for_dbus_path_finish(result, &op->error);
    op_done(op);
}

static void on_session(GObject *source, GAsyncResult *result, gpointer data) {
    CcsOp *op = data;
    secret_service_ensure_session_finish((SecretService *)source, result, &op->error);
    op_done(op);
}

static void on_search(GObject *source, GAsyncResult *result, gpointer data) {
    CcsOp *op = data;
    secret_service_search_for_dbus_paths_finish((SecretService *)source, result, &op->strv[0], &op->strv[1],
                                                &op->error);
    op_done(op);
}

static void on_secret(GObject *source, GAsyncResult *result, gpointer data) {
    CcsOp *op = data;
    op->value = secret_service_get_secret_for_dbus_path_finish((SecretService *)source, result, &op->error);
    op_done(op);
}

static void on_set_secret(GObject *source, GAsyncResult *result, gpointer data) {
    CcsOp *op = data;
    secret_item_set_secret_finish((SecretItem *)source, result, &op->error);
    op_done(op);
}

static void on_set_attributes(GObject *source, GAsyncResult *result, gpointer data) {
    CcsOp *op = data;
    secret_item_set_attributes_finish((SecretItem *)source, result, &op->error);
    op_done(op);
}

static void on_create(GObject *source, GAsyncResult *result, gpointer data) {
    CcsOp *op = data;
    op->string = secret_service_create_item_dbus_path_finish((SecretService *)source, result, &op->error);
    op_done(op);
}

static void on_delete(GObject *source, GAsyncResult *result, gpointer data) {
    CcsOp *op = data;
    secret_service_delete_item_dbus_path_finish((SecretService *)source, result, &op->error);
    op_done(op);
}

static void on_alias(GObject *source, GAsyncResult *result, gpointer data) {
    CcsOp *op = data;
    op->string = secret_service_read_alias_dbus_path_finish((SecretService *)source, result, &op->error);
    op_done(op);
}

static void on_unlock(GObject *source, GAsyncResult *result, gpointer data) {
    CcsOp *op = data;
    op->count = secret_service_unlock_dbus_paths_finish((SecretService *)source, result, &op->strv[0], &op->error);
    op_done(op);
}

// MARK: - Attributes

static GHashTable *attributes_table(const char *const *pairs) {
    GHashTable *table = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    for (size_t i = 0; pairs && pairs[i] && pairs[i + 1]; i += 2)
        g_hash_table_insert(table, g_strdup(pairs[i]), g_strdup(pairs[i + 1]));
    return table;
}

static char **attributes_pairs(GHashTable *table) {
    char **pairs = g_malloc0_n(2 * (table ? g_hash_table_size(table) : 0) + 1, sizeof(char *));
    if (table == NULL) return pairs;
    GHashTableIter iter;
    gpointer key, value;
    size_t i = 0;
    g_hash_table_iter_init(&iter, table);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        pairs[i++] = g_strdup(key);
        pairs[i++] = g_strdup(value);
    }
    return pairs;
}

// MARK: - The client

static void *preload_main(void *data) {
    (void)data;
    if (ccs_load(NULL)) pthread_once(&ccs_type_once, register_type);
    return NULL;
}

static pthread_once_t ccs_preload_once = PTHREAD_ONCE_INIT;

static void start_preload(void) {
    pthread_t thread;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&thread, &attributes, preload_main, NULL) != 0) (void)0;  // loaded at first use instead
    pthread_attr_destroy(&attributes);
}

void ccs_preload(void) { pthread_once(&ccs_preload_once, start_preload); }

char *ccs_unix_path_address(const char *path) {
    if (!ccs_load(NULL)) return NULL;
    gchar *escaped = g_dbus_address_escape_value(path);
    gchar *address = g_strconcat("unix:path=", escaped, NULL);
    g_free(escaped);
    return address;
}

char *ccs_unescape_path_element(const char *element) {
    if (!ccs_load(NULL)) return NULL;
    return (char *)g_dbus_unescape_object_path(element);
}

CcsClient *ccs_client_new(int64_t timeout_ms, int64_t prompt_timeout_ms) {
    pthread_once(&ccs_type_once, register_type);
    CcsClient *c = calloc(1, sizeof *c);
    if (c == NULL) return NULL;
    c->context = g_main_context_new();
    c->cancellable = g_cancellable_new();
    c->items = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_object_unref);
    c->prefetched = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)op_unref);
    c->deadline = g_get_monotonic_time() + timeout_ms * 1000;
    c->prompt_timeout = prompt_timeout_ms * 1000;
    return c;
}

void ccs_client_free(CcsClient *c) {
    if (c == NULL) return;
    g_hash_table_unref(c->prefetched);
    g_hash_table_unref(c->items);
    if (c->service) g_object_unref(c->service);
    if (c->connection) g_object_unref(c->connection);
    g_object_unref(c->cancellable);
    g_main_context_unref(c->context);
    free(c);
}

int ccs_client_prompted(const CcsClient *c) { return c->prompted; }

int64_t ccs_client_remaining_ms(const CcsClient *c) {
    gint64 left = c->deadline - g_get_monotonic_time();
    return left > 0 && !c->expired ? left / 1000 : 0;
}

const char *ccs_client_session_algorithm(const CcsClient *c) {
    return c->service ? secret_service_get_session_algorithms(c->service) : NULL;
}

CcsStatus ccs_client_collections(CcsClient *c, char ***paths, GError **error) {
    (void)error;
    if (c->expired) return CCS_TIMED_OUT;
    // The service's Collections property, as the proxy loaded it (and keeps it, from PropertiesChanged).
    GVariant *value = g_dbus_proxy_get_cached_property((GDBusProxy *)c->service, "Collections");
    *paths = value ? g_variant_dup_objv(value, NULL) : g_malloc0_n(1, sizeof(char *));
    if (value) g_variant_unref(value);
    return CCS_OK;
}

// The bus daemon at the other end of the connection must run as this user or as root: another user who took over
// a stale socket path or an abstract name would otherwise receive every secret sent (GDBus does not check this).
static CcsStatus check_peer(CcsClient *c, uint32_t *peer_uid) {
    GIOStream *stream = g_dbus_connection_get_stream(c->connection);
    if (!G_IS_SOCKET_CONNECTION(stream)) return CCS_UNVERIFIABLE_BUS;
    int fd = g_socket_get_fd(g_socket_connection_get_socket((GSocketConnection *)stream));
    struct sockaddr_storage address;
    socklen_t address_length = sizeof address;
    if (getsockname(fd, (struct sockaddr *)&address, &address_length) != 0 || address.ss_family != AF_UNIX)
        return CCS_UNVERIFIABLE_BUS;
    struct ucred peer;
    socklen_t length = sizeof peer;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0 || length != sizeof peer)
        return CCS_UNVERIFIABLE_BUS;
    if (peer_uid) *peer_uid = peer.uid;
    return peer.uid == geteuid() || peer.uid == 0 ? CCS_OK : CCS_FOREIGN_BUS;
}

CcsStatus ccs_client_connect(CcsClient *c, const char *address, uint32_t *peer_uid, GError **error) {
    if (c->expired) return CCS_TIMED_OUT;
    begin(c);
    CcsOp *op = op_new();
    g_dbus_connection_new_for_address(
        address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
        NULL, c->cancellable, on_connection, op);
    CcsStatus status = wait_for(c, &op, 1, error);
    if (status != CCS_OK) return end(c, status, &op, 1);
    c->connection = (GDBusConnection *)op->object;
    op->object = NULL;
    status = check_peer(c, peer_uid);
    end(c, status, &op, 1);
    if (status != CCS_OK) return status;

    // libsecret's service proxy, initialised before anything else is asked: its first message to the provider reads
    // the service's properties, as every libsecret client's does. gnome-keyring sets up its state for a new
    // connection in an idle callback; a connection whose first messages are SearchItems and OpenSession can be served
    // before that state exists, and then gnome-keyring refuses the search or, for OpenSession, crashes (seen in this
    // project's concurrency tests whenever the properties were not read first).
    begin(c);
    op = op_new();
    ccs_constructing_connection = c->connection;
    g_async_initable_new_async(ccs_service_type, G_PRIORITY_DEFAULT, c->cancellable, on_initable, op, "flags",
                               SECRET_SERVICE_NONE, NULL);
    ccs_constructing_connection = NULL;
    status = wait_for(c, &op, 1, error);
    if (status == CCS_OK) {
        c->service = (SecretService *)op->object;
        op->object = NULL;
    }
    return end(c, status, &op, 1);
}

CcsStatus ccs_client_search(CcsClient *c, const char *const *attributes, int open_session, char ***unlocked,
                            char ***locked, GError **error) {
    if (c->expired) return CCS_TIMED_OUT;
    begin(c);
    CcsOp *ops[2] = {op_new(), NULL};
    int count = 1;
    GHashTable *table = attributes_table(attributes);
    secret_service_search_for_dbus_paths(c->service, NULL, table, c->cancellable, on_search, ops[0]);
    g_hash_table_unref(table);
    if (open_session && secret_service_get_session_algorithms(c->service) == NULL) {
        ops[1] = op_new();
        secret_service_ensure_session(c->service, c->cancellable, on_session, ops[1]);
        count = 2;
    }
    CcsStatus status = wait_for(c, ops, 1, NULL);
    if (status == CCS_OK && count == 2 && !ops[1]->done) {
        // The provider is still doing its half of the session's key exchange. The items found are read next (their
        // attributes and their secret): their proxies are made meanwhile, so that reading one then waits only for
        // the secret.
        for (int i = 0; ops[0]->strv[0] && ops[0]->strv[0][i] && i < 4; i++) {
            CcsOp *proxy = op_new();
            secret_item_new_for_dbus_path(c->service, ops[0]->strv[0][i], SECRET_ITEM_NONE, c->cancellable, on_proxy,
                                          proxy);
            g_hash_table_replace(c->prefetched, g_strdup(ops[0]->strv[0][i]), proxy);
        }
    }
    if (status == CCS_OK) status = wait_for(c, ops, count, NULL);
    // The session is opened here only to save a round trip: a failure is met again, and reported, when a secret
    // is read or written (which opens it then).
    if (status == CCS_FAILED && ops[0]->error == NULL) status = CCS_OK;
    if (status == CCS_FAILED && error) {
        *error = ops[0]->error;
        ops[0]->error = NULL;
    }
    if (status == CCS_OK) {
        *unlocked = ops[0]->strv[0];
        *locked = ops[0]->strv[1];
        ops[0]->strv[0] = ops[0]->strv[1] = NULL;
    }
    return end(c, status, ops, count);
}

CcsStatus ccs_client_read_item(CcsClient *c, const char *path, int want_secret, char ***attributes, int *locked,
                               SecretValue **secret, GError **error) {
    if (c->expired) return CCS_TIMED_OUT;
    begin(c);
    CcsOp *ops[2] = {NULL, NULL};
    int count = 1;
    if (want_secret) {
        ops[1] = op_new();
        secret_service_get_secret_for_dbus_path(c->service, path, c->cancellable, on_secret, ops[1]);
        count = 2;
    }
    // The proxy the search started making, else a new one.
    gpointer key = NULL, value = NULL;
    if (g_hash_table_steal_extended(c->prefetched, path, &key, &value)) {
        g_free(key);
        ops[0] = value;
    } else {
        ops[0] = op_new();
        secret_item_new_for_dbus_path(c->service, path, SECRET_ITEM_NONE, c->cancellable, on_proxy, ops[0]);
    }
    CcsStatus status = wait_for(c, ops, count, error);
    if (status == CCS_OK) {
        SecretItem *item = (SecretItem *)ops[0]->object;
        GHashTable *table = secret_item_get_attributes(item);
        *attributes = attributes_pairs(table);
        if (table) g_hash_table_unref(table);
        *locked = secret_item_get_locked(item);
        g_hash_table_insert(c->items, g_strdup(path), item);
        ops[0]->object = NULL;
        if (want_secret) {
            *secret = ops[1]->value;
            ops[1]->value = NULL;
        }
    }
    return end(c, status, ops, count);
}

// The item's proxy: the one read_item made, or a new one.
static CcsStatus item_proxy(CcsClient *c, const char *path, SecretItem **item, GError **error) {
    *item = g_hash_table_lookup(c->items, path);
    if (*item) return CCS_OK;
    CcsOp *op = op_new();
    secret_item_new_for_dbus_path(c->service, path, SECRET_ITEM_NONE, c->cancellable, on_proxy, op);
    CcsStatus status = wait_for(c, &op, 1, error);
    if (status == CCS_OK) {
        *item = (SecretItem *)op->object;
        g_hash_table_insert(c->items, g_strdup(path), op->object);
        op->object = NULL;
    }
    op_unref(op);
    return status;
}

CcsStatus ccs_client_set_secret(CcsClient *c, const char *path, const uint8_t *secret, size_t length,
                                const char *content_type, GError **error) {
    if (c->expired) return CCS_TIMED_OUT;
    begin(c);
    SecretItem *item;
    CcsStatus status = item_proxy(c, path, &item, error);
    if (status != CCS_OK) return end(c, status, NULL, 0);
    CcsOp *op = op_new();
    SecretValue *value = secret_value_new((const gchar *)secret, (gssize)length, content_type);
    secret_item_set_secret(item, value, c->cancellable, on_set_secret, op);
    secret_value_unref(value);
    return end(c, wait_for(c, &op, 1, error), &op, 1);
}

CcsStatus ccs_client_set_attributes(CcsClient *c, const char *path, const char *const *attributes, GError **error) {
    if (c->expired) return CCS_TIMED_OUT;
    begin(c);
    SecretItem *item;
    CcsStatus status = item_proxy(c, path, &item, error);
    if (status != CCS_OK) return end(c, status, NULL, 0);
    CcsOp *op = op_new();
    GHashTable *table = attributes_table(attributes);
    secret_item_set_attributes(item, NULL, table, c->cancellable, on_set_attributes, op);
    g_hash_table_unref(table);
    return end(c, wait_for(c, &op, 1, error), &op, 1);
}

CcsStatus ccs_client_create_item(CcsClient *c, const char *collection, const char *label,
                                 const char *const *attributes, const uint8_t *secret, size_t length,
                                 const char *content_type, char **item, GError **error) {
    if (c->expired) return CCS_TIMED_OUT;
    begin(c);
    GVariantBuilder *builder = g_variant_builder_new(G_VARIANT_TYPE("a{ss}"));
    for (size_t i = 0; attributes && attributes[i] && attributes[i + 1]; i += 2)
        g_variant_builder_add(builder, "{ss}", attributes[i], attributes[i + 1]);
    GHashTable *properties = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_variant_unref);
    g_hash_table_insert(properties, "org.freedesktop.Secret.Item.Label", g_variant_ref_sink(g_variant_new_string(label)));
    g_hash_table_insert(properties, "org.freedesktop.Secret.Item.Attributes",
                        g_variant_ref_sink(g_variant_builder_end(builder)));
    g_variant_builder_unref(builder);
    SecretValue *value = secret_value_new((const gchar *)secret, (gssize)length, content_type);
    CcsOp *op = op_new();
    secret_service_create_item_dbus_path(c->service, collection, properties, value, SECRET_ITEM_CREATE_NONE,
                                         c->cancellable, on_create, op);
    secret_value_unref(value);
    g_hash_table_unref(properties);
    CcsStatus status = wait_for(c, &op, 1, error);
    if (status == CCS_OK) {
        *item = op->string;
        op->string = NULL;
    }
    return end(c, status, &op, 1);
}

CcsStatus ccs_client_delete_item(CcsClient *c, const char *path, GError **error) {
    if (c->expired) return CCS_TIMED_OUT;
    begin(c);
    CcsOp *op = op_new();
    secret_service_delete_item_dbus_path(c->service, path, c->cancellable, on_delete, op);
    CcsStatus status = wait_for(c, &op, 1, error);
    if (status == CCS_OK) g_hash_table_remove(c->items, path);
    return end(c, status, &op, 1);
}

CcsStatus ccs_client_read_alias(CcsClient *c, const char *alias, char **collection, GError **error) {
    if (c->expired) return CCS_TIMED_OUT;
    begin(c);
    CcsOp *op = op_new();
    secret_service_read_alias_dbus_path(c->service, alias, c->cancellable, on_alias, op);
    CcsStatus status = wait_for(c, &op, 1, error);
    if (status == CCS_OK) {
        *collection = op->string;
        op->string = NULL;
    }
    return end(c, status, &op, 1);
}

CcsStatus ccs_client_read_collection(CcsClient *c, const char *path, int *locked, char **label, GError **error) {
    if (c->expired) return CCS_TIMED_OUT;
    begin(c);
    CcsOp *op = op_new();
    secret_collection_new_for_dbus_path(c->service, path, SECRET_COLLECTION_NONE, c->cancellable, on_collection, op);
    CcsStatus status = wait_for(c, &op, 1, error);
    if (status == CCS_OK) {
        *locked = secret_collection_get_locked((SecretCollection *)op->object);
        *label = secret_collection_get_label((SecretCollection *)op->object);
    }
    return end(c, status, &op, 1);
}

CcsStatus ccs_client_unlock(CcsClient *c, const char *const *paths, char ***unlocked, GError **error) {
    if (c->expired) return CCS_TIMED_OUT;
    begin(c);
    CcsOp *op = op_new();
    secret_service_unlock_dbus_paths(c->service, (const gchar **)paths, c->cancellable, on_unlock, op);
    CcsStatus status = wait_for(c, &op, 1, error);
    if (status == CCS_OK) {
        *unlocked = op->strv[0];
        op->strv[0] = NULL;
    }
    return end(c, status, &op, 1);
}

// MARK: - Which libsecret

char *ccs_libsecret_path(void) {
    Dl_info info;
    if (!ccs_load(NULL) || dladdr((void *)secret_service_get_type, &info) == 0 || info.dli_fname == NULL)
        return NULL;
    char *resolved = realpath(info.dli_fname, NULL);
    return resolved ? resolved : strdup(info.dli_fname);
}

const char *ccs_libsecret_headers_version(void) {
    static char version[32];
    snprintf(version, sizeof version, "%d.%d.%d", SECRET_MAJOR_VERSION, SECRET_MINOR_VERSION, SECRET_MICRO_VERSION);
    return version;
}

// MARK: - Values, errors and memory

const uint8_t *ccs_value_bytes(SecretValue *value, size_t *length) {
    gsize size = 0;
    const gchar *bytes = secret_value_get(value, &size);
    *length = size;
    return (const uint8_t *)bytes;
}

void ccs_value_unref(SecretValue *value) { if (value) secret_value_unref(value); }
void ccs_strfreev(char **strings) { g_strfreev(strings); }
void ccs_free(void *memory) { g_free(memory); }
void ccs_error_free(GError *error) { if (error) g_error_free(error); }

char *ccs_error_dbus_name_stripping(GError *error) {
    gchar *name = g_dbus_error_get_remote_error(error);
    if (name == NULL) name = g_dbus_error_encode_gerror(error);
    g_dbus_error_strip_remote_error(error);
    return name;
}

const char *ccs_error_message(const GError *error) { return error->message ? error->message : ""; }

CcsErrorKind ccs_error_kind(const GError *error) {
    if (error->domain != G_IO_ERROR) return CCS_ERROR_OTHER;
    switch (error->code) {
    case G_IO_ERROR_CANCELLED:
    case G_IO_ERROR_TIMED_OUT:
        return CCS_ERROR_TIMED_OUT;
    case G_IO_ERROR_PERMISSION_DENIED:
        return CCS_ERROR_PERMISSION_DENIED;
    case G_IO_ERROR_NOT_FOUND:
    case G_IO_ERROR_CONNECTION_REFUSED:
    case G_IO_ERROR_CLOSED:
    case G_IO_ERROR_BROKEN_PIPE:  // also G_IO_ERROR_CONNECTION_CLOSED
    case G_IO_ERROR_HOST_UNREACHABLE:
    case G_IO_ERROR_NETWORK_UNREACHABLE:
        return CCS_ERROR_UNREACHABLE;
    case G_IO_ERROR_DBUS_ERROR:
        return CCS_ERROR_OTHER;  // an error reply GDBus has no domain for: read by its name
    default:
        return CCS_ERROR_IO;
    }
}
