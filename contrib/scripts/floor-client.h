/* For `make bench`: the smallest libsecret client, the same three calls in a C program (floor-client.c) and in a
 * statically linked Swift program (floor-client.swift, which imports this header; `make bench` links it as the
 * helper is linked, FLOOR_LINK in the Makefile), so that the benchmark can show what any Swift program pays before it
 * does anything of its own: the Swift runtime's start-up and memory, against C's, for the same libsecret calls.
 * Each is one call of libsecret's simple API, the one secret-tool and git's libsecret helper make:
 *
 *   floor-client lookup SERVICE USERNAME   prints the secret of the item with those attributes, or exits 1
 *   floor-client store SERVICE USERNAME    stores standard input (up to 4 KiB) as that item's secret, replacing it
 *   floor-client clear SERVICE USERNAME    deletes that item; exits 1 if there was none */
#include <libsecret/secret.h>
#include <stdio.h>
#include <string.h>

/* The attributes `secret-tool lookup service S username U` searches with; the schema's name is not matched. */
static const SecretSchema floor_schema = {
    "org.freedesktop.Secret.Generic", SECRET_SCHEMA_DONT_MATCH_NAME,
    { { "service", SECRET_SCHEMA_ATTRIBUTE_STRING }, { "username", SECRET_SCHEMA_ATTRIBUTE_STRING }, { NULL, 0 } } };

static inline int floor_main(const char *verb, const char *service, const char *username) {
    if (strcmp(verb, "lookup") == 0) {
        gchar *secret = secret_password_lookup_sync(&floor_schema, NULL, NULL, "service", service, "username",
                                                    username, NULL);
        if (secret == NULL) return 1;
        puts(secret);
        return 0;
    }
    if (strcmp(verb, "store") == 0) {
        static char secret[4097];
        size_t length = fread(secret, 1, sizeof secret - 1, stdin);
        secret[length] = 0;
        return secret_password_store_sync(&floor_schema, SECRET_COLLECTION_DEFAULT, "floor-client", secret, NULL,
                                          NULL, "service", service, "username", username, NULL) ? 0 : 1;
    }
    if (strcmp(verb, "clear") == 0)
        return secret_password_clear_sync(&floor_schema, NULL, NULL, "service", service, "username", username,
                                          NULL) ? 0 : 1;
    return 64;
}
