import CSystemShims
import CredentialCore

#if canImport(Glibc)
import Glibc
#endif

/// A connection of this process's own to the D-Bus session bus: a Unix socket, the EXTERNAL authentication, and
/// method calls sent together with their replies collected (`call`). Every wait (connecting, writing, reading)
/// is a `poll` bounded by the caller's deadline, so nothing here can hang; no thread, no main loop, no GLib.
///
/// The bus address comes from `DBUS_SESSION_BUS_ADDRESS` (its `unix:path=` and `unix:abstract=` entries, tried in
/// order), or `$XDG_RUNTIME_DIR/bus` when that is unset, as GLib and libdbus look for it.
final class DBusConnection {
    enum Failure: Error, Equatable {
        /// The deadline passed.
        case timedOut
        /// No bus at any address (or no address): what was tried, and why each failed.
        case unreachable(String)
        /// The bus closed the connection, refused the authentication, or broke the protocol.
        case broken(String)
    }

    /// A call's outcome: the bus's reply (a method return or an error message), or why the call was not sent.
    enum Outcome {
        case reply(DBusMessage)
        case notSent(String)
    }

    private let fd: Int32
    private var lastSerial: UInt32 = 0
    private var inbox: [UInt8] = []
    private var helloPending = true

    private init(fd: Int32) { self.fd = fd }

    deinit {
        close(fd)
        wipeInbox(upTo: inbox.count)
    }

    // MARK: - Connecting

    /// A socket address of a bus: a path, or an abstract name.
    struct SocketAddress: Equatable {
        var name: String
        var abstract: Bool
    }

