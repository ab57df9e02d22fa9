import TestSupport
import Testing

@testable import SecretServiceStore

/// The D-Bus wire format against GLib's own (messages built and serialised with GDBusMessage from Python's gi,
/// an independent implementation), the checks on what arrives, and the session bus address rules.
@Suite("D-Bus messages: wire format, checks and bus addresses")
struct DBusMessageTests {
    /// Collection.CreateItem as GDBus sends it (serial 7; GLib orders the header fields differently from us).
    static let createItemFromGLib = bytes(hex: "6c0100011801000007000000b300000001016f00290000002f6f72672f667265656465736b746f702f736563726574732f636f6c6c656374696f6e2f6c6f67696e0000000000000002017300210000006f72672e667265656465736b746f702e5365637265742e436f6c6c656374696f6e0000000000000006017300170000006f72672e667265656465736b746f702e7365637265747300080167000e617b73767d286f617961797329620000000000030173000a0000004372656174654974656d000000000000ad00000000000000210000006f72672e667265656465736b746f702e5365637265742e4974656d2e4c6162656c0001730000000005000000436f646578000000260000006f72672e667265656465736b746f702e5365637265742e4974656d2e417474726962757465730005617b73737d0000003d0000000700000073657276696365000a000000436f646578204175746800000000000008000000757365726e616d650000000008000000636c697c3031323300000000230000002f6f72672f667265656465736b746f702f736563726574732f73657373696f6e2f73310010000000000102030405060708090a0b0c0d0e0f0c0000007365637265742062797465730a000000746578742f706c61696e000000000000")

    static let createItem = DBusMessage.methodCall(
        destination: "org.freedesktop.secrets", path: "/org/freedesktop/secrets/collection/login",
        interface: "org.freedesktop.Secret.Collection", member: "CreateItem",
        body: [
            .array(element: "{sv}", [
                .dictEntry(.string("org.freedesktop.Secret.Item.Label"), .variant(.string("Codex"))),
                .dictEntry(.string("org.freedesktop.Secret.Item.Attributes"),
                           .variant(.stringDictionary(["username": "cli|0123", "service": "Codex Auth"]))),
            ]),
            .structure([.objectPath("/org/freedesktop/secrets/session/s1"), .bytes(Array(0...15)),
                        .bytes(Array("secret bytes".utf8)), .string("text/plain")]),
            .boolean(false),
        ])

    @Test func aCallsBodyIsByteForByteWhatGLibWrites() throws {
        var message = Self.createItem
        message.serial = 7
        let ours = try message.encoded()
        let glib = Self.createItemFromGLib
        let glibBodyStart = glib.count - 0x118
        let ourBodyStart = ours.count - 0x118
        #expect(Array(ours[ourBodyStart...]) == Array(glib[glibBodyStart...]))
        #expect(ourBodyStart % 8 == 0)
        #expect(try DBusMessage.decode(ours) == message, "what we write reads back as itself")
    }

    @Test func aMessageGLibWroteReadsAsTheSameCall() throws {
        var expected = Self.createItem
        expected.serial = 7
        #expect(try DBusMessage.decode(Self.createItemFromGLib) == expected)
        #expect(try DBusMessage.length(ofMessageStartingWith: Self.createItemFromGLib) == Self.createItemFromGLib.count)
        #expect(try DBusMessage.length(ofMessageStartingWith: Self.createItemFromGLib.prefix(15)) == nil)
    }

