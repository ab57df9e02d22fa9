#!/usr/bin/python3
"""Test double and inspector for the Secret Service, over D-Bus, independent of the helper.

  secret_service.py wait-ready                 wait until a default collection exists (gnome-keyring is up)
  secret_service.py items [SERVICE]            JSON: every item (all collections) whose service attribute matches
  secret_service.py default-collection         print the default collection's object path
  secret_service.py create ATTRS_JSON SECRET [LABEL]   create an item in the default collection with exactly ATTRS
  secret_service.py lock-default               lock the default collection (no prompt needed)
  secret_service.py connections                how many connections the bus has (unique names), this one included
  secret_service.py unlock-default PASSWORD    unlock it again with gnome-keyring's master-password interface
  secret_service.py hang                       own org.freedesktop.secrets and never answer anything
  secret_service.py fail                       own org.freedesktop.secrets and answer every call with an error
  secret_service.py plain-only                 an in-memory Secret Service that offers only the "plain" session
                                               algorithm (as some providers do): OpenSession with any other is
                                               refused with org.freedesktop.DBus.Error.NotSupported
  secret_service.py confirm-delete             the same, but deleting an item needs a prompt answered first (as
                                               KeePassXC can be set to): Delete returns a prompt whose Prompt call
                                               deletes the item and emits Completed; Dismiss emits it dismissed
  secret_service.py confirm-delete-fails        the same, but the prompt fails: Prompt answers
                                               org.freedesktop.Secret.Error.IsLocked
  secret_service.py refuse-attributes          plain-only, but refuses every write of an item's Attributes with
                                               org.freedesktop.DBus.Error.InvalidArgs (as KeePassXC does when the
                                               attributes include its read-only Uuid or Path)
  secret_service.py confirm-delete-waits FILE  the same, but the prompt waits for a person who never comes; a
                                               Dismiss completes it dismissed and appends "dismissed" to FILE

Uses Debian's /usr/bin/python3 (python3-dbus). Talks to DBUS_SESSION_BUS_ADDRESS.
"""
import json
import sys
import time

import dbus

SS = "org.freedesktop.secrets"
SS_PATH = "/org/freedesktop/secrets"
SERVICE_IFACE = "org.freedesktop.Secret.Service"
ITEM_IFACE = "org.freedesktop.Secret.Item"
COLLECTION_IFACE = "org.freedesktop.Secret.Collection"
PROMPT_IFACE = "org.freedesktop.Secret.Prompt"
PROPS = "org.freedesktop.DBus.Properties"


def service(bus):
    return dbus.Interface(bus.get_object(SS, SS_PATH), SERVICE_IFACE)


def default_collection(bus):
    return str(service(bus).ReadAlias("default"))


def wait_ready(bus):
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            if default_collection(bus) != "/":
                return 0
        except dbus.DBusException:
            pass
        time.sleep(0.05)
    print("Secret Service not ready", file=sys.stderr)
    return 1


def items(bus, service_name):
    svc = service(bus)
    _, session = svc.OpenSession("plain", dbus.String("", variant_level=1))
    unlocked, locked = svc.SearchItems({"service": service_name} if service_name else {})
    result = []
    secrets = svc.GetSecrets(unlocked, session) if unlocked else {}
    for path in list(unlocked) + list(locked):
        props = dbus.Interface(bus.get_object(SS, path), PROPS)
        entry = {
            "path": str(path),
            "collection": str(path).rsplit("/", 1)[0],
            "label": str(props.Get(ITEM_IFACE, "Label")),
            "attributes": {str(k): str(v) for k, v in props.Get(ITEM_IFACE, "Attributes").items()},
            "locked": bool(props.Get(ITEM_IFACE, "Locked")),
        }
        if path in secrets:
            _, _, value, content_type = secrets[path]
            entry["secret"] = bytes(value).decode("utf-8")
            entry["content_type"] = str(content_type)
        result.append(entry)
    result.sort(key=lambda e: e["path"])
    print(json.dumps({"default_collection": default_collection(bus), "items": result}))
    return 0


def create(bus, attrs_json, secret, label):
    svc = service(bus)
    _, session = svc.OpenSession("plain", dbus.String("", variant_level=1))
    collection = dbus.Interface(bus.get_object(SS, default_collection(bus)), COLLECTION_IFACE)
    attributes = dbus.Dictionary(json.loads(attrs_json), signature="ss")
    properties = {
        "org.freedesktop.Secret.Item.Label": dbus.String(label),
        "org.freedesktop.Secret.Item.Attributes": attributes,
    }
    value = dbus.Struct(
        (session, dbus.ByteArray(b""), dbus.ByteArray(secret.encode()), dbus.String("text/plain")), signature="oayays")
    item, prompt = collection.CreateItem(properties, value, False)
    if str(prompt) != "/":
        # KeePassXC answers every CreateItem with a prompt, which completes without a person when none is configured.
        dbus.Interface(bus.get_object(SS, prompt), PROMPT_IFACE).Prompt("")
        deadline = time.time() + 10
        while str(item) == "/" and time.time() < deadline:
            unlocked, locked = svc.SearchItems(attributes)
            item = (list(unlocked) + list(locked) + ["/"])[0]
            time.sleep(0.05)
    print(str(item))
    return 0 if str(item) != "/" else 1