    /// The session bus's socket addresses, in the order to try them; throws why there are none.
    static func sessionBusAddresses(environment: [String: String]) throws(Failure) -> [SocketAddress] {
        guard let address = environment["DBUS_SESSION_BUS_ADDRESS"], !address.isEmpty else {
            if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
                let path = runtime + "/bus"
                var status = stat()
                if stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFSOCK {
                    return [SocketAddress(name: path, abstract: false)]
                }
            }
            throw .unreachable("DBUS_SESSION_BUS_ADDRESS is not set and $XDG_RUNTIME_DIR/bus does not exist")
        }
        return try parseAddresses(address)
    }

    /// Parses a D-Bus server address list ("unix:path=/run/user/1000/bus;unix:abstract=/tmp/dbus-x,guid=..."):
    /// its Unix-socket entries, values %-unescaped.
    static func parseAddresses(_ list: String) throws(Failure) -> [SocketAddress] {
        var found: [SocketAddress] = []
        var others: [String] = []
        for entry in list.split(separator: ";") where !entry.isEmpty {
            guard let colon = entry.firstIndex(of: ":") else {
                others.append("an entry without a transport")
                continue
            }
            let transport = String(entry[..<colon])
            var keys: [String: String] = [:]
            for pair in entry[entry.index(after: colon)...].split(separator: ",") {
                guard let equals = pair.firstIndex(of: "="), let value = unescape(pair[pair.index(after: equals)...])
                else { continue }
                keys[String(pair[..<equals])] = value
            }
            if transport == "unix", let path = keys["path"], !path.isEmpty {
                found.append(SocketAddress(name: path, abstract: false))
            } else if transport == "unix", let name = keys["abstract"], !name.isEmpty {
                found.append(SocketAddress(name: name, abstract: true))
            } else {
                others.append("'\(transport):'")
            }
        }
        guard found.isEmpty else { return found }
        throw .unreachable(
            "DBUS_SESSION_BUS_ADDRESS names no Unix socket this helper can use"
                + (others.isEmpty ? "" : " (it names \(others.joined(separator: ", ")))"))
    }

    private static func unescape(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        guard !bytes.contains(0) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    /// Connects to the first address that answers and authenticates (EXTERNAL, as this process's user); the
    /// bus's Hello goes out with the first `call`.
    static func open(_ addresses: [SocketAddress], deadline: SecretServiceConnection.Deadline) throws(Failure)
        -> DBusConnection
    {
        var problems: [String] = []
        for address in addresses {
            let shown = address.abstract ? "abstract socket \(address.name)" : address.name
            let fd: Int32
            do throws(Failure) {
                fd = try connect(address, deadline: deadline)
            } catch .unreachable(let why) {
                problems.append("\(shown): \(why)")
                continue
            }
            let connection = DBusConnection(fd: fd)
            try connection.authenticate(deadline: deadline)
            return connection
        }
        throw .unreachable(problems.joined(separator: "; "))
    }

    private static func connect(_ address: SocketAddress, deadline: SecretServiceConnection.Deadline)
        throws(Failure) -> Int32
    {
        while true {
            let fd = address.name.withCString { csystem_unix_connect($0, strlen($0), address.abstract ? 1 : 0) }
            if fd < 0 {
                let code = errno
                // A full listen backlog: the bus is busy; try again shortly, until the deadline.
                guard code == EAGAIN else { throw .unreachable(String(cString: strerror(code))) }
                guard deadline.remaining > 0 else { throw .timedOut }
                usleep(useconds_t(min(5, deadline.remaining) * 1000))
                continue
            }
            if errno == EINPROGRESS || csystem_socket_error(fd) != 0 {
                do throws(Failure) {
                    try wait(fd, for: Int16(POLLOUT), deadline: deadline)
                } catch {
                    close(fd)
                    throw error
                }
                let code = csystem_socket_error(fd)
                guard code == 0 else {
                    close(fd)
                    throw .unreachable(String(cString: strerror(code)))
                }
            }
            return fd
        }
    }

    /// "AUTH EXTERNAL <uid>" and "BEGIN" in one write (as sd-bus does), then the server's "OK <guid>".
    private func authenticate(deadline: SecretServiceConnection.Deadline) throws(Failure) {
        let uid = String(getuid())
        let hexUID = uid.utf8.map { byte in
            let digits = Array("0123456789abcdef".utf8)
            return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]], as: UTF8.self)
        }.joined()
        try send([0] + Array("AUTH EXTERNAL \(hexUID)\r\nBEGIN\r\n".utf8), deadline: deadline)
        while true {
            if let end = inbox.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: inbox[..<end], as: UTF8.self)
                inbox.removeSubrange(...end)
                if line.hasPrefix("OK ") || line == "OK\r" { return }
                throw .broken("the session bus refused the authentication (\(line.prefix(60).filter { !$0.isNewline }))")
            }
            guard inbox.count < 512 else { throw .broken("the session bus answered the authentication with no line") }
            try receive(deadline: deadline)
        }
    }

    // MARK: - Calls

    /// Sends `calls` together (with the bus's Hello before them on the first use) and waits for every reply, until
    /// `deadline`. A call that cannot be encoded (an object path that is not one, say) is not sent.
    func call(_ calls: [DBusMessage], deadline: SecretServiceConnection.Deadline) throws(Failure) -> [Outcome] {
        var outcomes: [Outcome?] = Array(repeating: nil, count: calls.count)
        // (serial, index in calls; -1: Hello). A list, not a dictionary: a handful of entries, and a new Dictionary
        // type costs the Swift runtime a scan of every protocol conformance in the binary.
        var waiting: [(serial: UInt32, index: Int)] = []
        var wire: [UInt8] = []
        defer { for index in wire.indices { wire[index] = 0 } }
        if helloPending {
            var hello = DBusMessage.methodCall(
                destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
                member: "Hello")
            hello.serial = nextSerial()
            wire += (try? hello.encoded()) ?? []
            waiting.append((hello.serial, -1))
            helloPending = false
        }
        for (index, call) in calls.enumerated() {
            var message = call
            message.serial = nextSerial()
            do throws(DBusMessage.Malformed) {
                var bytes = try message.encoded()
                wire += bytes
                for i in bytes.indices { bytes[i] = 0 }
                waiting.append((message.serial, index))
            } catch {
                outcomes[index] = .notSent(error.description)
            }
        }
        guard !waiting.isEmpty else { return outcomes.map { $0! } }
        try send(wire, deadline: deadline)

        while !waiting.isEmpty {
            guard let message = try nextMessage(deadline: deadline) else { continue }
            guard message.kind == .methodReturn || message.kind == .error, let serial = message.replySerial,
                  let position = waiting.firstIndex(where: { $0.serial == serial }) else { continue }  // a signal, or a late reply
            let index = waiting.remove(at: position).index
            if index == -1 {
                // Hello's reply carries the connection's unique name; the helper needs none, only the success.
                guard message.kind == .methodReturn, message.body.first?.stringValue != nil else {
                    throw .broken("the session bus refused Hello (\(message.errorName ?? "no name"))")
                }
            } else {
                outcomes[index] = .reply(message)
            }
        }
        return outcomes.map { $0! }
    }

    /// A message serial: never 0, wrapping after 2^32 - 1.
    private func nextSerial() -> UInt32 {
        lastSerial = lastSerial == UInt32.max ? 1 : lastSerial + 1
        return lastSerial
    }

    /// The next whole message in the inbox, reading more when there is none yet; nil when more is needed.
    private func nextMessage(deadline: SecretServiceConnection.Deadline) throws(Failure) -> DBusMessage? {
        let length: Int?
        do throws(DBusMessage.Malformed) {
            length = try DBusMessage.length(ofMessageStartingWith: inbox)
        } catch {
            throw .broken("the session bus sent a malformed message (\(error.description))")
        }
        guard let length, inbox.count >= length else {
            try receive(deadline: deadline)
            return nil
        }
        var bytes = Array(inbox[..<length])
        defer {
            wipeInbox(upTo: length)
            for index in bytes.indices { bytes[index] = 0 }
        }
        do throws(DBusMessage.Malformed) {
            return try DBusMessage.decode(bytes)
        } catch {
            throw .broken("the session bus sent a malformed message (\(error.description))")
        }
    }

    /// Zeroes and drops the inbox's first `count` bytes (they may have held a secret).
    private func wipeInbox(upTo count: Int) {
        for index in 0..<count { inbox[index] = 0 }
        inbox.removeSubrange(..<count)
    }

    // MARK: - The socket

    private func send(_ bytes: [UInt8], deadline: SecretServiceConnection.Deadline) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { buffer in
                Glibc.send(fd, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                offset += sent
            } else if sent < 0, errno == EAGAIN || errno == EINTR {
                try Self.wait(fd, for: Int16(POLLOUT), deadline: deadline)
            } else {
                throw .broken("the session bus closed the connection (\(String(cString: strerror(errno))))")
            }
        }
    }

    /// Reads what has arrived (waiting for something, until the deadline) into the inbox.
    private func receive(deadline: SecretServiceConnection.Deadline) throws(Failure) {
        var chunk = [UInt8](repeating: 0, count: 16384)
        defer { for index in chunk.indices { chunk[index] = 0 } }
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                guard inbox.count + count <= DBusMessage.maximumLength + 16 else {
                    throw .broken("the session bus sent more than a message can hold")
                }
                inbox.append(contentsOf: chunk[..<count])
                return
            }
            if count == 0 { throw .broken("the session bus closed the connection") }
            guard errno == EAGAIN || errno == EINTR else {
                throw .broken("reading from the session bus failed (\(String(cString: strerror(errno))))")
            }
            try Self.wait(fd, for: Int16(POLLIN), deadline: deadline)
        }
    }

    /// Waits until `fd` is ready for `events`, or throws `.timedOut` at the deadline.
    private static func wait(_ fd: Int32, for events: Int16, deadline: SecretServiceConnection.Deadline)
        throws(Failure)
    {
        while true {
            let remaining = deadline.remaining
            guard remaining > 0 else { throw .timedOut }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&entry, 1, Int32(min(remaining, Int(Int32.max))))
            if ready > 0 { return }  // readable, writable, or an error/hang-up the next read or write reports
            if ready < 0, errno != EINTR {
                throw .broken("waiting on the session bus failed (\(String(cString: strerror(errno))))")
            }
        }
    }
}
