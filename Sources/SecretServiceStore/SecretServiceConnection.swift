internal import CLibSecret
import CredentialCore

#if canImport(Glibc)
import Glibc
#endif

/// A private D-Bus connection to the Secret Service and the calls the store makes on it, with this process's own
/// encrypted session (`SecretSession`). libsecret is used for what it does best and rarely: running a prompt
/// (unlocking a collection), on a `SecretService` opened only then. Every call is bounded: it runs with a fresh
/// GCancellable that a watchdog thread cancels at the operation's deadline, and with GDBus's own timeout behind it.
///
/// Owns its connection (and prompt service) and releases them in deinit; every GError is converted to a
/// `HelperError` and freed where it is converted; every string and array from GLib is freed after copying.
final class SecretServiceConnection {
    private let connection: OpaquePointer
    private let deadline: Deadline
    private var session: SecretSession?
    private var prompter: UnsafeMutablePointer<SecretService>?

    /// When an operation must be finished, on the monotonic clock.
    struct Deadline {
        var milliseconds: Int
        var timeoutMilliseconds: Int

        init(timeoutMilliseconds: Int) {
            self.timeoutMilliseconds = timeoutMilliseconds
            self.milliseconds = Deadline.nowMilliseconds() + timeoutMilliseconds
        }

        static func nowMilliseconds() -> Int {
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            return now.tv_sec * 1000 + now.tv_nsec / 1_000_000
        }

        var remaining: Int { max(0, milliseconds - Deadline.nowMilliseconds()) }
    }

    static let busName = "org.freedesktop.secrets"
    private static let servicePath = "/org/freedesktop/secrets"

    private init(connection: OpaquePointer, deadline: Deadline) {
        self.connection = connection
        self.deadline = deadline
    }

    deinit {
        ccs_object_unref(UnsafeMutableRawPointer(connection))
        if let prompter { ccs_object_unref(UnsafeMutableRawPointer(prompter)) }
    }

    /// Connects to the session bus (a connection of our own, authenticated, with Hello done).
    static func open(deadline: Deadline) throws(HelperError) -> SecretServiceConnection {
        try loadLibsecret()
        let connection = try bounded(deadline, phase: "connecting to the session bus") { cancellable, error in
            ccs_session_bus_open(cancellable, error)
        }
        return SecretServiceConnection(connection: connection, deadline: deadline)
    }

    /// libsecret is loaded on first use (see ccs_shim.h); without it there is no keyring to reach.
    private static func loadLibsecret() throws(HelperError) {
        var problem: UnsafePointer<CChar>? = nil
        let started = Deadline.nowMilliseconds()
        guard ccs_load(&problem) == 0 else {
            // Registers libsecret's D-Bus error names (org.freedesktop.Secret.Error.IsLocked, ...) with GDBus, so
            // that replies carrying them arrive as SECRET_ERROR codes.
            _ = ccs_secret_error_quark()
            Trace.shared.log("secret-service: libsecret loaded: \(Deadline.nowMilliseconds() - started) ms")
            return
        }
        let detail = problem.map { String(cString: $0) } ?? "unknown reason"
        throw HelperError(
            .unavailable,
            "libsecret is not installed or not usable (\(detail)), so no keyring is reachable. Install libsecret-1-0, "
                + "or use --backend file.",
            reason: "libsecret could not be loaded")
    }

    // MARK: - Calls

    /// Item paths matching every attribute, split by lock state.
    func search(_ attributes: [String: String]) throws(HelperError) -> (unlocked: [String], locked: [String]) {
        let table = makeAttributeTable(attributes)
        defer { ccs_hash_table_unref(table) }
        var unlocked: UnsafeMutablePointer<UnsafeMutablePointer<gchar>?>? = nil
        var locked: UnsafeMutablePointer<UnsafeMutablePointer<gchar>?>? = nil
        _ = try call("searching the keyring") { cancellable, error in
            ccs_search_items(connection, table, callTimeout, cancellable, &unlocked, &locked, error) != 0 ? 1 : nil
        }
        return (takeStrings(unlocked), takeStrings(locked))
    }

