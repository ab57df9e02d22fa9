internal import CLibSecret
import CredentialCore

#if canImport(Glibc)
import Glibc
#endif

/// libsecret's Secret Service client on one private D-Bus connection (`CcsClient`, ccs_client.c): every call is
/// libsecret's asynchronous API driven on a private main context, and every call of one command shares the command's
/// deadline; a prompt, once the provider shows one, gets the prompt bound when a person can answer it.
///
/// Owns its client and frees it in deinit; every GError is converted to a `HelperError` and freed where it is
/// converted; every string, array and secret value from libsecret is released after copying.
final class SecretServiceConnection {
    private let client: OpaquePointer
    private let timeoutMilliseconds: Int

    /// What a prompt asks for, for the message a person reads when it was dismissed or nobody answered it.
    enum Prompt {
        case unlockCollection(String)
        case accessItem
        case createItem(String)
        case deleteItem

        var asked: String {
            switch self {
            case .unlockCollection(let name): return "to unlock collection '\(name)'"
            case .accessItem: return "for access to the keyring item"
            case .createItem(let name): return "to confirm storing the credential in collection '\(name)'"
            case .deleteItem: return "to confirm deleting the keyring item"
            }
        }
    }

    private init(client: OpaquePointer, timeoutMilliseconds: Int) {
        self.client = client
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    deinit { ccs_client_free(client) }

    /// Loads libsecret, connects to the session bus of `environment` and checks that the bus is the user's own, then
    /// opens libsecret's Secret Service proxy. Fails at once, touching nothing, when there is no session bus at all.
    static func open(environment: [String: String], timeoutMilliseconds: Int, promptTimeoutMilliseconds: Int)
        throws(HelperError) -> SecretServiceConnection
    {
        let bus = try sessionBus(environment)
        try loadLibsecret()
        let address: String
        switch bus {
        case .address(let given): address = given
        case .socket(let path):
            // GDBus's own escaping of an address value (the D-Bus specification's %XX).
            guard let escaped = ccs_unix_path_address(path) else {
                throw HelperError(.internalError, "Could not build the address of \(path).")
            }
            defer { ccs_free(escaped) }
            address = String(cString: escaped)
        }
        guard let client = ccs_client_new(Int64(timeoutMilliseconds), Int64(promptTimeoutMilliseconds)) else {
            throw HelperError(.internalError, "Could not allocate the Secret Service client.")
        }
        let connection = SecretServiceConnection(client: client, timeoutMilliseconds: timeoutMilliseconds)
        var peer: UInt32 = 0
        try connection.run("connecting to the session bus", prompt: Prompt?.none) { error in
            ccs_client_connect(client, address, &peer, error)
        } foreignBus: {
            HelperError(
                .unavailable,
                "The D-Bus session bus (\(address)) is run by another user (uid \(peer)), not by you: a credential "
                    + "sent there could be read by that user, so the keyring is not used. Check "
                    + "DBUS_SESSION_BUS_ADDRESS, or run inside your own desktop session or `dbus-run-session`.",
                reason: "the session bus belongs to another user")
        }
        return connection
    }

    /// Where the session bus is: DBUS_SESSION_BUS_ADDRESS, else the socket $XDG_RUNTIME_DIR/bus where it exists.
    enum SessionBus: Equatable { case address(String), socket(String) }

    /// The session bus of `environment`, found without loading anything. "autolaunch:" (which would start a bus of
    /// its own with dbus-launch) is not used.
    static func sessionBus(_ environment: [String: String]) throws(HelperError) -> SessionBus {
        if let address = environment["DBUS_SESSION_BUS_ADDRESS"], !address.isEmpty {
            guard !address.hasPrefix("autolaunch:") else {
                throw HelperError(
                    .unavailable,
                    "DBUS_SESSION_BUS_ADDRESS is 'autolaunch:', which would start a new session bus with no keyring "
                        + "on it. Run inside a desktop session or `dbus-run-session`.", reason: "no D-Bus session bus")
            }
            return .address(address)
        }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            var status = stat()
            let path = runtime + "/bus"
            if stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFSOCK { return .socket(path) }
        }
        throw HelperError(
            .unavailable,
            "No D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set and $XDG_RUNTIME_DIR/bus does not exist, so "
                + "no keyring is reachable. Run inside a desktop session or under `dbus-run-session`.",
            reason: "no D-Bus session bus")
    }

    /// libsecret is loaded at the first keyring call (see ccs_shim.h).
    private static func loadLibsecret() throws(HelperError) {
        var problem: UnsafePointer<CChar>? = nil
        let started = Trace.monotonicMilliseconds()
        guard ccs_load(&problem) == 0 else {
            Trace.shared.log("secret-service: libsecret loaded: \(Trace.monotonicMilliseconds() - started) ms")
            return
        }
        let detail = problem.map { String(cString: $0) } ?? "unknown reason"
        throw HelperError(
            .unavailable,
            "libsecret is not installed or not usable (\(detail.escapingControlCharacters)), so the keyring cannot be used. Install "
                + "libsecret-1-0, or use --backend file.",
            reason: "libsecret could not be loaded")
    }