def lock_default(bus):
    locked, prompt = service(bus).Lock([dbus.ObjectPath(default_collection(bus))])
    return 0 if len(locked) == 1 else 1


def unlock_default(bus, password):
    svc = service(bus)
    _, session = svc.OpenSession("plain", dbus.String("", variant_level=1))
    internal = dbus.Interface(
        bus.get_object(SS, SS_PATH), "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface")
    value = dbus.Struct(
        (session, dbus.ByteArray(b""), dbus.ByteArray(password.encode()), dbus.String("text/plain")), signature="oayays")
    internal.UnlockWithMasterPassword(dbus.ObjectPath(default_collection(bus)), value)
    return 0


def hang(answer_with_error=False):
    # Own the name, then swallow every message addressed to us: callers get no reply at all (or an error reply).
    from dbus.mainloop.glib import DBusGMainLoop
    from gi.repository import GLib

    DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    bus.request_name(SS, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)

    def swallow(connection, message):
        if message.get_destination() == SS or message.get_destination() == bus.get_unique_name():
            if answer_with_error and isinstance(message, dbus.lowlevel.MethodCallMessage):
                # A hostile provider's text: an escape sequence that clears the screen, and a forged line.
                reply = dbus.lowlevel.ErrorMessage(
                    message, "org.freedesktop.DBus.Error.Failed",
                    "test double: always fails\x1b[2J\ncodex-credential-helper: Stored OK")
                connection.send_message(reply)
            return dbus.lowlevel.HANDLER_RESULT_HANDLED
        return dbus.lowlevel.HANDLER_RESULT_NOT_YET_HANDLED

    bus.add_message_filter(swallow)
    print("ready", flush=True)
    GLib.MainLoop().run()


