#!/usr/bin/python3
"""Drives `login --with-access-token` on a real pseudo-terminal, as a person would.

  pty_prompt.py HELPER CODEX_HOME TOKEN [TIME_SCALE]

Run 1: waits for the prompt, types the token, and records whether it was echoed and how login exited.
Run 2: waits for the prompt, checks echo is off, presses Ctrl-C, and checks the terminal's echo is back on.
Run 3: the same login with stderr sent to a file (`login 2>log`): the prompt still shows on the terminal, and an
       empty Enter gives its own message (in the log).
Run 4: `get` on a passphrase-sealed file (sealed first with PASSPHRASE): a wrong passphrase typed at the terminal is
       asked for again, and the right one on the second try opens it.
Prints a JSON report on stdout.
"""
import faulthandler
import fcntl
import json
import os
import select
import signal
import subprocess
import sys
import termios
import time


def spawn(helper, home, stderr=None):
    master, slave = os.openpty()
    attrs = termios.tcgetattr(slave)
    attrs[3] |= termios.ECHO | termios.ICANON | termios.ISIG
    termios.tcsetattr(slave, termios.TCSANOW, attrs)

    def become_terminal_owner():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    child = subprocess.Popen(
        [helper, "login", "--with-access-token", "--codex-home", home],
        stdin=slave, stdout=slave, stderr=stderr if stderr is not None else slave, preexec_fn=become_terminal_owner,
        close_fds=True)
    return child, master, slave


SCALE = int(sys.argv[4]) if len(sys.argv) > 4 else 1


def read_while(master, keep_going, timeout=30.0):
    """Reads the terminal until keep_going(seen, idle) is false, the terminal closes, or timeout passes."""
    seen = b""
    deadline = time.time() + timeout * SCALE
    while time.time() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        if not keep_going(seen, not ready):
            break
    return seen


def read_until(master, needle):
    return read_while(master, lambda seen, idle: needle not in seen)


def drain(master, child):
    return read_while(master, lambda seen, idle: not (idle and child.poll() is not None))


def main():
    # Our parent (a test runner thread) may block signals; a person's shell does not.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    # If anything hangs, say where before the test harness kills us.
    faulthandler.dump_traceback_later(25 * SCALE, exit=True)
    helper, home, token = sys.argv[1], sys.argv[2], sys.argv[3]
    report = {}

    child, master, slave = spawn(helper, home)
    prompt = read_until(master, b"hidden")
    report["prompted"] = b"input is hidden" in prompt
    os.write(master, token.encode() + b"\n")
    rest = drain(master, child)
    report["login_status"] = child.wait(timeout=30 * SCALE)
    report["echoed_token"] = token.encode() in prompt + rest
    report["transcript"] = (prompt + rest).decode(errors="replace").replace(token, "<TOKEN>")
    os.close(master)
    os.close(slave)

    child, master, slave = spawn(helper, home)
    read_until(master, b"hidden")
    time.sleep(0.2)
    report["echo_off_during_prompt"] = not (termios.tcgetattr(slave)[3] & termios.ECHO)
    os.write(master, b"\x03")
    try:
        status = child.wait(timeout=30 * SCALE)
    except subprocess.TimeoutExpired:
        child.kill()
        status = child.wait()
    report["ctrl_c_signal"] = -status if status < 0 else 0
    report["echo_restored_after_ctrl_c"] = bool(termios.tcgetattr(slave)[3] & termios.ECHO)
    os.close(master)
    os.close(slave)

    with open(os.path.join(home, "stderr.log"), "w+b") as log:
        child, master, slave = spawn(helper, home, stderr=log)
        prompt = read_until(master, b"hidden")
        report["prompted_with_stderr_redirected"] = b"input is hidden" in prompt
        os.write(master, b"\n")
        drain(master, child)
        report["empty_enter_status"] = child.wait(timeout=30 * SCALE)
        log.seek(0)
        report["empty_enter_message"] = log.read().decode(errors="replace")
        os.close(master)
        os.close(slave)

    passphrase = "pty passphrase"
    sealed_home = os.path.join(home, "sealed")
    os.makedirs(sealed_home, mode=0o700, exist_ok=True)
    env = dict(os.environ, CODEX_CREDENTIAL_PASSPHRASE=passphrase, CODEX_CREDENTIAL_KEY_CACHE_TIMEOUT="0")
    subprocess.run([helper, "login", "--with-access-token", "--backend", "file", "--key-mode", "passphrase",
                    "--codex-home", sealed_home], input=token.encode(), env=env, capture_output=True, check=True)
    master, slave = os.openpty()

    def become_terminal_owner():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    env.pop("CODEX_CREDENTIAL_PASSPHRASE")
    child = subprocess.Popen(
        [helper, "get", "--format", "token", "--backend", "file", "--codex-home", sealed_home],
        stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, preexec_fn=become_terminal_owner,
        close_fds=True)
    first = read_until(master, b"Passphrase for the encrypted credential file: ")
    os.write(master, b"not it\n")
    again = read_until(master, b"does not open it")
    report["passphrase_asked_again"] = b"That passphrase does not open it" in again and b"Passphrase for" in first
    time.sleep(0.2)
    os.write(master, passphrase.encode() + b"\n")
    out, _ = child.communicate(timeout=30 * SCALE)
    report["passphrase_second_try_status"] = child.returncode
    report["passphrase_second_try_token"] = out.decode().strip() == token
    os.close(master)
    os.close(slave)

    print(json.dumps(report))


if __name__ == "__main__":
    main()
