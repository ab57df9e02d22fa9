internal import CLibSecret
import CredentialCore

#if canImport(Glibc)
import Glibc
#endif

/// A private D-Bus connection to the Secret Service (`DBusConnection`: a socket of our own, no GLib) and the calls
/// the store makes on it, with this process's own encrypted session (`SecretSession`). libsecret is used for what
/// it does best and rarely: running a prompt (unlocking a collection, confirming a deletion); it is loaded, with
/// GLib, only then. Every call is bounded by the operation's deadline: D-Bus method calls by `poll` on the socket
/// (`batch`), prompts by a GCancellable that a watchdog thread cancels (`bounded`).
///
/// Owns its connection (and prompt service) and releases them in deinit; every GError is converted to a
/// `HelperError` and freed where it is converted; every string and array from GLib is freed after copying.
final class SecretServiceConnection {
    private let bus: DBusConnection
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

    private static let serviceName = "org.freedesktop.secrets"
    private static let servicePath = "/org/freedesktop/secrets"

    private init(bus: DBusConnection, deadline: Deadline) {
        self.bus = bus
        self.deadline = deadline
    }

    deinit {
        if let prompter { ccs_object_unref(UnsafeMutableRawPointer(prompter)) }
    }

    /// Connects to the session bus of `environment` (a connection of our own, authenticated; the bus's Hello goes
    /// out with the first calls). Fails at once, touching nothing, when there is no session bus at all.
    static func open(environment: [String: String], deadline: Deadline) throws(HelperError) -> SecretServiceConnection {
        let phase = "connecting to the session bus"
        let addresses: [DBusConnection.SocketAddress]
        do throws(DBusConnection.Failure) {
            addresses = try DBusConnection.sessionBusAddresses(environment: environment)
        } catch where (environment["DBUS_SESSION_BUS_ADDRESS"] ?? "").isEmpty {
            throw HelperError(
                .unavailable,
                "No D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set and $XDG_RUNTIME_DIR/bus does not exist, so "
                    + "no keyring is reachable. Run inside a desktop session or under `dbus-run-session`.",
                reason: "no D-Bus session bus")
        } catch {
            throw convert(error, deadline: deadline, phase: phase)
        }
        let started = Deadline.nowMilliseconds()
        let connection: SecretServiceConnection
        do throws(DBusConnection.Failure) {
            let bus = try DBusConnection.open(addresses, deadline: deadline)
            Trace.shared.log("secret-service: \(phase): \(Deadline.nowMilliseconds() - started) ms, ok")
            connection = SecretServiceConnection(bus: bus, deadline: deadline)
        } catch {
            Trace.shared.log("secret-service: \(phase): \(Deadline.nowMilliseconds() - started) ms, failed")
            throw convert(error, deadline: deadline, phase: phase)
        }
        try connection.greet()
        return connection
    }

    /// The first round trip to the provider reads a property of the service, as libsecret's proxy does first, and
    /// only then come the calls that act for this connection. gnome-keyring sets up its state for a new connection
    /// in an idle callback that it schedules for each incoming message; a connection whose first messages are
    /// SearchItems and OpenSession can be served before that state exists, and then gnome-keyring refuses the
    /// search ("not implemented") and, for OpenSession, crashes (an OpenSession reply built from nothing): seen in
    /// this project's concurrency tests. A property read needs no such state, and once its reply is here the state
    /// has been set up. Only a missing provider or no answer ends the command here; any other error is left for
    /// the calls that follow to meet.
    private func greet() throws(HelperError) {
        let call = DBusCall(Self.servicePath, Self.propertiesInterface, "Get",
                            [.string(Self.serviceInterface), .string("Collections")], "v")
        do throws(HelperError) {
            _ = try batch("greeting the Secret Service", [call])[0].values()
        } catch where error.code == .timeout || error.reason == SecretServiceErrors.noProviderReason
            || error.reason == SecretServiceErrors.unreachableReason
        {
            throw error
        } catch {
            Trace.shared.log("secret-service: the provider did not answer the greeting (\(error.reason ?? "an error")); going on")
        }
    }

