/* For `make bench`: the smallest libsecret client that reads the helper's keyring item, the same lookup in a C
 * program (floor-lookup.c) and in a statically linked Swift program (floor-lookup.swift, which imports this header;
 * `make bench` links it as the helper is linked, FLOOR_LINK in the Makefile), so that the benchmark can show what
 * any Swift program pays before it does anything of its own: the Swift runtime's start-up and memory, against C's,
 * for the same libsecret call.
 *
 *   floor-lookup SERVICE USERNAME    prints the secret of the item with those attributes, or exits 1 */
#include <libsecret/secret.h>

static inline gchar *floor_lookup(const char *service, const char *username) {
    /* The attributes `secret-tool lookup service S username U` searches with; the schema's name is not matched. */
    static const SecretSchema schema = {
        "org.freedesktop.Secret.Generic", SECRET_SCHEMA_DONT_MATCH_NAME,
        { { "service", SECRET_SCHEMA_ATTRIBUTE_STRING }, { "username", SECRET_SCHEMA_ATTRIBUTE_STRING },
          { NULL, 0 } } };
    return secret_password_lookup_sync(&schema, NULL, NULL, "service", service, "username", username, NULL);
}
