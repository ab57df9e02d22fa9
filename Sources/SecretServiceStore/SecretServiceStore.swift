internal import CLibSecret
import CredentialCore

#if canImport(Glibc)
import Glibc
#endif

/// The desktop keyring through libsecret, storing exactly the item Codex itself reads:
/// service `Codex Auth`, account `cli|<hash>`, target `default`, in the default collection.
public final class SecretServiceStore: CredentialStore {
    public struct Options: Sendable {
        /// Bound on each operation's D-Bus traffic (default 5 s).
        public var timeoutMilliseconds: Int
        /// Bound on waiting for a person to answer an unlock prompt.
        public var promptTimeoutMilliseconds: Int
        /// Whether a person can answer an unlock prompt here (a display and a terminal). When false, a locked
        /// collection fails at once with `.locked` instead of showing a prompt nobody sees.
        public var canPrompt: Bool
        /// The process environment (for the session-bus check and the lock directory).
        public var environment: [String: String]
        /// For a short-lived command (get, store, erase): the last operation's connection is not freed but left to
        /// the process's exit to close, as `secret-tool` and git's helper leave theirs. Freeing one (libsecret's
        /// proxies and session, their match rules, the connection's worker) takes 0.2-0.7 ms of a command's wall
        /// time; the kernel closes the socket, and the bus daemon drops the match rules, at once when the process
        /// ends. Off by default, so that a long-lived process (the tests) frees what it opens.
        public var leaveLastConnectionToExit = false

        public init(timeoutMilliseconds: Int = 5000, promptTimeoutMilliseconds: Int = 60_000, canPrompt: Bool,
                    environment: [String: String]) {
            self.timeoutMilliseconds = timeoutMilliseconds
            self.promptTimeoutMilliseconds = promptTimeoutMilliseconds
            self.canPrompt = canPrompt
            self.environment = environment
        }
    }

    public static let service = "Codex Auth"
    public static let target = "default"
    public static let application = "rust-keyring"
    public static let genericSchema = "org.freedesktop.Secret.Generic"
    public static let contentType = "text/plain"

    public let options: Options
    public let backendName = "secret-service"
    public let displayName = "the Secret Service keyring"

    public init(options: Options) { self.options = options }

    deinit {
        if options.leaveLastConnectionToExit, let lastConnection { _ = Unmanaged.passRetained(lastConnection) }
    }

    /// Which libsecret the keyring would use: the file it loads from, and the headers the helper was built with; or
    /// why it cannot be loaded.
    public static func libsecretDescription() -> String {
        let headers = String(cString: ccs_libsecret_headers_version())
        guard let path = ccs_libsecret_path() else {
            var problem: UnsafePointer<CChar>? = nil
            _ = ccs_load(&problem)
            return "not loadable (\(problem.map { String(cString: $0) } ?? "unknown reason")); built with libsecret \(headers) headers"
        }
        defer { free(path) }
        return "\(String(cString: path)) (built with libsecret \(headers) headers)"
    }

    /// Starts loading libsecret on a thread of its own, for a command that is about to use the keyring: loading and
    /// relocating GLib then overlaps the rest of the start-up. Never called for the file backend.
    public static func preload() { SecretServiceConnection.preload() }

    /// The attributes Codex searches by.
    public static func lookupAttributes(_ home: CodexHome) -> [String: String] {
        ["service": service, "username": home.account, "target": target]
    }

    /// The attributes of a new item: Codex's five (as its Rust keyring library writes them) plus metadata.
    public static func itemAttributes(_ home: CodexHome, metadata: [String: String]) -> [String: String] {
        var attributes = metadata
        attributes["service"] = service
        attributes["username"] = home.account
        attributes["target"] = target
        attributes["application"] = application
        attributes["xdg:schema"] = genericSchema
        return attributes
    }

    public static func label(_ home: CodexHome) -> String { "Codex credential for \(home.path)" }

    // MARK: - CredentialStore

    public func load(_ home: CodexHome) throws(HelperError) -> StoredCredential? {
        let connection = try connect()
        let items = try findItems(home, connection, openingSession: true)
        guard !items.isEmpty else { return nil }
        guard items.count == 1 else {
            throw HelperError(
                .badStoredData,
                "The keyring holds \(items.count) items for account \(home.account) (\(home.path)); Codex refuses an "
                    + "account with more than one. Run `codex-credential-helper login` again to repair it (it keeps one).")
        }
        let item = try connection.item(items[0], secret: true)
        return stored(items[0], secret: item.secret, attributes: item.attributes)
    }