    /// The secret bytes of an unlocked item.
    func secret(of path: String) throws(HelperError) -> [UInt8] {
        let session = try ensureSession()
        var parameters: UnsafeMutablePointer<guint8>? = nil
        var value: UnsafeMutablePointer<guint8>? = nil
        var parametersLength: gsize = 0
        var valueLength: gsize = 0
        _ = try call("reading the secret") { cancellable, error in
            ccs_get_secret(connection, path, session.path, callTimeout, cancellable, &parameters, &parametersLength,
                           &value, &valueLength, error) != 0 ? 1 : nil
        }
        var encoded = takeBytes(value, valueLength)
        defer { for i in encoded.indices { encoded[i] = 0 } }
        return try session.decode(parameters: takeBytes(parameters, parametersLength), value: encoded)
    }

    /// An item's attributes.
    func attributes(of path: String) throws(HelperError) -> [String: String] {
        let variant = try call("reading item attributes") { cancellable, error in
            ccs_get_property(connection, Self.busName, path, "org.freedesktop.Secret.Item", "Attributes",
                             callTimeout, cancellable, error)
        }
        defer { ccs_variant_unref(variant) }
        guard let flat = ccs_string_dict_flatten(variant) else { return [:] }
        defer { ccs_strfreev(flat) }
        var result: [String: String] = [:]
        var index = 0
        while let key = flat[index], let value = flat[index + 1] {
            result[String(cString: key)] = String(cString: value)
            index += 2
        }
        return result
    }

    /// The object path of the collection behind `alias`, or nil when there is none.
    func collection(forAlias alias: String) throws(HelperError) -> String? {
        let path = try call("looking up the default collection") { cancellable, error in
            ccs_read_alias(connection, alias, callTimeout, cancellable, error)
        }
        defer { ccs_free(path) }
        let text = String(cString: path)
        return text == "/" ? nil : text
    }

    func isLocked(collection path: String) throws(HelperError) -> Bool {
        let variant = try call("checking whether the collection is locked") { cancellable, error in
            ccs_get_property(connection, Self.busName, path, "org.freedesktop.Secret.Collection", "Locked",
                             callTimeout, cancellable, error)
        }
        defer { ccs_variant_unref(variant) }
        return ccs_variant_boolean(variant, 1) != 0
    }

    /// Creates an item and returns its path, or nil when the provider wants a prompt first (the collection is
    /// locked). Never replaces: the store finds and updates existing items itself, because Secret Service "replace"
    /// matches on the full attribute set, metadata included.
    func createItem(in collection: String, label: String, attributes: [String: String], secret: [UInt8],
                    contentType: String) throws(HelperError) -> String? {
        let session = try ensureSession()
        let table = makeAttributeTable(attributes)
        defer { ccs_hash_table_unref(table) }
        var (parameters, value) = try session.encode(secret)
        defer { for i in value.indices { value[i] = 0 } }
        var item: UnsafeMutablePointer<gchar>? = nil
        var prompt: UnsafeMutablePointer<gchar>? = nil
        _ = try call("creating the keyring item") { cancellable, error in
            ccs_create_item(connection, collection, label, table, session.path, parameters, gsize(parameters.count), value,
                            gsize(value.count), contentType, callTimeout, cancellable, &item, &prompt, error) != 0 ? 1 : nil
        }
        defer { ccs_free(prompt) }
        let path = takeString(item)
        return path == "/" ? nil : path
    }

    /// Replaces only the secret of an existing item (label and attributes stay), as Codex does.
    func setSecret(of path: String, secret: [UInt8], contentType: String) throws(HelperError) {
        let session = try ensureSession()
        var (parameters, value) = try session.encode(secret)
        defer { for i in value.indices { value[i] = 0 } }
        _ = try call("replacing the secret") { cancellable, error in
            ccs_set_secret(connection, path, session.path, parameters, gsize(parameters.count), value, gsize(value.count),
                           contentType, callTimeout, cancellable, error) != 0 ? 1 : nil
        }
    }

    func setAttributes(of path: String, _ attributes: [String: String]) throws(HelperError) {
        let table = makeAttributeTable(attributes)
        defer { ccs_hash_table_unref(table) }
        _ = try call("updating item attributes") { cancellable, error in
            ccs_set_attributes(connection, Self.busName, path, table, callTimeout, cancellable, error) != 0 ? 1 : nil
        }
    }

