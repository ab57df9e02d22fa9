// The Secret Service through libsecret: every call the keyring store makes (connecting, the session, searching,
// reading and writing secrets and attributes, creating and deleting items, aliases, lock state, prompts) goes
// through libsecret's asynchronous API on one private D-Bus connection, driven on a private GMainContext until it
// completes or the command's deadline passes (ccs_client.c). No watchdog thread.
//
// libsecret is not linked: ccs_load() opens libsecret-1.so.0 with dlopen the first time the keyring is used (or
// earlier, on a thread of its own, from ccs_preload) and resolves every function used into ccs_api (GLib, GObject
// and GIO come in as libsecret's own dependencies), as Chromium's LibsecretLoader does. A command that never touches
// the keyring never loads, relocates or initialises any of them. Inside ccs_client.c each name is redirected to its
// table entry (ccs_api.h, ccs_redirect.h), so that file reads as ordinary libsecret and GLib code; Swift calls only
// the ccs_ functions declared below, and sees no GLib type.
//
// The D-Bus-path API (secret-paths.h) is marked "subject to change" by libsecret but has been stable since 0.18.
#ifndef CCS_SHIM_H
#define CCS_SHIM_H

#include <stddef.h>
#include <stdint.h>

// GLib's and libsecret's own names for the two types Swift passes around (the same declarations as theirs, so
// that ccs_client.c can include both); Swift never looks inside them.
typedef struct _GError GError;
typedef struct _SecretValue SecretValue;

/// Loads libsecret once (thread-safe). Returns 1 when every function is there; otherwise 0, with *problem set to
/// what went wrong (dlerror's text, or the missing function), owned by the loader.
int ccs_load(const char **problem);

// MARK: - The client (ccs_client.c)

typedef struct CcsClient CcsClient;

typedef enum {
    CCS_OK = 0,
    /// *error is set: a GError from libsecret, GDBus or GIO.
    CCS_FAILED = 1,
    /// The deadline passed while the provider or the bus had not answered.
    CCS_TIMED_OUT = 2,
    /// The deadline passed while a prompt was waiting for a person.
    CCS_PROMPT_TIMED_OUT = 3,
    /// A prompt was dismissed (by a person, or by a provider that cannot show it).
    CCS_DISMISSED = 4,
    /// The bus's peer is another user (*peer_uid says which): nothing was sent to it.
    CCS_FOREIGN_BUS = 5,
    /// The bus's peer cannot be checked (not a Unix socket).
    CCS_UNVERIFIABLE_BUS = 6,
} CcsStatus;

/// Starts loading libsecret (and registering the client's types) on a thread of its own, so that loading and
/// relocating GLib overlaps the rest of the helper's start-up; the first ccs_load() waits for it to finish. Only the
/// first call starts a thread.
void ccs_preload(void);
/// "unix:path=" and `path` escaped as a D-Bus address value (g_dbus_address_escape_value); free with ccs_free.
char *ccs_unix_path_address(const char *path);
/// An object path element unescaped as GDBus escapes names into paths (g_dbus_unescape_object_path: each byte that is
/// not [A-Za-z0-9] written as _XX), e.g. KWallet's "Default_20keyring"; NULL when `element` is not in that form or
/// libsecret cannot be loaded. Not checked to be UTF-8. Free with ccs_free.
char *ccs_unescape_path_element(const char *element);
/// A client whose calls must all finish within timeout_ms from now; a prompt, once shown, gets until
/// prompt_timeout_ms after it appeared (0: the command's deadline stands). Call after ccs_load().
CcsClient *ccs_client_new(int64_t timeout_ms, int64_t prompt_timeout_ms);
void ccs_client_free(CcsClient *client);
/// Whether a prompt was run during the client's last call.
int ccs_client_prompted(const CcsClient *client);
/// Milliseconds left before the deadline (0 when it has passed).
int64_t ccs_client_remaining_ms(const CcsClient *client);

/// Connects to the bus at `address` (a private connection), checks that the bus's peer is this user or root
/// (SO_PEERCRED), and opens libsecret's Secret Service proxy on that connection.
CcsStatus ccs_client_connect(CcsClient *client, const char *address, uint32_t *peer_uid, GError **error);
/// Item paths whose attributes match `attributes` (NULL-terminated key, value, key, value, ...), split by lock
/// state. With open_session, the session for secrets is opened in the same round trip.
CcsStatus ccs_client_search(CcsClient *client, const char *const *attributes, int open_session, char ***unlocked,
                            char ***locked, GError **error);