    // MARK: - Calls

    /// Item paths matching every attribute, split by lock state. `openingSession`: the session for secrets is
    /// opened in the same round trip (a search is nearly always followed by reading or writing a secret).
    func search(_ attributes: [String: String], openingSession: Bool = false) throws(HelperError)
        -> (unlocked: [String], locked: [String])
    {
        var unlocked: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
        var locked: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
        try withPairs(attributes) { pairs throws(HelperError) in
            try run("searching the keyring", prompt: Prompt?.none) { error in
                ccs_client_search(client, pairs, openingSession ? 1 : 0, &unlocked, &locked, error)
            }
        }
        return (takeStrings(unlocked), takeStrings(locked))
    }

    /// An item's attributes and lock state and, with `secret`, its secret (in the same round trip).
    func item(_ path: String, secret wantSecret: Bool) throws(HelperError)
        -> (attributes: [String: String], locked: Bool, secret: [UInt8])
    {
        var attributes: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
        var locked: Int32 = 0
        var value: OpaquePointer? = nil
        try run(wantSecret ? "reading the secret and the attributes" : "reading item attributes", prompt: Prompt?.none) { error in
            ccs_client_read_item(client, path, wantSecret ? 1 : 0, &attributes, &locked, &value, error)
        }
        defer { ccs_value_unref(value) }
        if wantSecret { traceSession() }
        var secret: [UInt8] = []
        if let value {
            var length = 0
            if let bytes = ccs_value_bytes(value, &length) { secret = Array(UnsafeBufferPointer(start: bytes, count: length)) }
        }
        return (takePairs(attributes), locked != 0, secret)
    }

    /// The object path of the collection behind `alias`, or nil when there is none.
    func collection(forAlias alias: String) throws(HelperError) -> String? {
        var path: UnsafeMutablePointer<CChar>? = nil
        try run("looking up the default collection", prompt: Prompt?.none) { error in
            ccs_client_read_alias(client, alias, &path, error)
        }
        return takeString(path).flatMap { $0 == "/" || $0.isEmpty ? nil : $0 }
    }

    /// A collection's lock state and label (its name for people).
    func collectionState(_ path: String) throws(HelperError) -> (locked: Bool, label: String) {
        var locked: Int32 = 0
        var label: UnsafeMutablePointer<CChar>? = nil
        try run("checking whether the collection is locked", prompt: Prompt?.none) { error in
            ccs_client_read_collection(client, path, &locked, &label, error)
        }
        return (locked != 0, takeString(label) ?? "")
    }

    /// The collections the provider has (the service's Collections property).
    func collections() throws(HelperError) -> [String] {
        var paths: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
        try run("listing the collections", prompt: Prompt?.none) { error in ccs_client_collections(client, &paths, error) }
        return takeStrings(paths)
    }

    /// Starts loading libsecret in the background (see ccs_preload), for a command that will use the keyring.
    static func preload() { ccs_preload() }

    /// Creates an item and returns its path, running the provider's prompt if it asks for one. Never replaces: the
    /// store finds and updates existing items itself, because Secret Service "replace" matches on the full
    /// attribute set, metadata included.
    func createItem(in collection: String, label: String, attributes: [String: String], secret: [UInt8],
                    contentType: String, prompt: Prompt) throws(HelperError) -> String
    {
        var path: UnsafeMutablePointer<CChar>? = nil
        try withPairs(attributes) { pairs throws(HelperError) in
            try run("creating the keyring item", prompt: prompt) { error in
                ccs_client_create_item(client, collection, label, pairs, secret, secret.count, contentType, &path, error)
            }
        }
        traceSession()
        guard let created = takeString(path), created != "/" else {
            throw HelperError(.unavailable, "The Secret Service did not create the keyring item.",
                              reason: "the Secret Service did not create the item")
        }
        return created
    }

    /// Replaces only the secret of an existing item (label and attributes stay), as Codex does.
    func setSecret(of path: String, secret: [UInt8], contentType: String) throws(HelperError) {
        try run("replacing the secret", prompt: .accessItem) { error in
            ccs_client_set_secret(client, path, secret, secret.count, contentType, error)
        }
        traceSession()
    }

    func setAttributes(of path: String, _ attributes: [String: String]) throws(HelperError) {
        try withPairs(attributes) { pairs throws(HelperError) in
            try run("updating item attributes", prompt: Prompt?.none) { error in
                ccs_client_set_attributes(client, path, pairs, error)
            }
        }
    }

    /// Deletes an item, running the provider's confirmation prompt if it asks for one.
    func deleteItem(_ path: String) throws(HelperError) {
        try run("deleting the keyring item", prompt: .deleteItem) { error in ccs_client_delete_item(client, path, error) }
    }