    /// libsecret is loaded when a prompt must be run (see ccs_shim.h).
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
            "libsecret is not installed or not usable (\(detail)), so the keyring's prompt cannot be shown. Install "
                + "libsecret-1-0, or use --backend file.",
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
        let call = DBusCall(Self.servicePath, Self.serviceInterface, "ReadAlias", [.string(alias)], "o")
        let path = try batch("looking up the default collection", [call])[0].path(0)
        return path == "/" ? nil : path
    }

    func isLocked(collection path: String) throws(HelperError) -> Bool {
        let call = DBusCall(path, Self.propertiesInterface, "Get",
                            [.string(Self.collectionInterface), .string("Locked")], "v")
        let value = try batch("checking whether the collection is locked", [call])[0].values()[0].variantValue
        return value?.booleanValue ?? true
    }

    /// Creates an item and returns its path, or nil when the provider wants a prompt first (the collection is
    /// locked). Never replaces: the store finds and updates existing items itself, because Secret Service "replace"
    /// matches on the full attribute set, metadata included.
    func createItem(in collection: String, label: String, attributes: [String: String], secret: [UInt8],
                    contentType: String) throws(HelperError) -> String? {
        let session = try ensureSession()
        let secretValue = try secretStruct(session, secret, contentType)
        let properties = DBusValue.array(element: "{sv}", [
            .dictEntry(.string("org.freedesktop.Secret.Item.Label"), .variant(.string(label))),
            .dictEntry(.string("org.freedesktop.Secret.Item.Attributes"), .variant(.stringDictionary(attributes))),
        ])
        let call = DBusCall(collection, Self.collectionInterface, "CreateItem",
                            [properties, secretValue, .boolean(false)], "oo")
        let path = try batch("creating the keyring item", [call])[0].path(0)
        return path == "/" ? nil : path
    }

    /// Replaces only the secret of an existing item (label and attributes stay), as Codex does, and reads the
    /// item's attributes in the same round trip.
    func setSecretReadingAttributes(of path: String, secret: [UInt8], contentType: String) throws(HelperError)
        -> [String: String]
    {
        let session = try ensureSession()
        let secretValue = try secretStruct(session, secret, contentType)
        let setSecret = DBusCall(path, Self.itemInterface, "SetSecret", [secretValue], "")
        let replies = try batch("replacing the secret and reading the attributes", [setSecret, attributesCall(path)])
        _ = try replies[0].values()
        return try attributesResult(replies[1])
    }

    func setAttributes(of path: String, _ attributes: [String: String]) throws(HelperError) {
        let call = DBusCall(path, Self.propertiesInterface, "Set",
                            [.string(Self.itemInterface), .string("Attributes"), .variant(.stringDictionary(attributes))],
                            "")
        _ = try batch("updating item attributes", [call])[0].values()
    }

    /// Deletes an item; returns the path of the prompt the provider wants answered first, or nil when it is gone.
    func deleteItem(_ path: String) throws(HelperError) -> String? {
        let call = DBusCall(path, Self.itemInterface, "Delete", [], "o")
        let prompt = try batch("deleting the keyring item", [call])[0].path(0)
        return prompt == "/" ? nil : prompt
    }

    // MARK: - Calls and their replies

    private func searchCall(_ attributes: [String: String]) -> DBusCall {
        DBusCall(Self.servicePath, Self.serviceInterface, "SearchItems", [.stringDictionary(attributes)], "aoao")
    }

    private func searchResult(_ reply: Reply) throws(HelperError) -> (unlocked: [String], locked: [String]) {
        let values = try reply.values()
        return (values[0].stringArray ?? [], values[1].stringArray ?? [])
    }

    private func openSessionCall(_ exchange: SecretSession.KeyExchange?) -> DBusCall {
        let parameters: [DBusValue] = exchange.map { [.string(SecretSession.dhAlgorithm), .variant(.bytes($0.publicKey))] }
            ?? [.string("plain"), .variant(.string(""))]
        return DBusCall(Self.servicePath, Self.serviceInterface, "OpenSession", parameters, "vo")
    }

    /// The session an OpenSession reply opened: encrypted with `exchange`, or plain without.
    private func openedSession(_ reply: Reply, _ exchange: SecretSession.KeyExchange?) throws(HelperError) -> SecretSession {
        let values = try reply.values()
        let serverKey = values[0].variantValue?.bytesValue ?? []
        let sessionPath = values[1].stringValue ?? "/"
        guard let exchange else { return SecretSession(path: sessionPath, algorithm: .plain) }
        guard let key = exchange.sessionKey(serverPublicKey: serverKey) else {
            throw HelperError(
                .unavailable,
                "The Secret Service answered the session key exchange with an unusable public key "
                    + "(\(serverKey.count) bytes).", reason: "the Secret Service's session key exchange failed")
        }
        return SecretSession(path: sessionPath, algorithm: .dh(key))
    }

    /// A Secret Service secret, (oayays): the session, the parameters, the encoded value, the content type.
    private func secretStruct(_ session: SecretSession, _ secret: [UInt8], _ contentType: String) throws(HelperError)
        -> DBusValue
    {
        let (parameters, value) = try session.encode(secret)
        return .structure([.objectPath(session.path), .bytes(parameters), .bytes(value), .string(contentType)])
    }

    private func getSecretCall(_ path: String, _ session: SecretSession) -> DBusCall {
        DBusCall(path, Self.itemInterface, "GetSecret", [.objectPath(session.path)], "(oayays)")
    }

    private func secretResult(_ reply: Reply, _ session: SecretSession) throws(HelperError) -> [UInt8] {
        let fields = try reply.values()[0].fields ?? []
        var encoded = fields[2].bytesValue ?? []
        defer { for i in encoded.indices { encoded[i] = 0 } }
        return try session.decode(parameters: fields[1].bytesValue ?? [], value: encoded)
    }

    private func attributesCall(_ path: String) -> DBusCall {
        DBusCall(path, Self.propertiesInterface, "Get", [.string(Self.itemInterface), .string("Attributes")], "v")
    }

    private func attributesResult(_ reply: Reply) throws(HelperError) -> [String: String] {
        try reply.values()[0].variantValue?.stringDictionaryValue ?? [:]
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

    /// libsecret's `SecretService`, opened (with libsecret loaded) the first time a prompt must be run.
    private func promptService(_ promptDeadline: Deadline) throws(HelperError) -> UnsafeMutablePointer<SecretService> {
        if let prompter { return prompter }
        try Self.loadLibsecret()
        let service = try Self.bounded(promptDeadline, phase: "opening libsecret's Secret Service proxy") {
            cancellable, error in ccs_service_open_sync(cancellable, error)
        }
        prompter = service
        return service
    }

    /// One method call to send to the Secret Service, and the signature its reply must have.
    struct DBusCall {
        var message: DBusMessage
        var replySignature: String

        init(_ path: String, _ interface: String, _ method: String, _ arguments: [DBusValue], _ replySignature: String) {
            message = .methodCall(destination: SecretServiceConnection.serviceName, path: path, interface: interface,
                                  member: method, body: arguments)
            self.replySignature = replySignature
        }
    }

    /// A call's reply values, or what went wrong with it.
    struct Reply {
        private var body: [DBusValue] = []
        private var error: HelperError?

        init(_ body: [DBusValue]) { self.body = body }
        init(failure: HelperError) { error = failure }

        /// The reply's values (as many as its signature has), or the call's error.
        func values() throws(HelperError) -> [DBusValue] {
            if let error { throw error }
            return body
        }

        /// The object path at `index`.
        func path(_ index: Int) throws(HelperError) -> String { try values()[index].stringValue ?? "/" }
    }

    /// Sends `calls` together and waits for every reply: one round trip, bounded by the time left before the
    /// deadline (every wait on the socket is a poll with that timeout). Each reply is checked against the
    /// signature its call expects, so the readers above can index into it.
    private func batch(_ phase: String, _ calls: [DBusCall]) throws(HelperError) -> [Reply] {
        guard deadline.remaining > 0 else { throw Self.timeoutError(deadline, phase: phase) }
        let started = Deadline.nowMilliseconds()
        var outcomes: [DBusConnection.Outcome]
        var attempt = 1
        while true {
            do throws(DBusConnection.Failure) {
                outcomes = try bus.call(calls.map(\.message), deadline: deadline)
            } catch {
                Trace.shared.log("secret-service: \(phase): \(Deadline.nowMilliseconds() - started) ms, "
                    + (error == .timedOut ? "timed out" : "connection failed"))
                throw Self.convert(error, deadline: deadline, phase: phase)
            }
            // gnome-keyring answers a method of its own with "Method X is not implemented" (GDBus's words for a
            // handler that gave up) when it could not set up its per-client state for this connection in time:
            // seen once in thousands of calls under load. Such a batch is sent once more, after a short pause and
            // within the deadline; anything else is answered as it came.
            guard attempt == 1, outcomes.contains(where: Self.isTransientRefusal), deadline.remaining > 100 else { break }
            Trace.shared.log("secret-service: \(phase): the provider refused a method of its own; sending the calls again")
            attempt += 1
            usleep(50_000)
        }
        var failed = 0
        let replies = zip(calls, outcomes).map { call, outcome -> Reply in
            switch outcome {
            case .notSent(let why):
                failed += 1
                return Reply(failure: HelperError(
                    .unavailable, "The Secret Service call could not be made while \(phase) (\(why)).",
                    reason: "the Secret Service failed"))
            case .reply(let message) where message.kind == .error:
                failed += 1
                return Reply(failure: SecretServiceErrors.convert(
                    errorName: message.errorName ?? "", message: message.errorText, phase: phase))
            case .reply(let message):
                guard message.bodySignature == call.replySignature else {
                    failed += 1
                    return Reply(failure: HelperError(
                        .unavailable,
                        "The Secret Service answered with a reply of type '\(message.bodySignature)' (expected "
                            + "'\(call.replySignature)') while \(phase).", reason: "the Secret Service failed"))
                }
                return Reply(message.body)
            }
        }
        Trace.shared.log(
            "secret-service: \(phase): \(Deadline.nowMilliseconds() - started) ms, \(calls.count) call(s), "
                + (failed == 0 ? "ok" : "\(failed) failed"))
        return replies
    }

    /// An UnknownMethod error from the provider for a method the Secret Service specification defines, in GDBus's
    /// wording for a handler that returned without answering (see `batch`).
    private static func isTransientRefusal(_ outcome: DBusConnection.Outcome) -> Bool {
        guard case .reply(let message) = outcome, message.kind == .error,
              message.errorName == "org.freedesktop.DBus.Error.UnknownMethod" else { return false }
        return message.errorText.hasPrefix("Method ") && message.errorText.contains(" is not implemented on interface "
            + "org.freedesktop.Secret.")
    }

    private static func convert(_ failure: DBusConnection.Failure, deadline: Deadline, phase: String) -> HelperError {
        switch failure {
        case .timedOut:
            return timeoutError(deadline, phase: phase)
        case .unreachable(let detail), .broken(let detail):
            return HelperError(
                .unavailable,
                "Cannot reach the D-Bus session bus while \(phase) (\(detail)); no keyring is available. Run inside "
                    + "a desktop session or `dbus-run-session`.", reason: SecretServiceErrors.unreachableReason)
        }
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
            throw SecretServiceErrors.convert(error, phase: phase)
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