/// An item's attributes (NULL-terminated key, value, ...; free with ccs_strfreev) and lock state; with
/// want_secret, its secret too (free with ccs_value_unref), read in the same round trip.
CcsStatus ccs_client_read_item(CcsClient *client, const char *path, int want_secret, char ***attributes,
                               int *locked, SecretValue **secret, GError **error);
/// Replaces the secret of an existing item (SetSecret): its label and attributes stay.
CcsStatus ccs_client_set_secret(CcsClient *client, const char *path, const uint8_t *secret, size_t length,
                                const char *content_type, GError **error);
/// Replaces an item's attributes.
CcsStatus ccs_client_set_attributes(CcsClient *client, const char *path, const char *const *attributes,
                                    GError **error);
/// Creates an item in `collection` (never replacing one); runs the provider's prompt if it asks for one.
CcsStatus ccs_client_create_item(CcsClient *client, const char *collection, const char *label,
                                 const char *const *attributes, const uint8_t *secret, size_t length,
                                 const char *content_type, char **item, GError **error);
/// Deletes an item; runs the provider's prompt if it asks for one.
CcsStatus ccs_client_delete_item(CcsClient *client, const char *path, GError **error);
/// The collection behind an alias ("/" when there is none).
CcsStatus ccs_client_read_alias(CcsClient *client, const char *alias, char **collection, GError **error);
/// A collection's lock state and label.
CcsStatus ccs_client_read_collection(CcsClient *client, const char *path, int *locked, char **label,
                                     GError **error);
/// Unlocks items or collections (running the provider's prompt); *unlocked lists what is now unlocked.
CcsStatus ccs_client_unlock(CcsClient *client, const char *const *paths, char ***unlocked, GError **error);
/// The collections the provider has (the service's Collections property; free with ccs_strfreev).
CcsStatus ccs_client_collections(CcsClient *client, char ***paths, GError **error);
/// The session algorithm in use ("plain" or "dh-ietf1024-sha256-aes128-cbc-pkcs7"), or NULL before a session.
const char *ccs_client_session_algorithm(const CcsClient *client);

// MARK: - Which libsecret

/// The file libsecret was loaded from (resolved; free with free()), or NULL when it cannot be loaded.
char *ccs_libsecret_path(void);
/// The version of libsecret's headers the helper was built with ("0.20.5").
const char *ccs_libsecret_headers_version(void);

// MARK: - Values, errors and memory

/// The last message GLib logged (a warning from GDBus, say) since the last call, or NULL; free with free().
char *ccs_take_log_message(void);

const uint8_t *ccs_value_bytes(SecretValue *value, size_t *length);
void ccs_value_unref(SecretValue *value);
void ccs_strfreev(char **strings);
void ccs_free(void *memory);
void ccs_error_free(GError *error);
/// The D-Bus error name of a GError (free with ccs_free): the remote one it carries, or the one its domain
/// registered (GDBus's own, libsecret's org.freedesktop.Secret.Error.*); the message is stripped of GDBus's
/// "GDBus.Error:name: " prefix. NULL for an error with no D-Bus name.
char *ccs_error_dbus_name_stripping(GError *error);
const char *ccs_error_message(const GError *error);

/// What kind of failure a GError is, as far as GIO's own codes tell (anything else is read by its D-Bus name).
typedef enum {
    /// Not one of GIO's codes below: a D-Bus error reply, libsecret's or GDBus's own error.
    CCS_ERROR_OTHER = 0,
    /// Cancelled or timed out.
    CCS_ERROR_TIMED_OUT = 1,
    CCS_ERROR_PERMISSION_DENIED = 2,
    /// The bus could not be reached or went away (no such socket, refused, closed, broken pipe).
    CCS_ERROR_UNREACHABLE = 3,
    /// Some other failure of GIO's (authentication refused, a malformed message, ...).
    CCS_ERROR_IO = 4,
} CcsErrorKind;
CcsErrorKind ccs_error_kind(const GError *error);

#endif
