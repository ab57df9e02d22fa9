// System calls Swift cannot make directly (prctl is variadic in C).
#ifndef CSYSTEM_SHIMS_H
#define CSYSTEM_SHIMS_H

/// Marks the process not dumpable: no core file, and /proc/self/{environ,mem,maps} readable by root only, so another
/// process of the same user cannot read a token out of this one. Returns 0 on success.
int csystem_disable_dumping(void);

/// Whether the process is dumpable (1) or not (0); -1 on error.
int csystem_is_dumpable(void);

#endif
