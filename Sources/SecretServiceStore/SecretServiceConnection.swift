internal import CLibSecret
import CredentialCore

#if canImport(Glibc)
import Glibc
#endif

/// A private D-Bus connection to the Secret Service and the calls the store makes on it, with this process's own
/// encrypted session (`SecretSession`). libsecret is used for what it does best and rarely: running a prompt
/// (unlocking a collection), on a `SecretService` opened only then. Every call is bounded by the operation's
/// deadline: D-Bus method calls by GDBus's own timeout (`batch`), connecting and prompts by a GCancellable that a
/// watchdog thread cancels (`bounded`).
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
    //
    // Each public call below is one round trip: the D-Bus calls it makes are sent together (`batch`).

    private static let serviceInterface = "org.freedesktop.Secret.Service"
    private static let itemInterface = "org.freedesktop.Secret.Item"
    private static let collectionInterface = "org.freedesktop.Secret.Collection"
    private static let propertiesInterface = "org.freedesktop.DBus.Properties"

    /// Item paths matching every attribute, split by lock state.
    func search(_ attributes: [String: String]) throws(HelperError) -> (unlocked: [String], locked: [String]) {
        let replies = try batch("searching the keyring", [searchCall(attributes)])
        return try searchResult(replies[0])
    }

    /// The same, with the session opened in the same round trip when the provider offers the encrypted one (a
    /// search is nearly always followed by reading or writing a secret).
    func searchOpeningSession(_ attributes: [String: String]) throws(HelperError)
        -> (unlocked: [String], locked: [String])
    {
        guard session == nil else { return try search(attributes) }
        let exchange = SecretSession.KeyExchange()
        let replies = try batch(
            "searching the keyring and opening an encrypted session", [searchCall(attributes), openSessionCall(exchange)])
        let found = try searchResult(replies[0])
        session = try? openedSession(replies[1], exchange)
        return found
    }

    /// The secret bytes and the attributes of an unlocked item, in one round trip.
    func secretAndAttributes(of path: String) throws(HelperError) -> (secret: [UInt8], attributes: [String: String]) {
        let session = try ensureSession()
        let replies = try batch("reading the secret and the attributes", [getSecretCall(path, session), attributesCall(path)])
        return (try secretResult(replies[0], session), try attributesResult(replies[1]))
    }

    /// An item's attributes.
    func attributes(of path: String) throws(HelperError) -> [String: String] {
        try attributesResult(try batch("reading item attributes", [attributesCall(path)])[0])
    }

    /// The object path of the collection behind `alias`, or nil when there is none.
    func collection(forAlias alias: String) throws(HelperError) -> String? {
        let call = DBusCall(Self.servicePath, Self.serviceInterface, "ReadAlias", ccs_params_string(alias), "(o)")
        let path = try batch("looking up the default collection", [call])[0].read { takeString(ccs_reply_path($0, 0)) }
        return path == "/" ? nil : path
    }

    func isLocked(collection path: String) throws(HelperError) -> Bool {
        let call = DBusCall(path, Self.propertiesInterface, "Get",
                            ccs_params_property_get(Self.collectionInterface, "Locked"), "(v)")
        let reply = try batch("checking whether the collection is locked", [call])[0]
        let value = try reply.read { ccs_reply_property($0) }
        defer { ccs_variant_unref(value) }
        return ccs_variant_boolean(value, 1) != 0
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
        let call = DBusCall(
            collection, Self.collectionInterface, "CreateItem",
            ccs_params_create_item(label, table, session.path, parameters, gsize(parameters.count), value,
                                   gsize(value.count), contentType), "(oo)")
        let path = try batch("creating the keyring item", [call])[0].read { takeString(ccs_reply_path($0, 0)) }
        return path == "/" ? nil : path
    }

    /// Replaces only the secret of an existing item (label and attributes stay), as Codex does, and reads the
    /// item's attributes in the same round trip.
    func setSecretReadingAttributes(of path: String, secret: [UInt8], contentType: String) throws(HelperError)
        -> [String: String]
    {
        let session = try ensureSession()
        var (parameters, value) = try session.encode(secret)
        defer { for i in value.indices { value[i] = 0 } }
        let setSecret = DBusCall(
            path, Self.itemInterface, "SetSecret",
            ccs_params_set_secret(session.path, parameters, gsize(parameters.count), value, gsize(value.count),
                                  contentType), nil)
        let replies = try batch("replacing the secret and reading the attributes", [setSecret, attributesCall(path)])
        try replies[0].check()
        return try attributesResult(replies[1])
    }

    func setAttributes(of path: String, _ attributes: [String: String]) throws(HelperError) {
        let table = makeAttributeTable(attributes)
        defer { ccs_hash_table_unref(table) }
        let call = DBusCall(path, Self.propertiesInterface, "Set", ccs_params_set_attributes(table), nil)
        try batch("updating item attributes", [call])[0].check()
    }

    /// Deletes an item; returns the path of the prompt the provider wants answered first, or nil when it is gone.
    func deleteItem(_ path: String) throws(HelperError) -> String? {
        let call = DBusCall(path, Self.itemInterface, "Delete", nil, "(o)")
        let prompt = try batch("deleting the keyring item", [call])[0].read { takeString(ccs_reply_path($0, 0)) }
        return prompt == "/" ? nil : prompt
    }

    // MARK: - Calls and their replies

    private func searchCall(_ attributes: [String: String]) -> DBusCall {
        let table = makeAttributeTable(attributes)
        defer { ccs_hash_table_unref(table) }
        return DBusCall(Self.servicePath, Self.serviceInterface, "SearchItems", ccs_params_search(table), "(aoao)")
    }

    private func searchResult(_ reply: Reply) throws(HelperError) -> (unlocked: [String], locked: [String]) {
        var unlocked: UnsafeMutablePointer<UnsafeMutablePointer<gchar>?>? = nil
        var locked: UnsafeMutablePointer<UnsafeMutablePointer<gchar>?>? = nil
        try reply.read { ccs_reply_two_path_lists($0, &unlocked, &locked) }
        return (takeStrings(unlocked), takeStrings(locked))
    }

    private func openSessionCall(_ exchange: SecretSession.KeyExchange?) -> DBusCall {
        let parameters = exchange.map { exchange in
            exchange.publicKey.withUnsafeBufferPointer {
                ccs_params_open_session(SecretSession.dhAlgorithm, $0.baseAddress, gsize($0.count))
            }
        } ?? ccs_params_open_session("plain", nil, 0)
        return DBusCall(Self.servicePath, Self.serviceInterface, "OpenSession", parameters, "(vo)")
    }

    /// The session an OpenSession reply opened: encrypted with `exchange`, or plain without.
    private func openedSession(_ reply: Reply, _ exchange: SecretSession.KeyExchange?) throws(HelperError) -> SecretSession {
        var output: UnsafeMutablePointer<guint8>? = nil
        var outputLength: gsize = 0
        var path: UnsafeMutablePointer<gchar>? = nil
        try reply.read { ccs_reply_open_session($0, &output, &outputLength, &path) }
        let serverKey = takeBytes(output, outputLength)
        let sessionPath = takeString(path)
        guard let exchange else { return SecretSession(path: sessionPath, algorithm: .plain) }
        guard let key = exchange.sessionKey(serverPublicKey: serverKey) else {
            throw HelperError(
                .unavailable,
                "The Secret Service answered the session key exchange with an unusable public key "
                    + "(\(serverKey.count) bytes).", reason: "the Secret Service's session key exchange failed")
        }
        return SecretSession(path: sessionPath, algorithm: .dh(key))
    }

    private func getSecretCall(_ path: String, _ session: SecretSession) -> DBusCall {
        DBusCall(path, Self.itemInterface, "GetSecret", ccs_params_object_path(session.path), "((oayays))")
    }

    private func secretResult(_ reply: Reply, _ session: SecretSession) throws(HelperError) -> [UInt8] {
        var parameters: UnsafeMutablePointer<guint8>? = nil
        var value: UnsafeMutablePointer<guint8>? = nil
        var parametersLength: gsize = 0
        var valueLength: gsize = 0
        try reply.read { ccs_reply_secret($0, &parameters, &parametersLength, &value, &valueLength) }
        var encoded = takeBytes(value, valueLength)
        defer { for i in encoded.indices { encoded[i] = 0 } }
        return try session.decode(parameters: takeBytes(parameters, parametersLength), value: encoded)
    }

    private func attributesCall(_ path: String) -> DBusCall {
        DBusCall(path, Self.propertiesInterface, "Get", ccs_params_property_get(Self.itemInterface, "Attributes"), "(v)")
    }

    private func attributesResult(_ reply: Reply) throws(HelperError) -> [String: String] {
        let variant = try reply.read { ccs_reply_property($0) }
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

    /// The session, opened on first use: the encrypted algorithm, or plain where the provider has no other.
    private func ensureSession() throws(HelperError) -> SecretSession {
        if let session { return session }
        let exchange = SecretSession.KeyExchange()
        let opened: SecretSession
        do throws(HelperError) {
            opened = try openedSession(try batch("opening an encrypted session", [openSessionCall(exchange)])[0], exchange)
        } catch where error.reason == SecretServiceErrors.notSupportedReason {
            Trace.shared.log("secret-service: the provider offers no encrypted session; using plain, as libsecret does")
            opened = try openedSession(try batch("opening a plain session", [openSessionCall(nil)])[0], nil)
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

    /// One method call to send (parameters: a floating GVariant, consumed by the call).
    struct DBusCall {
        var path: String
        var interface: String
        var method: String
        var parameters: OpaquePointer?
        var replyType: String?

        init(_ path: String, _ interface: String, _ method: String, _ parameters: OpaquePointer?, _ replyType: String?) {
            (self.path, self.interface, self.method, self.parameters, self.replyType) =
                (path, interface, method, parameters, replyType)
        }
    }

    /// A call's reply, or what went wrong with it. Frees the reply with itself.
    final class Reply {
        private let variant: OpaquePointer?
        private let error: HelperError?

        init(variant: OpaquePointer?, error: HelperError?) {
            self.variant = variant
            self.error = error
        }

        deinit { ccs_variant_unref(variant) }

        /// Reads the reply while it is alive (the GVariant is freed with this object, which may be as soon as
        /// its last use), or throws the call's error.
        func read<T>(_ body: (OpaquePointer) -> T) throws(HelperError) -> T {
            try check()
            defer { withExtendedLifetime(self) {} }
            return body(variant!)
        }

        /// Throws the call's error, if it failed.
        func check() throws(HelperError) {
            if let error { throw error }
            if variant == nil { throw HelperError(.unavailable, "The Secret Service sent an empty reply.") }
        }
    }

    /// Sends `calls` together and waits for every reply: one round trip, bounded by the time left before the
    /// deadline (GDBus's own per-call timeout; no watchdog thread is needed for calls that wait on nothing else).
    private func batch(_ phase: String, _ calls: [DBusCall]) throws(HelperError) -> [Reply] {
        let remaining = deadline.remaining
        guard remaining > 0 else {
            for call in calls { ccs_variant_sink_unref(call.parameters) }
            throw Self.timeoutError(deadline, phase: phase)
        }
        var strings: [UnsafeMutablePointer<CChar>?] = []
        defer { strings.forEach { free($0) } }
        func keep(_ text: String?) -> UnsafePointer<CChar>? {
            guard let text else { return nil }
            let copy = strdup(text)
            strings.append(copy)
            return UnsafePointer(copy)
        }
        var pending = calls.map { call in
            CCSCall(path: keep(call.path), interface: keep(call.interface), method: keep(call.method),
                    parameters: call.parameters, reply_type: keep(call.replyType), reply: nil, error: nil, done: 0)
        }
        let started = Deadline.nowMilliseconds()
        ccs_call_batch(connection, &pending, Int32(pending.count), gint(max(1, min(remaining, Int(Int32.max)))))
        var timedOut = false
        var failed = 0
        let replies = pending.map { call -> Reply in
            guard let error = call.error else { return Reply(variant: call.reply, error: nil) }
            defer { ccs_error_free(error) }
            failed += 1
            if ccs_is_timeout_error(error) != 0 {
                timedOut = true
                return Reply(variant: nil, error: Self.timeoutError(deadline, phase: phase))
            }
            return Reply(variant: nil, error: SecretServiceErrors.convert(
                domain: error.pointee.domain, code: error.pointee.code,
                message: error.pointee.message.map { String(cString: $0) } ?? "", phase: phase))
        }
        Trace.shared.log(
            "secret-service: \(phase): \(Deadline.nowMilliseconds() - started) ms, \(pending.count) call(s), "
                + (timedOut ? "timed out" : failed == 0 ? "ok" : "\(failed) failed"))
        return replies
    }

    /// Runs one libsecret/GIO call that has no timeout of its own (connecting, a prompt) within `deadline`: it
    /// gets a GCancellable that a watchdog thread cancels at the deadline.
    private static func bounded<T>(
        _ deadline: Deadline, phase: String,
        _ body: (UnsafeMutablePointer<GCancellable>?, UnsafeMutablePointer<UnsafeMutablePointer<GError>?>) -> T?
    ) throws(HelperError) -> T {
        let remaining = deadline.remaining
        guard remaining > 0 else { throw timeoutError(deadline, phase: phase) }
        guard let cancellable = ccs_cancellable_new() else {
            throw HelperError(.internalError, "Could not allocate a GCancellable.")
        }
        defer { ccs_object_unref(UnsafeMutableRawPointer(cancellable)) }
        let watchdog = ccs_watchdog_start(cancellable, remaining)
        var error: UnsafeMutablePointer<GError>? = nil
        let started = Deadline.nowMilliseconds()
        let result = body(cancellable, &error)
        let fired = ccs_watchdog_stop(watchdog) != 0
        Trace.shared.log(
            "secret-service: \(phase): \(Deadline.nowMilliseconds() - started) ms, "
                + (fired ? "timed out" : error.map { "error (domain \($0.pointee.domain), code \($0.pointee.code))" } ?? "ok"))
        if let error {
            defer { ccs_error_free(error) }
            if fired { throw timeoutError(deadline, phase: phase) }
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
