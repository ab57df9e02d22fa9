/* See floor-lookup.h. */
#include <stdio.h>
#include "floor-lookup.h"

int main(int argc, char **argv) {
    if (argc != 3) return 64;
    gchar *secret = floor_lookup(argv[1], argv[2]);
    if (secret == NULL) return 1;
    puts(secret);
    return 0;
}
