/* peak-rss COMMAND [ARGS...]: runs COMMAND (stdin, stdout and stderr inherited) and writes its peak resident set
 * size in KiB, and its exit status, to file descriptor 3 as "KIB STATUS\n".
 *
 * For `make bench`. A child's ru_maxrss also counts the memory of the process it was forked from, up to its exec
 * (the kernel folds the old address space's high-water mark in at exec), so a child of Python reports at least
 * Python's 10 MiB. Forked from this small C program instead, every tool gets the same floor of a few hundred KiB. */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: peak-rss COMMAND [ARGS...]\n");
        return 64;
    }
    pid_t pid = fork();
    if (pid < 0) return 71;
    if (pid == 0) {
        close(3);
        execv(argv[1], argv + 1);
        _exit(127);
    }
    int status = 0;
    struct rusage usage;
    if (wait4(pid, &status, 0, &usage) < 0) return 71;
    dprintf(3, "%ld %d\n", usage.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return 0;
}
