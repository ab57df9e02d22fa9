#!/usr/bin/python3
"""Side-by-side benchmark of codex-credential-helper against secret-tool, git-credential-libsecret and
docker-credential-secretservice, in one private D-Bus session with gnome-keyring (run it through `make bench`).

  bench.py HELPER GIT_CREDENTIAL_LIBSECRET PEAK_RSS [--runs N] [--floor C_PROGRAM SWIFT_PROGRAM]
           [--variant NAME=PATH[,ARG...] ...]

Every tool runs the same number of times, interleaved (one run of each in turn, so that drift in the machine's load
touches all alike). Reported: median and min-max wall time, median peak RSS of 5 further runs through the peak-rss
launcher (ru_maxrss of a child of a small C program), and each median's ratio to `secret-tool lookup` in the same
run. The helper's keyring and file gets are timed a second time from a copy of the binary: how far apart the two
copies come out is the run's noise floor, printed at the end. Nothing here is a pass/fail test; the targets are
printed beside the figures for the reader.

--floor: the smallest libsecret client, in a C program and in a statically linked Swift program
(contrib/scripts/floor-client.*, the Swift one linked as the helper is: FLOOR_LINK in the Makefile), each making one
call of libsecret's simple API for a lookup (secret-tool lookup's), a store and a clear (git's helper's), timed in the
same rounds: what a Swift program pays for being one, before any code of its own runs, which bounds how close to the C
tools any Swift client can come; the helper's distance from it is what its own binary and its own work cost.
"""
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

DOCKER = shutil.which("docker-credential-secretservice")
SECRET_TOOL = shutil.which("secret-tool")


PEAK_RSS = None  # contrib/scripts/peak-rss, built by `make bench`
CONTROL = "same build, second copy"


def peak_rss(argv, stdin=b"", env=None):
    """Peak RSS in KiB of one run of argv, measured through the peak-rss launcher: a child forked from Python
    would report at least Python's own RSS (the kernel counts the pre-exec address space too)."""
    r, w = os.pipe()
    _, _, status, out = run_once([PEAK_RSS] + argv, stdin, env, report_fd=w)
    os.close(w)
    report = os.read(r, 100).split()
    os.close(r)
    return int(report[0]) if status == 0 and report else 0