def plain_only(confirm_delete=False, prompt_fails=False, prompt_waits_log=None, refuse_attributes=False,
               collection_name="plain", collection_label="plain"):
    # A small but real Secret Service: one unlocked collection, items with attributes, label and secret, the plain
    # session algorithm only. Enough for the helper's login/get/store/erase and for the `items` inspector.
    import dbus.service
    from dbus.mainloop.glib import DBusGMainLoop
    from gi.repository import GLib

    DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    name = dbus.service.BusName(SS, bus, do_not_queue=True)
    collection_path = SS_PATH + "/collection/" + collection_name
    sessions = set()
    items_by_path = {}

    class Properties(dbus.service.Object):
        def properties(self, interface):
            return {}

        @dbus.service.method(PROPS, in_signature="ss", out_signature="v")
        def Get(self, interface, prop):
            return self.properties(interface)[prop]

        @dbus.service.method(PROPS, in_signature="s", out_signature="a{sv}")
        def GetAll(self, interface):
            return self.properties(interface)

        @dbus.service.method(PROPS, in_signature="ssv")
        def Set(self, interface, prop, value):
            self.set_property(prop, value)

    class Item(Properties):
        def __init__(self, path, label, attributes, secret, content_type):
            super().__init__(name, path)
            self.path, self.label, self.attributes = path, label, dict(attributes)
            self.secret, self.content_type = bytes(secret), str(content_type)

        def properties(self, interface):
            return {"Label": dbus.String(self.label), "Locked": dbus.Boolean(False),
                    "Attributes": dbus.Dictionary(self.attributes, signature="ss")}

        def set_property(self, prop, value):
            if prop == "Attributes" and refuse_attributes:
                raise dbus.exceptions.DBusException(
                    "attributes are read-only here", name="org.freedesktop.DBus.Error.InvalidArgs")
            if prop == "Attributes":
                self.attributes = {str(k): str(v) for k, v in value.items()}
            elif prop == "Label":
                self.label = str(value)

        def struct(self, session):
            return dbus.Struct((session, dbus.ByteArray(b""), dbus.ByteArray(self.secret), self.content_type),
                               signature="oayays")

        @dbus.service.method(ITEM_IFACE, in_signature="o", out_signature="(oayays)")
        def GetSecret(self, session):
            return self.struct(session)

        @dbus.service.method(ITEM_IFACE, in_signature="(oayays)")
        def SetSecret(self, secret):
            check_plain(secret)
            self.secret, self.content_type = bytes(secret[2]), str(secret[3])

        def delete(self):
            del items_by_path[self.path]
            self.remove_from_connection()

        @dbus.service.method(ITEM_IFACE, out_signature="o")
        def Delete(self):
            if confirm_delete:
                return dbus.ObjectPath(Prompt(self).path)
            self.delete()
            return dbus.ObjectPath("/")

    class Prompt(dbus.service.Object):
        count = 0

        def __init__(self, item):
            Prompt.count += 1
            self.path = "%s/prompt/p%d" % (SS_PATH, Prompt.count)
            super().__init__(name, self.path)
            self.item = item

        @dbus.service.method(PROMPT_IFACE, in_signature="s")
        def Prompt(self, window_id):
            if prompt_fails:
                raise dbus.exceptions.DBusException("the collection is locked",
                                                    name="org.freedesktop.Secret.Error.IsLocked")
            if prompt_waits_log:
                return  # shown, and nobody answers it
            # Answered at once, as if a person had confirmed, after the reply (libsecret waits for the signal).
            def complete():
                self.item.delete()
                self.Completed(False, dbus.String("", variant_level=1))
                return False
            GLib.idle_add(complete)

        @dbus.service.method(PROMPT_IFACE)
        def Dismiss(self):
            if prompt_waits_log:
                with open(prompt_waits_log, "a") as f:
                    f.write("dismissed\n")
            self.Completed(True, dbus.String("", variant_level=1))

        @dbus.service.signal(PROMPT_IFACE, signature="bv")
        def Completed(self, dismissed, result):
            pass

    def check_plain(secret):
        if str(secret[0]) not in sessions or len(secret[1]) != 0:
            raise dbus.exceptions.DBusException("not a plain session", name="org.freedesktop.Secret.Error.NoSession")

    class Collection(Properties):
        def properties(self, interface):
            return {"Locked": dbus.Boolean(False), "Label": dbus.String(collection_label),
                    "Items": dbus.Array([dbus.ObjectPath(p) for p in items_by_path], signature="o")}

        @dbus.service.method(COLLECTION_IFACE, in_signature="a{sv}(oayays)b", out_signature="oo")
        def CreateItem(self, properties, secret, replace):
            check_plain(secret)
            path = "%s/%d" % (collection_path, len(items_by_path) + 1 + int(time.time() * 1000) % 100000)
            items_by_path[path] = Item(
                path, str(properties.get("org.freedesktop.Secret.Item.Label", "")),
                {str(k): str(v) for k, v in properties.get("org.freedesktop.Secret.Item.Attributes", {}).items()},
                secret[2], secret[3])
            return dbus.ObjectPath(path), dbus.ObjectPath("/")

    class Service(Properties):
        def properties(self, interface):
            return {"Collections": dbus.Array([dbus.ObjectPath(collection_path)], signature="o")}

        @dbus.service.method(SERVICE_IFACE, in_signature="sv", out_signature="vo")
        def OpenSession(self, algorithm, _input):
            if algorithm != "plain":
                raise dbus.exceptions.DBusException(
                    "only plain here", name="org.freedesktop.DBus.Error.NotSupported")
            path = "%s/session/%d" % (SS_PATH, len(sessions) + 1)
            sessions.add(path)
            return dbus.String("", variant_level=1), dbus.ObjectPath(path)

        @dbus.service.method(SERVICE_IFACE, in_signature="a{ss}", out_signature="aoao")
        def SearchItems(self, attributes):
            wanted = {str(k): str(v) for k, v in attributes.items()}
            found = [dbus.ObjectPath(p) for p, item in sorted(items_by_path.items())
                     if all(item.attributes.get(k) == v for k, v in wanted.items())]
            return dbus.Array(found, signature="o"), dbus.Array([], signature="o")

        @dbus.service.method(SERVICE_IFACE, in_signature="aoo", out_signature="a{o(oayays)}")
        def GetSecrets(self, paths, session):
            return dbus.Dictionary({p: items_by_path[str(p)].struct(session) for p in paths if str(p) in items_by_path},
                                   signature="o(oayays)")

        @dbus.service.method(SERVICE_IFACE, in_signature="s", out_signature="o")
        def ReadAlias(self, alias):
            return dbus.ObjectPath(collection_path if alias == "default" else "/")

    Service(name, SS_PATH)
    Collection(name, collection_path)
    print("ready", flush=True)
    GLib.MainLoop().run()


def main(argv):
    command = argv[1] if len(argv) > 1 else ""
    if command == "hang":
        return hang()
    if command == "fail":
        return hang(answer_with_error=True)
    if command == "plain-only":
        return plain_only()
    if command == "confirm-delete":
        return plain_only(confirm_delete=True)
    if command == "confirm-delete-fails":
        return plain_only(confirm_delete=True, prompt_fails=True)
    if command == "refuse-attributes":
        return plain_only(refuse_attributes=True)
    if command == "escaped-collection":
        # As KWallet names its collection: the wallet's name GDBus-escaped into the path, the name as the label.
        return plain_only(collection_name="Default_20keyring", collection_label="Default keyring")
    if command == "confirm-delete-waits":
        return plain_only(confirm_delete=True, prompt_waits_log=argv[2])
    bus = dbus.SessionBus()
    if command == "wait-ready":
        return wait_ready(bus)
    if command == "items":
        return items(bus, argv[2] if len(argv) > 2 else "Codex Auth")
    if command == "default-collection":
        print(default_collection(bus))
        return 0
    if command == "create":
        return create(bus, argv[2], argv[3], argv[4] if len(argv) > 4 else "created by test")
    if command == "lock-default":
        return lock_default(bus)
    if command == "connections":
        names = dbus.Interface(bus.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus"), "org.freedesktop.DBus")
        print(sum(1 for name in names.ListNames() if name.startswith(":")))
        return 0
    if command == "unlock-default":
        return unlock_default(bus, argv[2])
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))