    /// An item as the store reports it: its secret, our metadata among its attributes, where it is.
    private func stored(_ path: String, secret: [UInt8], attributes: [String: String]) -> StoredCredential {
        StoredCredential(
            secret: secret,
            metadata: attributes.filter { CredentialMetadata.Key.all.contains($0.key) && !$0.value.isEmpty },
            location: describe(item: path), backend: backendName)
    }

    /// Attributes a provider adds to every item itself and refuses to have written (KeePassXC's `Uuid` and `Path`).
    static let providerOwnedAttributes: Set<String> = ["Uuid", "Path"]

    public func save(_ home: CodexHome, secret: [UInt8], metadata: [String: String]) throws(HelperError) -> SaveOutcome {
        // Serialise helper processes per account, so that two concurrent first logins cannot create two items.
        let lock = try FileLock.acquire(
            path: try runtimeDirectory(environment: options.environment) + "/" + lockName(home),
            timeoutMilliseconds: options.timeoutMilliseconds)
        defer { lock.unlock() }

        let connection = try connect()
        let items = try findItems(home, connection, openingSession: true)
        if let primary = items.first {
            // Replace only the secret, as Codex does (SetSecret: the label and every attribute stay), then bring our
            // own metadata up to date. The metadata is tied to the secret by its fingerprint, so a provider that
            // refuses the attribute update leaves metadata that is recognised as stale, not a failed login.
            let existing = try connection.item(primary, secret: false).attributes
            try connection.setSecret(of: primary, secret: secret, contentType: Self.contentType)
            var attributes = existing.filter {
                !CredentialMetadata.Key.all.contains($0.key) && !Self.providerOwnedAttributes.contains($0.key)
            }
            attributes.merge(metadata) { _, new in new }
            var warnings = volatileWarning(item: primary)
            if attributes != existing.filter({ !Self.providerOwnedAttributes.contains($0.key) }) {
                do throws(HelperError) {
                    try connection.setAttributes(of: primary, attributes)
                    // KeePassXC adds the attributes it is given to the ones it has rather than replacing them: a
                    // metadata key the new credential does not have (an expiry) is then written empty, which
                    // readers take for absent.
                    let stale = Set(existing.keys).intersection(CredentialMetadata.Key.all).subtracting(metadata.keys)
                    if !stale.isEmpty,
                       !stale.isDisjoint(with: try connection.item(primary, secret: false).attributes.keys)
                    {
                        for key in stale { attributes[key] = "" }
                        try connection.setAttributes(of: primary, attributes)
                    }
                } catch where error.code != .timeout {
                    Trace.shared.log("secret-service: the provider refused the metadata update (\(error.reason ?? "an error"))")
                    warnings.append(
                        "the keyring did not take the credential's metadata (name, expiry); the secret was replaced, "
                            + "and the old metadata is ignored because it does not match the new secret.")
                }
            }
            for duplicate in items.dropFirst() { try connection.deleteItem(duplicate) }
            return SaveOutcome(
                location: describe(item: primary), backend: backendName, replacedExisting: true,
                duplicatesRemoved: items.count - 1, warnings: warnings)
        }

        guard let collection = try connection.collection(forAlias: "default") else {
            throw HelperError(
                .unavailable,
                "The Secret Service has no default collection to store into. Create a keyring and make it the default "
                    + "(in Seahorse: File > New > Password Keyring, then Set as Default), or use --backend file.", reason: "the keyring has no default collection")
        }
        let state = try connection.collectionState(collection)
        let name = displayName(collection: collection, label: state.label)
        if state.locked { try unlock([collection], prompt: .unlockCollection(name), connection) }
        let path = try connection.createItem(
            in: collection, label: Self.label(home), attributes: Self.itemAttributes(home, metadata: metadata),
            secret: secret, contentType: Self.contentType, prompt: .createItem(name))
        return SaveOutcome(
            location: describe(item: path), backend: backendName, replacedExisting: false,
            warnings: volatileWarning(item: path))
    }

    public func erase(_ home: CodexHome) throws(HelperError) -> Int {
        let connection = try connect()
        // gnome-keyring refuses to delete from a locked collection, so unlock (or fail with .locked) first.
        let items = try findItems(home, connection)
        for path in items { try connection.deleteItem(path) }
        return items.count
    }

    // MARK: - Steps

    func connect() throws(HelperError) -> SecretServiceConnection {
        let connection = try SecretServiceConnection.open(
            environment: options.environment, timeoutMilliseconds: options.timeoutMilliseconds,
            promptTimeoutMilliseconds: options.canPrompt ? options.promptTimeoutMilliseconds : 0)
        lastConnection = connection
        return connection
    }