def run_once(argv, stdin=b"", env=None, report_fd=None):
    """Runs argv once; returns (seconds, peak RSS in KiB as the kernel reports it to a child of Python, exit status,
    stdout). `report_fd` becomes the child's descriptor 3."""
    r, w = os.pipe()
    out_r, out_w = os.pipe()
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.dup2(r, 0)
        os.dup2(out_w, 1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        if report_fd is not None:
            os.dup2(report_fd, 3)
        for fd in (r, w, out_r, out_w, devnull) + ((report_fd,) if report_fd not in (None, 3) else ()):
            os.close(fd)
        try:
            os.execve(argv[0], argv, env or os.environ)
        finally:
            os._exit(127)
    os.close(r)
    os.close(out_w)
    if stdin:
        os.write(w, stdin)
    os.close(w)
    chunks = []
    while True:
        chunk = os.read(out_r, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(out_r)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    return elapsed, usage.ru_maxrss, os.waitstatus_to_exitcode(status), b"".join(chunks)


class Case:
    def __init__(self, group, name, argv, stdin=b"", env=None, check=None):
        self.group, self.name, self.argv, self.stdin, self.env, self.check = group, name, argv, stdin, env, check
        self.times, self.rss, self.failures = [], [], 0

    def run(self):
        elapsed, _, status, out = run_once(self.argv, self.stdin, self.env)
        ok = status == 0 and (self.check is None or self.check(out))
        if not ok:
            self.failures += 1
        self.times.append(elapsed)

    def measure_rss(self):
        self.rss.append(peak_rss(self.argv, self.stdin, self.env))


def ms(seconds):
    return f"{seconds * 1000:.1f}"


def main():
    global PEAK_RSS
    helper, git_helper, PEAK_RSS = sys.argv[1], sys.argv[2], sys.argv[3]
    # --variant NAME=PATH[,ARG...] (repeatable): another build of the helper (or the same one with arguments added
    # after the command's own, such as "--", which sends a get past the fast path to the argument parser), timed on
    # the same keyring and file gets in the same interleaved runs: what one start-up device buys.
    variants = [a.split("=", 1) for i, a in enumerate(sys.argv) if i > 0 and sys.argv[i - 1] == "--variant"]
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 30
    floor = sys.argv[sys.argv.index("--floor") + 1:sys.argv.index("--floor") + 3] if "--floor" in sys.argv else []
    scratch = tempfile.mkdtemp(prefix="cch-bench-")
    home = os.path.join(scratch, "codex-home")
    file_home = os.path.join(scratch, "codex-home-file")
    pass_home = os.path.join(scratch, "codex-home-pass")
    for d in (home, file_home, pass_home):
        os.makedirs(d, mode=0o700)
    # The noise floor: the same build once more, from a second copy of the file, timed as a variant. Two runs of one
    # build differ by a few per cent even when interleaved (page cache placement, the machine's other load); a
    # difference between builds smaller than the one between these two copies is not a difference.
    control = os.path.join(scratch, "codex-credential-helper")
    shutil.copy2(helper, control)
    variants.insert(0, [CONTROL, control])
    env = dict(os.environ)
    env.pop("CODEX_ACCESS_TOKEN", None)
    token = b"at-bench" + os.urandom(16).hex().encode()

    def helper_env(codex_home, **extra):
        e = dict(env, CODEX_HOME=codex_home)
        e.update(extra)
        return e

    # Seed every store with one credential.
    seed = [
        ([helper, "login", "--with-access-token", "--backend", "secret-service"], token, helper_env(home)),
        ([helper, "login", "--with-access-token", "--backend", "file"], token, helper_env(file_home)),
        ([helper, "login", "--with-access-token", "--backend", "file"], token,
         helper_env(pass_home, CODEX_CREDENTIAL_PASSPHRASE="bench passphrase")),
        ([SECRET_TOOL, "store", "--label=bench", "service", "bench", "account", "a"], token, env),
        ([git_helper, "store"], b"protocol=https\nhost=bench.example\nusername=bench\npassword=" + token + b"\n\n", env),
    ]
    if DOCKER:
        seed.append(([DOCKER, "store"], b'{"ServerURL":"https://bench.example","Username":"bench","Secret":"' + token + b'"}', env))
    for argv, stdin, e in seed:
        _, _, status, _ = run_once(argv, stdin, e)
        if status != 0:
            print(f"seeding failed: {argv[0]} {argv[1]} (status {status})", file=sys.stderr)
            return 1

    has_token = lambda out: token in out
    account = subprocess.run([helper, "get", "--format", "kv"], env=helper_env(home), capture_output=True).stdout
    account = [l.split(b"=", 1)[1] for l in account.splitlines() if l.startswith(b"account=")][0]
    git_request = b"protocol=https\nhost=bench.example\nusername=bench\n\n"
    cases = [
        Case("get", "secret-tool lookup", [SECRET_TOOL, "lookup", "service", "Codex Auth", "username", account.decode()],
             env=env, check=has_token),
        Case("get", "codex-credential-helper get (keyring)", [helper, "get", "--format", "token", "--backend", "secret-service"],
             env=helper_env(home), check=has_token),
        Case("get", "git-credential-libsecret get", [git_helper, "get"], git_request, env, has_token),
        Case("get", "codex-credential-helper get (file, key file)", [helper, "get", "--format", "token", "--backend", "file"],
             env=helper_env(file_home), check=has_token),
        Case("get", "codex-credential-helper get (file, passphrase, first)", [helper, "get", "--format", "token", "--backend", "file"],
             env=helper_env(pass_home, CODEX_CREDENTIAL_PASSPHRASE="bench passphrase", CODEX_CREDENTIAL_KEY_CACHE_TIMEOUT="0"),
             check=has_token),
        Case("get", "codex-credential-helper get (file, passphrase, repeated)", [helper, "get", "--format", "token", "--backend", "file"],
             env=helper_env(pass_home, CODEX_CREDENTIAL_PASSPHRASE="bench passphrase"), check=has_token),
        Case("store", "codex-credential-helper store (keyring)", [helper, "store", "--backend", "secret-service"],
             b"token=" + token + b"\n", helper_env(home)),
        Case("store", "git-credential-libsecret store", [git_helper, "store"],
             b"protocol=https\nhost=bench.example\nusername=bench\npassword=" + token + b"\n\n", env),
        Case("store", "secret-tool store", [SECRET_TOOL, "store", "--label=bench", "service", "bench", "account", "a"], token, env),
    ]
    for name, spec in variants:
        path, *extra = spec.split(",")
        cases.append(Case("variant", f"get (keyring) [{name}]",
                          [path, "get", "--format", "token", "--backend", "secret-service"] + extra,
                          env=helper_env(home), check=has_token))
        cases.append(Case("variant", f"get (file, key file) [{name}]",
                          [path, "get", "--format", "token", "--backend", "file"] + extra,
                          env=helper_env(file_home), check=has_token))
    if floor:
        for language, path in zip(("C", "Swift"), floor):
            cases.append(Case("floor", f"smallest {language} libsecret lookup",
                              [path, "lookup", "Codex Auth", account.decode()], env=env, check=has_token))
            # An item of its own (not the helper's, of which Codex must find exactly one), erased below.
            cases.append(Case("floor", f"smallest {language} libsecret store",
                              [path, "store", f"bench-floor-{language}", "a"], token, env))
    if DOCKER:
        cases.insert(3, Case("get", "docker-credential-secretservice get", [DOCKER, "get"], b"https://bench.example", env, has_token))
        cases.append(Case("store", "docker-credential-secretservice store", [DOCKER, "store"],
                          b'{"ServerURL":"https://bench.example","Username":"bench","Secret":"' + token + b'"}', env))

    for _ in range(2):  # warm-up: page cache, gnome-keyring's first-use work
        for case in cases:
            run_once(case.argv, case.stdin, case.env)
    order = random.Random(1)  # each round in its own order (the same in every bench), so no tool always follows another
    for _ in range(runs):
        for case in order.sample(cases, len(cases)):
            case.run()
    for _ in range(5):  # peak RSS, through the launcher (not in the timed runs)
        for case in cases:
            case.measure_rss()
        # erase + store again, so that the erase cases erase something real
    erase_cases = [
        ("codex-credential-helper erase (keyring)", [helper, "erase", "--backend", "secret-service"], b"codex_home=" + home.encode() + b"\n",
         helper_env(home), [helper, "store", "--backend", "secret-service"], b"token=" + token + b"\n"),
        ("git-credential-libsecret erase", [git_helper, "erase"], git_request, env, [git_helper, "store"],
         b"protocol=https\nhost=bench.example\nusername=bench\npassword=" + token + b"\n\n"),
        ("secret-tool clear", [SECRET_TOOL, "clear", "service", "bench", "account", "a"], b"", env,
         [SECRET_TOOL, "store", "--label=bench", "service", "bench", "account", "a"], token),
    ]
    for language, path in zip(("C", "Swift"), floor):
        erase_cases.append((f"smallest {language} libsecret clear", [path, "clear", f"bench-floor-{language}", "a"], b"",
                            env, [path, "store", f"bench-floor-{language}", "a"], token))
    erase_results = {name: Case("erase", name, argv, stdin, e) for name, argv, stdin, e, _, _ in erase_cases}
    for round in range(runs + 5):
        for name, argv, stdin, e, restore, restore_in in erase_cases:
            if round < runs:
                erase_results[name].run()
            else:
                erase_results[name].measure_rss()
            run_once(restore, restore_in, e)

    # 50 concurrent gets: the helper against git-credential-libsecret, wall time of the whole burst, 5 bursts each.
    def burst(argv, stdin, e):
        threads = [threading.Thread(target=run_once, args=(argv, stdin, e)) for _ in range(50)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - start

    bursts = {"codex-credential-helper": [], "git-credential-libsecret": []}
    for _ in range(5):
        bursts["codex-credential-helper"].append(burst(cases[1].argv, b"", cases[1].env))
        bursts["git-credential-libsecret"].append(burst([git_helper, "get"], git_request, env))

    base = statistics.median(cases[0].times)
    base_rss = statistics.median(cases[0].rss)
    print(f"\n{runs} interleaved runs each; medians; ratios to secret-tool lookup in this run "
          f"({ms(base)} ms, {base_rss / 1024:.1f} MiB)\n")
    print(f"{'tool':52} {'median ms':>9} {'min-max ms':>15} {'peak RSS MiB':>12} {'x time':>7} {'x RSS':>6} fails")
    for case in cases + list(erase_results.values()):
        median = statistics.median(case.times)
        rss = statistics.median(case.rss) / 1024
        print(f"{case.group + ': ' + case.name:52} {ms(median):>9} {ms(min(case.times)) + '-' + ms(max(case.times)):>15} "
              f"{rss:>12.1f} {median / base:>7.2f} {rss * 1024 / base_rss:>6.2f} {case.failures}")
    print("\n50 concurrent gets (wall time of the burst, median of 5):")
    for name, values in bursts.items():
        print(f"  {name:30} {ms(statistics.median(values))} ms")

    def median(name):
        """The median wall time of the case (timed or erase) with that name."""
        return statistics.median(next(c for c in cases + list(erase_results.values()) if c.name == name).times)

    def ratio(name):
        return median(name) / base

    git_store = median("git-credential-libsecret store")
    git_erase = median("git-credential-libsecret erase")
    helper_get = next(c for c in cases if c.name == "codex-credential-helper get (keyring)")
    helper_store = median("codex-credential-helper store (keyring)")
    helper_erase = median("codex-credential-helper erase (keyring)")
    git_get = median("git-credential-libsecret get")
    print("\nTargets:")
    targets = [
        ("keyring get <= 1.0x git-credential-libsecret get", statistics.median(helper_get.times) / git_get, 1.0),
        ("keyring get <= 1.05x secret-tool lookup", ratio("codex-credential-helper get (keyring)"), 1.05),
        ("keyring get peak RSS <= 1.3x secret-tool's", statistics.median(helper_get.rss) / base_rss, 1.3),
        ("store <= 1.0x git-credential-libsecret store", helper_store / git_store, 1.0),
        ("erase <= 1.0x git-credential-libsecret erase", helper_erase / git_erase, 1.0),
        ("file get (key file) <= 0.4x secret-tool lookup", ratio("codex-credential-helper get (file, key file)"), 0.4),
        ("50 concurrent gets <= git-credential-libsecret's",
         statistics.median(bursts["codex-credential-helper"]) / statistics.median(bursts["git-credential-libsecret"]), 1.0),
    ]
    for label, value, limit in targets:
        print(f"  {'met ' if value <= limit else 'MISSED'} {label:60} {value:.2f}")
    if floor:
        c_floor, swift_floor = (next(c for c in cases if c.name == f"smallest {language} libsecret lookup")
                                for language in ("C", "Swift"))
        swift_time, swift_rss = statistics.median(swift_floor.times), statistics.median(swift_floor.rss)
        print(f"\nFloor: the smallest static Swift program making secret-tool's lookup ran "
              f"{swift_time / statistics.median(c_floor.times):.2f} x the same program in C and "
              f"{swift_time / base:.2f} x secret-tool lookup, and peaked at "
              f"{swift_rss / statistics.median(c_floor.rss):.2f} x the C program's RSS and {swift_rss / base_rss:.2f} x "
              f"secret-tool's; the helper's keyring get ran {statistics.median(helper_get.times) / swift_time:.2f} x "
              f"that Swift program's time at {statistics.median(helper_get.rss) / swift_rss:.2f} x its RSS.")
        for verb, command, git_time, helper_time in (("store", "store", git_store, helper_store),
                                                     ("clear", "erase", git_erase, helper_erase)):
            c_time, swift_time = median(f"smallest C libsecret {verb}"), median(f"smallest Swift libsecret {verb}")
            print(f"       its {verb} (git's helper's call) ran {swift_time / c_time:.2f} x the C program's and "
                  f"{swift_time / git_time:.2f} x git-credential-libsecret {command}; "
                  f"the helper's {command} ran {helper_time / swift_time:.2f} x it.")
    same = next(c for c in cases if c.name == f"get (keyring) [{CONTROL}]")
    print(f"\nNoise: the same build from a second copy ran the keyring get in "
          f"{statistics.median(same.times) / statistics.median(helper_get.times):.3f} x the first copy's time.")
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