    @Test func aBigEndianReplyIsRead() throws {
        let reply = try DBusMessage.decode(bytes(hex: "420200010000004b000000090000003807017300000000043a312e350000000006017300000000043a312e37000000000801670008286f6179617973290000000501750000000003000000232f6f72672f667265656465736b746f702f736563726574732f73657373696f6e2f73310000000002010200000000000576616c75650000000000000a746578742f706c61696e00"))
        #expect(reply.kind == .methodReturn)
        #expect(reply.serial == 9 && reply.replySerial == 3 && reply.sender == ":1.5" && reply.destination == ":1.7")
        #expect(reply.bodySignature == "(oayays)")
        let fields = try #require(reply.body.first?.fields)
        #expect(fields == [.objectPath("/org/freedesktop/secrets/session/s1"), .bytes([1, 2]), .bytes(Array("value".utf8)),
                           .string("text/plain")])
    }

    @Test func errorsSearchResultsAndPropertiesAreRead() throws {
        let error = try DBusMessage.decode(bytes(hex: "6c030001290000000a0000004000000004017300250000006f72672e667265656465736b746f702e5365637265742e4572726f722e49734c6f636b6564000000080167000173000005017500040000002400000043616e6e6f742067657420736563726574206f662061206c6f636b6564206f626a65637400"))
        #expect(error.kind == .error && error.replySerial == 4)
        #expect(error.errorName == "org.freedesktop.Secret.Error.IsLocked")
        #expect(error.errorText == "Cannot get secret of a locked object")

        let search = try DBusMessage.decode(bytes(hex: "6c020001680000000b000000180000000801670004616f616f000000000000000501750002000000600000002b0000002f6f72672f667265656465736b746f702f736563726574732f636f6c6c656374696f6e2f6c6f67696e2f31002b0000002f6f72672f667265656465736b746f702f736563726574732f636f6c6c656374696f6e2f6c6f67696e2f320000000000"))
        #expect(search.body.map(\.stringArray) == [
            ["/org/freedesktop/secrets/collection/login/1", "/org/freedesktop/secrets/collection/login/2"], []])

        let properties = try DBusMessage.decode(bytes(hex: "6c020001430000000c000000100000000801670001760000050175000500000005617b73737d000033000000000000000600000074617267657400000700000064656661756c74000700000073657276696365000a000000436f646578204175746800"))
        #expect(properties.body.first?.variantValue?.stringDictionaryValue == ["target": "default", "service": "Codex Auth"])
    }

    /// Every truncation and every single-byte change of a real message is either read or refused, never trapped on;
    /// the truncations are all refused.
    @Test func damagedMessagesAreRefusedNotTrappedOn() throws {
        let original = Self.createItemFromGLib
        for length in 0..<original.count {
            #expect(throws: DBusMessage.Malformed.self) { try DBusMessage.decode(Array(original.prefix(length))) }
        }
        var refused = 0
        for index in original.indices {
            for value: UInt8 in [0x00, 0x01, 0x7F, 0xFF] where original[index] != value {
                var damaged = original
                damaged[index] = value
                do { _ = try DBusMessage.decode(damaged) } catch { refused += 1 }
            }
        }
        #expect(refused > original.count, "most single-byte changes break a rule the reader checks")
    }

    @Test func signaturesAreCheckedAsTheSpecificationSays() {
        for valid in ["", "s", "a{sv}", "(oayays)", "a{o(oayays)}", "aoao", String(repeating: "a", count: 32) + "y",
                      String(repeating: "(", count: 32) + "y" + String(repeating: ")", count: 32)] {
            #expect(DBusSignature.isValid(valid), "\(valid)")
        }
        for invalid in ["a", "()", "(s", "s)", "{ss}", "a{vs}", "a{s}", "a{sss}", "z", String(repeating: "a", count: 33) + "y",
                        String(repeating: "(", count: 33) + "y" + String(repeating: ")", count: 33),
                        String(repeating: "s", count: 256)] {
            #expect(!DBusSignature.isValid(invalid), "\(invalid)")
        }
        #expect(DBusSignature.isObjectPath("/") && DBusSignature.isObjectPath("/org/freedesktop/secrets/collection/login"))
        for invalid in ["", "org", "/org/", "//org", "/org//x", "/org/free-desktop", "/é"] {
            #expect(!DBusSignature.isObjectPath(invalid), "\(invalid)")
        }
    }

    @Test func whatCannotBeSentIsRefusedBeforeSending() {
        var badPath = Self.createItem
        badPath.path = "/not a path"
        #expect(throws: DBusMessage.Malformed.self) { try badPath.encoded() }
        var nul = Self.createItem
        nul.body = [.string("a\u{0}b")]
        #expect(throws: DBusMessage.Malformed.self) { try nul.encoded() }
        var mixed = Self.createItem
        mixed.body = [.array(element: "s", [.string("a"), .uint32(1)])]
        #expect(throws: DBusMessage.Malformed.self) { try mixed.encoded() }
    }

    @Test func everyTypeRoundTrips() throws {
        let values: [DBusValue] = [
            .byte(0xFE), .boolean(true), .int16(-2), .uint16(65000), .int32(-70000), .uint32(4_000_000_000),
            .int64(-5_000_000_000), .uint64(UInt64.max), .double(0x4009_21FB_5444_2D18), .unixFD(3),
            .string("héllo"), .objectPath("/a/b"), .signature("a{sv}"), .bytes([]),
            .array(element: "s", []), .array(element: "(yt)", [.structure([.byte(1), .uint64(2)])]),
            .variant(.variant(.array(element: "{ot}", [.dictEntry(.objectPath("/x"), .uint64(9))]))),
        ]
        let message = DBusMessage(kind: .methodReturn, serial: 5, replySerial: 4, body: values)
        #expect(try DBusMessage.decode(message.encoded()) == message)
    }

    @Test func sessionBusAddressesFollowTheSpecification() throws {
        #expect(try DBusConnection.parseAddresses("unix:path=/run/user/1000/bus")
                == [.init(name: "/run/user/1000/bus", abstract: false)])
        #expect(try DBusConnection.parseAddresses("tcp:host=localhost,port=1;unix:abstract=/tmp/dbus-%41b,guid=0f")
                == [.init(name: "/tmp/dbus-Ab", abstract: true)])
        #expect(try DBusConnection.parseAddresses("unix:path=/tmp/a%2cb,guid=1;unix:path=/tmp/c")
                == [.init(name: "/tmp/a,b", abstract: false), .init(name: "/tmp/c", abstract: false)])
        for unusable in ["", "tcp:host=localhost,port=4", "unix:path=", "unix:path=/tmp/%zz", "autolaunch:"] {
            #expect(throws: DBusConnection.Failure.self, "\(unusable)") { try DBusConnection.parseAddresses(unusable) }
        }
        let noBus = #expect(throws: DBusConnection.Failure.self) {
            try DBusConnection.sessionBusAddresses(environment: ["XDG_RUNTIME_DIR": "/nonexistent-runtime-dir"])
        }
        guard case .unreachable(let why)? = noBus else {
            Issue.record("no address and no runtime bus gave \(String(describing: noBus))")
            return
        }
        #expect(why.contains("DBUS_SESSION_BUS_ADDRESS is not set"))
    }
}
