/* See floor-client.h. */
#include "floor-client.h"

int main(int argc, char **argv) { return argc == 4 ? floor_main(argv[1], argv[2], argv[3]) : 64; }