    /// The connection of the last operation, kept until the next one or until the store goes away: closing one
    /// (libsecret's proxies, their match rules, the bus connection) then happens after the command has given its
    /// answer, not between the keyring's reply and the answer.
    private var lastConnection: SecretServiceConnection?

    /// The account's items, unlocked. Searched for by {service, username, target} across collections, as Codex
    /// searches; failing that, by {service, username} for items written without a target (older keyring
    /// versions), as Codex falls back. Items found locked are unlocked (the provider's prompt runs: an unlock, or
    /// KeePassXC's access confirmation). When nothing is found but a collection is locked (KeePassXC searches a
    /// locked database as empty), the collection is unlocked and searched again: a locked keyring is never
    /// reported as holding nothing. `openingSession`: open the session in the same round trip, for a secret about
    /// to be read or written.
    private func findItems(_ home: CodexHome, _ connection: SecretServiceConnection, openingSession: Bool = false)
        throws(HelperError) -> [String]
    {
        var found = try search(home, connection, openingSession: openingSession)
        if found.unlocked.isEmpty && found.locked.isEmpty {
            let locked = try lockedCollections(connection)
            guard !locked.isEmpty else { return [] }
            let names = locked.map(\.name).joined(separator: "', '")
            try unlock(locked.map(\.path), prompt: .unlockCollection(names), connection)
            found = try search(home, connection, openingSession: false)
        }
        guard !found.locked.isEmpty else { return found.unlocked }
        do throws(HelperError) {
            try unlock(found.locked, prompt: try lockedItemsPrompt(found.locked, connection), connection)
        } catch {
            throw HelperError(
                error.code, error.message,
                reason: (error.reason ?? error.message) + "; " + HelperError.holdsCredentialNote)
        }
        return found.unlocked + found.locked
    }

    private func search(_ home: CodexHome, _ connection: SecretServiceConnection, openingSession: Bool)
        throws(HelperError) -> (unlocked: [String], locked: [String])
    {
        let found = try connection.search(Self.lookupAttributes(home), openingSession: openingSession)
        Trace.shared.log(
            "secret-service: account \(home.account): \(found.unlocked.count) unlocked, \(found.locked.count) locked item(s)")
        if !found.unlocked.isEmpty || !found.locked.isEmpty { return found }
        let loose = try connection.search(["service": Self.service, "username": home.account])
        var unlocked: [String] = []
        for path in loose.unlocked where try connection.item(path, secret: false).attributes["target"] == nil {
            unlocked.append(path)
        }
        // Locked items' attributes are readable too, but a target-less locked item is rare enough to treat alike.
        return (unlocked, loose.locked)
    }

    /// The collections that are locked now, with their names for people.
    private func lockedCollections(_ connection: SecretServiceConnection) throws(HelperError)
        -> [(path: String, name: String)]
    {
        var locked: [(path: String, name: String)] = []
        for path in try connection.collections() {
            let state = try connection.collectionState(path)
            if state.locked { locked.append((path, displayName(collection: path, label: state.label))) }
        }
        return locked
    }

    /// What unlocking these items asks of a person: to unlock their collection, or (where the collection is
    /// unlocked, as with KeePassXC's per-client access confirmation) for access to the items.
    private func lockedItemsPrompt(_ items: [String], _ connection: SecretServiceConnection) throws(HelperError)
        -> SecretServiceConnection.Prompt
    {
        let collection = itemCollection(items[0])
        let state = try connection.collectionState(collection)
        return state.locked ? .unlockCollection(displayName(collection: collection, label: state.label)) : .accessItem
    }

    /// Unlocks `paths`, running the provider's prompt: a person answers it within the prompt bound; where nobody
    /// can, it ends at the command's deadline (77), or at once when the provider dismisses it.
    func unlock(_ paths: [String], prompt: SecretServiceConnection.Prompt, _ connection: SecretServiceConnection)
        throws(HelperError)
    {
        let unlockedNow = try connection.unlock(paths, prompt: prompt)
        guard Set(unlockedNow).isSuperset(of: paths) else {
            throw HelperError(
                .locked, "The keyring's prompt \(prompt.asked) was dismissed; it is still locked.",
                reason: "the keyring's prompt \(prompt.asked) was dismissed")
        }
    }

    private func volatileWarning(item path: String) -> [String] {
        guard collectionName(itemCollection(path)) == "session" else { return [] }
        return [
            "the default collection is the volatile 'session' collection: this credential is lost when the keyring "
                + "daemon exits. Create a persistent default collection, or use the encrypted file backend."
        ]
    }

