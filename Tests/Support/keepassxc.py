#!/usr/bin/python3
"""KeePassXC as a Secret Service provider for the tests: its database, its settings, and what a person would do.

  keepassxc.py make-db PATH PASSWORD           a new database whose root group is exposed over the Secret Service
                                               (database custom data FDO_SECRETS_EXPOSED_GROUP = the root group's
                                               UUID in braced form), made with keepassxc-cli (create, export, import)
  keepassxc.py settings CONFIG_DIR KEY=VALUE…  write CONFIG_DIR/keepassxc/keepassxc.ini: headless defaults plus the
                                               [FdoSecrets] keys given (ConfirmAccessItem, ConfirmDeleteItem,
                                               UnlockBeforeSearch: true or false)
  keepassxc.py wait-ready                      wait until org.freedesktop.secrets is owned and the default
                                               collection exists and is unlocked
  keepassxc.py lock                            lock every database (org.keepassxc.KeePassXC.MainWindow) and
                                               wait until the default collection is locked
  keepassxc.py press-return-in WINDOW_NAME SECONDS
                                               wait for a window whose name contains WINDOW_NAME, then press Return in
                                               it, as a person clicking its default button (xdotool; needs DISPLAY)

Uses Debian's /usr/bin/python3 (python3-dbus). Talks to DBUS_SESSION_BUS_ADDRESS.
"""
import base64
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid

import dbus

SS = "org.freedesktop.secrets"
SS_PATH = "/org/freedesktop/secrets"
PROPS = "org.freedesktop.DBus.Properties"


def cli(arguments, stdin_text):
    result = subprocess.run(["keepassxc-cli"] + arguments, input=stdin_text, capture_output=True, text=True,
                            timeout=60)
    if result.returncode != 0:
        sys.exit("keepassxc-cli %s failed: %s %s" % (arguments[0], result.stdout, result.stderr))
    return result.stdout


def make_db(path, password):
    with tempfile.TemporaryDirectory() as scratch:
        plain = os.path.join(scratch, "plain.kdbx")
        cli(["db-create", "--set-password", "-t", "100", plain], "%s\n%s\n" % (password, password))
        xml = cli(["export", "-q", "-f", "xml", plain], password + "\n")
        xml = xml[xml.index("<?xml"):]
        match = re.search(r"<Root>\s*<Group>\s*<UUID>([^<]+)</UUID>", xml)
        root = "{%s}" % uuid.UUID(bytes=base64.b64decode(match.group(1)))
        item = "<Item><Key>FDO_SECRETS_EXPOSED_GROUP</Key><Value>%s</Value></Item>" % root
        meta, rest = xml.split("</Meta>", 1)
        if "<CustomData/>" in meta:
            meta = meta.replace("<CustomData/>", "<CustomData>%s</CustomData>" % item, 1)
        elif "<CustomData>" in meta:
            meta = meta.replace("<CustomData>", "<CustomData>" + item, 1)
        else:
            meta += "<CustomData>%s</CustomData>" % item
        exposed = os.path.join(scratch, "exposed.xml")
        with open(exposed, "w") as f:
            f.write(meta + "</Meta>" + rest)
        cli(["import", "-p", "-t", "100", exposed, path], "%s\n%s\n" % (password, password))
    return 0


def settings(config_dir, pairs):
    fdo = {"ConfirmAccessItem": "false", "ConfirmDeleteItem": "false", "UnlockBeforeSearch": "true"}
    for pair in pairs:
        key, value = pair.split("=", 1)
        fdo[key] = value
    directory = os.path.join(config_dir, "keepassxc")
    os.makedirs(directory, exist_ok=True)
    lines = [
        "[General]", "ConfigVersion=2", "SingleInstance=false", "UpdateCheckMessageShown=true",
        "RememberLastDatabases=false", "OpenPreviousDatabasesOnStartup=false", "",
        "[GUI]", "CheckForUpdates=false", "ShowTrayIcon=false", "MinimizeOnStartup=false", "",
        # ConfirmDeleteItem asks only when deleted entries do not go to the recycle bin silently.
        "[Security]", "NoConfirmMoveEntryToRecycleBin=false", "LockDatabaseIdle=false", "",
        "[FdoSecrets]", "Enabled=true", "ShowNotification=false",
    ] + ["%s=%s" % (key, value) for key, value in fdo.items()]
    with open(os.path.join(directory, "keepassxc.ini"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return 0


def wait_for_default_collection(bus, locked, seconds, failure):
    """Waits until org.freedesktop.secrets is owned and its default collection exists and is (un)locked."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            service = dbus.Interface(bus.get_object(SS, SS_PATH), "org.freedesktop.Secret.Service")
            collection = str(service.ReadAlias("default"))
            if collection != "/":
                props = dbus.Interface(bus.get_object(SS, collection), PROPS)
                if bool(props.Get("org.freedesktop.Secret.Collection", "Locked")) == locked:
                    return 0
        except dbus.DBusException:
            pass
        time.sleep(0.1)
    print(failure, file=sys.stderr)
    return 1


def wait_ready(bus):
    return wait_for_default_collection(bus, False, 30, "KeePassXC's Secret Service did not come up")


def lock(bus):
    """Locks every database and waits until the default collection says it is locked."""
    window = dbus.Interface(bus.get_object("org.keepassxc.KeePassXC.MainWindow", "/keepassxc"),
                            "org.keepassxc.KeePassXC.MainWindow")
    window.lockAllDatabases()
    return wait_for_default_collection(bus, True, 20, "KeePassXC did not lock its database")


def press_return_in(name, seconds):
    deadline = time.time() + float(seconds)
    while time.time() < deadline:
        found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", name], capture_output=True, text=True)
        windows = found.stdout.split()
        if windows:
            time.sleep(0.3)  # let the dialog take focus and lay out its buttons
            subprocess.run(["xdotool", "windowactivate", "--sync", windows[-1]], capture_output=True)
            subprocess.run(["xdotool", "key", "--window", windows[-1], "Return"], check=True)
            return 0
        time.sleep(0.1)
    print("no window named %r appeared" % name, file=sys.stderr)
    return 1


def main():
    command = sys.argv[1]
    if command == "make-db":
        return make_db(sys.argv[2], sys.argv[3])
    if command == "settings":
        return settings(sys.argv[2], sys.argv[3:])
    if command == "press-return-in":
        return press_return_in(sys.argv[2], sys.argv[3])
    bus = dbus.SessionBus()
    if command == "wait-ready":
        return wait_ready(bus)
    if command == "lock":
        return lock(bus)
    sys.exit("unknown command " + command)


if __name__ == "__main__":
    sys.exit(main())
