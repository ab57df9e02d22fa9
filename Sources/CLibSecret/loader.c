// Loads libsecret on first use: see ccs_api.h.
#define CCS_LOADER 1
#include "ccs_api.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

struct ccs_api ccs_api;

static pthread_once_t ccs_once = PTHREAD_ONCE_INIT;
static int ccs_loaded;
static char ccs_problem[512];

static void ccs_load_once(void) {
    // RTLD_LOCAL: nothing else in the process resolves against GLib by accident. RTLD_LAZY: the thousands of
    // functions GLib, GIO and libsecret call among themselves are bound when first called, not all at once (as
    // at an ordinary start-up); every function used here is looked up below, so a missing one still fails here.
    void *library = dlopen("libsecret-1.so.0", RTLD_LAZY | RTLD_LOCAL);
    if (library == NULL) {
        const char *why = dlerror();
        snprintf(ccs_problem, sizeof ccs_problem, "%s", why ? why : "libsecret-1.so.0 could not be loaded");
        return;
    }
#define CCS_RESOLVE(name)                                                                                 \
    ccs_api.name = (__typeof__(ccs_api.name))dlsym(library, #name);                                       \
    if (ccs_api.name == NULL) {                                                                           \
        snprintf(ccs_problem, sizeof ccs_problem, "libsecret-1.so.0 (or GLib under it) has no %s", #name); \
        return;                                                                                           \
    }
    CCS_API(CCS_RESOLVE)
#undef CCS_RESOLVE
    ccs_loaded = 1;
}

int ccs_load(const char **problem) {
    pthread_once(&ccs_once, ccs_load_once);
    if (!ccs_loaded && problem != NULL) *problem = ccs_problem;
    return ccs_loaded;
}