    private func lockName(_ home: CodexHome) -> String {
        "keyring-" + String(home.account.map { $0 == "|" ? "-" : $0 }) + ".lock"
    }

    private func itemCollection(_ item: String) -> String {
        guard let slash = item.lastIndex(of: "/") else { return item }
        return String(item[..<slash])
    }

    func collectionName(_ collection: String) -> String {
        guard let slash = collection.lastIndex(of: "/") else { return collection }
        return String(collection[collection.index(after: slash)...])
    }

    /// A collection's name for people: the last part of its object path ('login', KeePassXC's database file name),
    /// or its label where the path is an escaped name (KWallet's 'Default_20keyring'), else that name unescaped.
    func displayName(collection: String, label: String) -> String {
        let name = collectionName(collection)
        return name.contains("_") && !label.isEmpty ? label.escapingControlCharacters : readableName(collection)
    }

    /// The last part of a collection's path, unescaped where it is a name GDBus-escaped into the path (KWallet's
    /// 'Default_20keyring' is 'Default keyring', the label KWallet shows), without asking the provider for the label.
    func readableName(_ collection: String) -> String {
        let name = collectionName(collection)
        guard name.contains("_"), let unescaped = ccs_unescape_path_element(name) else { return name }
        defer { ccs_free(unescaped) }
        guard let text = String(validatingCString: unescaped), !text.isEmpty else { return name }
        return text.escapingControlCharacters
    }

    func describe(item path: String) -> String {
        "\(displayName) (collection '\(readableName(itemCollection(path)))')"
    }
}

extension SecretServiceStore {
    /// What `status` reports about the keyring: usable or not, and why.
    public struct Probe: Sendable {
        public var collection: String?
        public var locked: Bool
        public var volatile: Bool
        public var canPrompt: Bool
        /// Usable for storing now: unlocked, or locked with a person here to unlock it.
        public var usable: Bool { collection != nil && (!locked || canPrompt) }
    }

    /// Checks the session bus (and that it is the user's own), the provider and the default collection, within the
    /// timeout. Throws what a store would throw (no bus, no provider, timeout).
    public func probe() throws(HelperError) -> Probe {
        let connection = try connect()
        guard let collection = try connection.collection(forAlias: "default") else {
            return Probe(collection: nil, locked: false, volatile: false, canPrompt: options.canPrompt)
        }
        let state = try connection.collectionState(collection)
        let name = collectionName(collection)
        return Probe(
            collection: displayName(collection: collection, label: state.label), locked: state.locked,
            volatile: name == "session", canPrompt: options.canPrompt)
    }
}

extension SecretServiceStore {
    /// Every Codex item in the keyring (any account, any collection). Items that stay locked (nobody can unlock
    /// them here) are listed with the reason instead of their content, and so is a locked collection that could
    /// not be searched.
    public func list(knownHomes: [CodexHome]) throws(HelperError) -> [ListedCredential] {
        let connection = try connect()
        let found = try connection.search(["service": Self.service], openingSession: true)
        var entries: [ListedCredential] = []
        for path in found.unlocked {
            let item = try connection.item(path, secret: true)
            entries.append(ListedCredential(
                account: item.attributes["username"] ?? "?", codexHome: item.attributes["codex_home"],
                stored: stored(path, secret: item.secret, attributes: item.attributes), backend: backendName))
        }
        var locked: [(path: String, attributes: [String: String])] = []
        for path in found.locked {
            locked.append((path, (try? connection.item(path, secret: false).attributes) ?? [:]))
        }
        let lockedCollections = found.unlocked.isEmpty && found.locked.isEmpty
            ? ((try? lockedCollections(connection)) ?? []) : []
        if !locked.isEmpty, options.canPrompt,
           let prompt = try? lockedItemsPrompt(locked.map(\.path), connection),
           (try? unlock(locked.map(\.path), prompt: prompt, connection)) != nil
        {
            for (path, _) in locked {
                let item = try connection.item(path, secret: true)
                entries.append(ListedCredential(
                    account: item.attributes["username"] ?? "?", codexHome: item.attributes["codex_home"],
                    stored: stored(path, secret: item.secret, attributes: item.attributes), backend: backendName))
            }
        } else {
            for (_, attributes) in locked {
                entries.append(ListedCredential(
                    account: attributes["username"] ?? "?", codexHome: attributes["codex_home"], stored: nil,
                    backend: backendName, problem: "locked"))
            }
        }
        for collection in lockedCollections {
            entries.append(ListedCredential(
                account: "?", codexHome: nil, stored: nil, backend: backendName,
                problem: "collection '\(collection.name)' is locked and could not be searched"))
        }
        return entries
    }
}