    /// Asks the provider to unlock `paths` (it shows a prompt when it needs a person). Returns what is now unlocked.
    func unlock(_ paths: [String], prompt: Prompt) throws(HelperError) -> [String] {
        var unlocked: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
        try withStrings(paths) { array throws(HelperError) in
            try run("waiting for the unlock prompt", prompt: prompt) { error in
                ccs_client_unlock(client, array, &unlocked, error)
            }
        }
        return takeStrings(unlocked)
    }

    /// The session algorithm libsecret negotiated (nil before a secret was read or written).
    var sessionAlgorithm: String? { ccs_client_session_algorithm(client).map { String(cString: $0) } }

    private func traceSession() {
        Trace.shared.log("secret-service: the secret went over the \(sessionAlgorithm ?? "unknown") session")
    }

    // MARK: - Plumbing

    /// Runs one client call and turns its status into a HelperError. `prompt`: what a prompt in this call asks.
    private func run(
        _ phase: String, prompt: Prompt?,
        _ body: (UnsafeMutablePointer<OpaquePointer?>) -> CcsStatus,
        foreignBus: () -> HelperError = { HelperError(.unavailable, "The session bus belongs to another user.") }
    ) throws(HelperError) {
        var error: OpaquePointer? = nil
        let started = Trace.monotonicMilliseconds()
        let status = body(&error)
        let prompted = ccs_client_prompted(client) != 0
        let logged: String? = ccs_take_log_message().map { message in
            defer { free(message) }
            return String(cString: message).escapingControlCharacters
        }
        Trace.shared.log(
            "secret-service: \(phase): \(Trace.monotonicMilliseconds() - started) ms, status \(status.rawValue)"
                + (prompted ? ", prompt shown" : "") + (error != nil ? ", error" : "")
                + (logged.map { "; GLib logged: \($0)" } ?? ""))
        defer { ccs_error_free(error) }
        let asked = prompt?.asked ?? "to confirm the request"
        switch status {
        case CCS_OK:
            return
        case CCS_FAILED:
            guard let error else { throw HelperError(.unavailable, "The Secret Service failed while \(phase).") }
            var converted = SecretServiceErrors.convert(error, phase: phase)
            // What GDBus only logged (a malformed message from the bus) says more than "the connection is closed".
            if let logged { converted.message += " GLib reported: \(logged)." }
            throw converted
        case CCS_TIMED_OUT:
            throw timeoutError(phase: phase)
        case CCS_PROMPT_TIMED_OUT:
            throw HelperError(
                .locked,
                "The keyring asked \(asked), and nobody answered its prompt in time (while \(phase)). Answer the "
                    + "prompt on the desktop, or unlock or allow access in the keyring first, then retry.",
                reason: "the keyring's prompt \(asked) was not answered")
        case CCS_DISMISSED:
            throw HelperError(
                .locked, "The keyring's prompt \(asked) was dismissed (while \(phase)).",
                reason: "the keyring's prompt \(asked) was dismissed")
        case CCS_FOREIGN_BUS:
            throw foreignBus()
        case CCS_UNVERIFIABLE_BUS:
            throw HelperError(
                .unavailable,
                "The D-Bus session bus is not reached through a Unix socket, so the helper cannot check that it is "
                    + "your own; the keyring is not used. Use a unix: address in DBUS_SESSION_BUS_ADDRESS.",
                reason: "the session bus cannot be checked")
        default:
            throw HelperError(.internalError, "The Secret Service client returned status \(status.rawValue).")
        }
    }

    private func timeoutError(phase: String) -> HelperError {
        let seconds = Double(timeoutMilliseconds) / 1000
        let shown = seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
        return HelperError(
            .timeout,
            "The Secret Service did not answer within \(shown) s while \(phase); the keyring daemon may be hung. "
                + "Retry, raise --timeout, or restart the keyring daemon.",
            reason: "the Secret Service did not answer within \(shown) s")
    }

    private func withStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) throws(HelperError) -> T)
        throws(HelperError) -> T
    {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let array: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) } + [nil]
        return try array.withUnsafeBufferPointer { (buffer) throws(HelperError) -> T in try body(buffer.baseAddress!) }
    }

    private func withPairs<T>(_ attributes: [String: String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) throws(HelperError) -> T)
        throws(HelperError) -> T
    {
        try withStrings(attributes.sorted { $0.key < $1.key }.flatMap { [$0.key, $0.value] }, body)
    }

    private func takeString(_ string: UnsafeMutablePointer<CChar>?) -> String? {
        guard let string else { return nil }
        defer { ccs_free(string) }
        return String(cString: string)
    }

    private func takeStrings(_ array: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> [String] {
        guard let array else { return [] }
        defer { ccs_strfreev(array) }
        var result: [String] = []
        var index = 0
        while let entry = array[index] {
            result.append(String(cString: entry))
            index += 1
        }
        return result
    }

    private func takePairs(_ array: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> [String: String] {
        let flat = takeStrings(array)
        var pairs: [String: String] = [:]
        for index in stride(from: 0, to: flat.count - 1, by: 2) { pairs[flat[index]] = flat[index + 1] }
        return pairs
    }
}