    /// Deletes an item; returns the path of the prompt the provider wants answered first, or nil when it is gone.
    func deleteItem(_ path: String) throws(HelperError) -> String? {
        var prompt: UnsafeMutablePointer<gchar>? = nil
        _ = try call("deleting the keyring item") { cancellable, error in
            ccs_delete_item(connection, path, callTimeout, cancellable, &prompt, error) != 0 ? 1 : nil
        }
        let promptPath = takeString(prompt)
        return promptPath == "/" ? nil : promptPath
    }

    /// Runs a prompt the provider asked for (through libsecret) and waits for a person to answer it, bounded by
    /// `promptDeadline`. Returns false when it was dismissed.
    func runPrompt(_ prompt: String, promptDeadline: Deadline) throws(HelperError) -> Bool {
        let service = try promptService(promptDeadline)
        var dismissed = false
        _ = try Self.bounded(promptDeadline, phase: "waiting for the prompt") { cancellable, error -> Int? in
            if ccs_prompt_sync(service, prompt, cancellable, error) != 0 { return 1 }
            if error.pointee == nil { dismissed = true; return 1 }
            return nil
        }
        return !dismissed
    }

    /// Asks the provider to unlock `paths` (it shows a prompt). Bounded by `promptDeadline`, not the call deadline.
    /// Returns the paths that are now unlocked.
    func unlock(_ paths: [String], promptDeadline: Deadline) throws(HelperError) -> [String] {
        var unlocked: UnsafeMutablePointer<UnsafeMutablePointer<gchar>?>? = nil
        var cStrings = paths.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        cStrings.append(nil)
        let service = try promptService(promptDeadline)
        _ = try Self.bounded(promptDeadline, phase: "waiting for the unlock prompt") { cancellable, error in
            cStrings.withUnsafeMutableBufferPointer { buffer -> Int? in
                buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<gchar>?.self, capacity: buffer.count) {
                    ccs_unlock_paths_sync(service, $0, cancellable, &unlocked, error) >= 0 ? 1 : nil
                }
            }
        }
        return takeStrings(unlocked)
    }

    // MARK: - Plumbing

    /// GDBus's own per-call timeout, as a second bound behind the watchdog.
    private var callTimeout: gint { gint(max(1, min(deadline.remaining, Int(Int32.max)))) }

    /// The session, opened on first use: the encrypted algorithm, or plain where the provider has no other.
    private func ensureSession() throws(HelperError) -> SecretSession {
        if let session { return session }
        let exchange = SecretSession.KeyExchange()
        var output: UnsafeMutablePointer<guint8>? = nil
        var outputLength: gsize = 0
        var path: UnsafeMutablePointer<gchar>? = nil
        let opened: SecretSession
        do throws(HelperError) {
            _ = try call("opening an encrypted Secret Service session") { cancellable, error in
                exchange.publicKey.withUnsafeBufferPointer { key in
                    ccs_open_session(connection, SecretSession.dhAlgorithm, key.baseAddress, gsize(key.count), callTimeout,
                                     cancellable, &output, &outputLength, &path, error) != 0 ? 1 : nil
                }
            }
            let serverKey = takeBytes(output, outputLength)
            let sessionPath = takeString(path)
            guard let key = exchange.sessionKey(serverPublicKey: serverKey) else {
                throw HelperError(
                    .unavailable,
                    "The Secret Service answered the session key exchange with an unusable public key "
                        + "(\(serverKey.count) bytes).", reason: "the Secret Service's session key exchange failed")
            }
            opened = SecretSession(path: sessionPath, algorithm: .dh(key))
        } catch where error.reason == SecretServiceErrors.notSupportedReason {
            Trace.shared.log("secret-service: the provider offers no encrypted session; using plain, as libsecret does")
            _ = try call("opening a plain Secret Service session") { cancellable, error in
                ccs_open_session(connection, "plain", nil, 0, callTimeout, cancellable, &output, &outputLength, &path,
                                 error) != 0 ? 1 : nil
            }
            ccs_free(output)
            opened = SecretSession(path: takeString(path), algorithm: .plain)
        }
        session = opened
        return opened
    }

    /// libsecret's `SecretService`, opened the first time a prompt must be run.
    private func promptService(_ promptDeadline: Deadline) throws(HelperError) -> UnsafeMutablePointer<SecretService> {
        if let prompter { return prompter }
        let service = try Self.bounded(promptDeadline, phase: "opening libsecret's Secret Service proxy") {
            cancellable, error in ccs_service_open_sync(cancellable, error)
        }
        prompter = service
        return service
    }

    /// One GDBus call, bounded by GDBus's own timeout (`callTimeout`, the time left before the deadline): no watchdog
    /// thread is needed for a call that cannot wait on anything else.
    private func call<T>(
        _ phase: String,
        _ body: (UnsafeMutablePointer<GCancellable>?, UnsafeMutablePointer<UnsafeMutablePointer<GError>?>) -> T?
    ) throws(HelperError) -> T {
        try Self.bounded(deadline, phase: phase, watchdog: false, body)
    }

    /// Runs one libsecret/GIO call within `deadline`. With `watchdog`, the call gets a GCancellable that a watchdog
    /// thread cancels at the deadline (for what has no timeout of its own: connecting, prompts); without, the call
    /// gets no cancellable and must bound itself (a GDBus call with `callTimeout`).
    private static func bounded<T>(
        _ deadline: Deadline, phase: String, watchdog: Bool = true,
        _ body: (UnsafeMutablePointer<GCancellable>?, UnsafeMutablePointer<UnsafeMutablePointer<GError>?>) -> T?
    ) throws(HelperError) -> T {
        let remaining = deadline.remaining
        guard remaining > 0 else { throw timeoutError(deadline, phase: phase) }
        var cancellable: UnsafeMutablePointer<GCancellable>? = nil
        if watchdog {
            guard let made = ccs_cancellable_new() else {
                throw HelperError(.internalError, "Could not allocate a GCancellable.")
            }
            cancellable = made
        }
        defer { if let cancellable { ccs_object_unref(UnsafeMutableRawPointer(cancellable)) } }
        let dog = cancellable.map { ccs_watchdog_start($0, remaining) }
        var error: UnsafeMutablePointer<GError>? = nil
        let started = Deadline.nowMilliseconds()
        let result = body(cancellable, &error)
        let fired = dog.map { ccs_watchdog_stop($0) != 0 } ?? false
        let timedOut = fired || error.map { ccs_is_timeout_error($0) != 0 } ?? false
        Trace.shared.log(
            "secret-service: \(phase): \(Deadline.nowMilliseconds() - started) ms, "
                + (timedOut ? "timed out" : error.map { "error (domain \($0.pointee.domain), code \($0.pointee.code))" } ?? "ok"))
        if let error {
            defer { ccs_error_free(error) }
            if timedOut { throw timeoutError(deadline, phase: phase) }
            throw SecretServiceErrors.convert(
                domain: error.pointee.domain, code: error.pointee.code,
                message: error.pointee.message.map { String(cString: $0) } ?? "", phase: phase)
        }
        if fired { throw timeoutError(deadline, phase: phase) }
        guard let result else {
            throw HelperError(.unavailable, "The Secret Service gave no answer while \(phase).")
        }
        return result
    }

    private static func timeoutError(_ deadline: Deadline, phase: String) -> HelperError {
        let seconds = Double(deadline.timeoutMilliseconds) / 1000
        let shown = seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
        return HelperError(
            .timeout,
            "The Secret Service did not answer within \(shown) s while \(phase); the keyring daemon may be hung or "
                + "waiting for a prompt. Retry, raise --timeout, or restart the keyring daemon.",
            reason: "the Secret Service did not answer within \(shown) s")
    }

    private func makeAttributeTable(_ attributes: [String: String]) -> OpaquePointer {
        let table = ccs_attributes_new()!
        for (key, value) in attributes { ccs_attributes_set(table, key, value) }
        return table
    }

    /// A copy of a GLib string, freed.
    private func takeString(_ text: UnsafeMutablePointer<gchar>?) -> String {
        guard let text else { return "" }
        defer { ccs_free(text) }
        return String(cString: text)
    }

    /// A copy of a g_malloc'd byte buffer, wiped and freed.
    private func takeBytes(_ bytes: UnsafeMutablePointer<guint8>?, _ length: gsize) -> [UInt8] {
        guard let bytes else { return [] }
        let count = Int(length)
        defer {
            bytes.initialize(repeating: 0, count: count)
            ccs_free(bytes)
        }
        return Array(UnsafeBufferPointer(start: bytes, count: count))
    }

    private func takeStrings(_ array: UnsafeMutablePointer<UnsafeMutablePointer<gchar>?>?) -> [String] {
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
}
