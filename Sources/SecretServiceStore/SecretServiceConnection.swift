internal import CLibSecret
import CredentialCore

#if canImport(Glibc)
import Glibc
#endif

/// One libsecret `SecretService` proxy and the calls the store makes on it. Every call is bounded: it runs
/// with a fresh GCancellable that a watchdog thread cancels at the operation's deadline.
///
/// Owns its `SecretService` reference and releases it in deinit; every GError is converted to a
/// `HelperError` and freed where it is converted; every string array from libsecret is freed after copying.
final class SecretServiceConnection {
    private let service: UnsafeMutablePointer<SecretService>
    private let deadline: Deadline
    private var sessionOpen = false

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

    private init(service: UnsafeMutablePointer<SecretService>, deadline: Deadline) {
        self.service = service
        self.deadline = deadline
    }

    deinit { ccs_object_unref(UnsafeMutableRawPointer(service)) }

    /// Connects to the session bus and makes a proxy for the Secret Service.
    static func open(deadline: Deadline) throws(HelperError) -> SecretServiceConnection {
        try loadLibsecret()
        let pointer = try bounded(deadline, phase: "connecting to the Secret Service") { cancellable, error in
            ccs_service_open_sync(cancellable, error)
        }
        return SecretServiceConnection(service: pointer, deadline: deadline)
    }

    /// libsecret is loaded on first use (see ccs_shim.h); without it there is no keyring to reach.
    private static func loadLibsecret() throws(HelperError) {
        var problem: UnsafePointer<CChar>? = nil
        guard ccs_load(&problem) == 0 else { return }
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
            ccs_search_paths_sync(service, table, cancellable, &unlocked, &locked, error) != 0
                ? 1 : nil
        }
        return (takeStrings(unlocked), takeStrings(locked))
    }

    /// The secret bytes of an unlocked item.
    func secret(of path: String) throws(HelperError) -> [UInt8] {
        try ensureSession()
        let value = try call("reading the secret") { cancellable, error in
            ccs_get_secret_sync(service, path, cancellable, error)
        }
        defer { ccs_secret_value_unref(value) }
        var length = 0
        guard let bytes = ccs_secret_value_bytes(value, &length) else { return [] }
        return Array(UnsafeBufferPointer(start: bytes, count: length))
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
        var missing = false
        let path = try call("looking up the default collection") { cancellable, error -> UnsafeMutablePointer<gchar>? in
            let result = ccs_read_alias_sync(service, alias, cancellable, error)
            if result == nil, error.pointee == nil { missing = true }
            return result
        } orMissing: { missing }
        guard let path else { return nil }
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

    /// Creates an item and returns its path. Never replaces: the store finds and updates existing items itself,
    /// because Secret Service "replace" matches on the full attribute set, metadata included.
    func createItem(in collection: String, label: String, attributes: [String: String], secret: [UInt8],
                    contentType: String) throws(HelperError) -> String {
        try ensureSession()
        let table = makeAttributeTable(attributes)
        defer { ccs_hash_table_unref(table) }
        let properties = ccs_item_properties_new(label, table)
        defer { ccs_hash_table_unref(properties) }
        let value = makeValue(secret, contentType: contentType)
        defer { ccs_secret_value_unref(value) }
        let path = try call("creating the keyring item") { cancellable, error in
            ccs_create_item_sync(service, collection, properties, value, cancellable, error)
        }
        defer { ccs_free(path) }
        return String(cString: path)
    }

    /// Replaces only the secret of an existing item (label and attributes stay), as Codex does.
    func setSecret(of path: String, secret: [UInt8], contentType: String) throws(HelperError) {
        try ensureSession()
        let value = makeValue(secret, contentType: contentType)
        defer { ccs_secret_value_unref(value) }
        _ = try call("replacing the secret") { cancellable, error in
            ccs_set_secret_sync(service, path, value, cancellable, error) != 0 ? 1 : nil
        }
    }

    func setAttributes(of path: String, _ attributes: [String: String]) throws(HelperError) {
        let table = makeAttributeTable(attributes)
        defer { ccs_hash_table_unref(table) }
        _ = try call("updating item attributes") { cancellable, error in
            ccs_set_attributes(connection, Self.busName, path, table, callTimeout, cancellable, error) != 0 ? 1 : nil
        }
    }

    func deleteItem(_ path: String) throws(HelperError) {
        _ = try call("deleting the keyring item") { cancellable, error in
            ccs_delete_item_sync(service, path, cancellable, error) != 0 ? 1 : nil
        }
    }

    /// Asks the provider to unlock `paths` (it shows a prompt). Bounded by `promptDeadline`, not the call deadline.
    /// Returns the paths that are now unlocked.
    func unlock(_ paths: [String], promptDeadline: Deadline) throws(HelperError) -> [String] {
        var unlocked: UnsafeMutablePointer<UnsafeMutablePointer<gchar>?>? = nil
        var cStrings = paths.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        cStrings.append(nil)
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

    private var connection: OpaquePointer? { ccs_service_connection(service) }

    /// GDBus's own per-call timeout, as a second bound behind the watchdog.
    private var callTimeout: gint { gint(max(1, min(deadline.remaining, Int(Int32.max)))) }

    private func ensureSession() throws(HelperError) {
        guard !sessionOpen else { return }
        _ = try call("opening a Secret Service session") { cancellable, error in
            ccs_ensure_session_sync(service, cancellable, error) != 0 ? 1 : nil
        }
        sessionOpen = true
    }

    private func call<T>(
        _ phase: String,
        _ body: (UnsafeMutablePointer<GCancellable>, UnsafeMutablePointer<UnsafeMutablePointer<GError>?>) -> T?
    ) throws(HelperError) -> T {
        try Self.bounded(deadline, phase: phase, body)
    }

    /// Like `call`, for functions whose nil result without an error means "not there".
    private func call<T>(
        _ phase: String,
        _ body: (UnsafeMutablePointer<GCancellable>, UnsafeMutablePointer<UnsafeMutablePointer<GError>?>) -> T?,
        orMissing isMissing: () -> Bool
    ) throws(HelperError) -> T? {
        do {
            return try Self.bounded(deadline, phase: phase, body)
        } catch {
            if isMissing() { return nil }
            throw error
        }
    }

    /// Runs one libsecret/GIO call with a GCancellable that a watchdog cancels at `deadline`.
    private static func bounded<T>(
        _ deadline: Deadline, phase: String,
        _ body: (UnsafeMutablePointer<GCancellable>, UnsafeMutablePointer<UnsafeMutablePointer<GError>?>) -> T?
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

    private func makeValue(_ secret: [UInt8], contentType: String) -> OpaquePointer {
        secret.withUnsafeBufferPointer { buffer in
            ccs_secret_value_new(buffer.baseAddress, gssize(buffer.count), contentType)
        }
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
