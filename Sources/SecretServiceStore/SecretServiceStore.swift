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
        let count = items.unlocked.count + items.locked.count
        guard count > 0 else { return nil }
        guard count == 1 else {
            throw HelperError(
                .badStoredData,
                "The keyring holds \(count) items for account \(home.account) (\(home.path)); Codex refuses an "
                    + "account with more than one. Run `codex-credential-helper login` again to repair it (it keeps one).")
        }
        let path = try unlocked(items, connection)[0]
        let (secret, attributes) = try connection.secretAndAttributes(of: path)
        return stored(path, secret: secret, attributes: attributes)
    }

    /// An item as the store reports it: its secret, our metadata among its attributes, where it is.
    private func stored(_ path: String, secret: [UInt8], attributes: [String: String]) -> StoredCredential {
        StoredCredential(
            secret: secret, metadata: attributes.filter { CredentialMetadata.Key.all.contains($0.key) },
            location: describe(item: path), backend: backendName)
    }

    public func save(_ home: CodexHome, secret: [UInt8], metadata: [String: String]) throws(HelperError) -> SaveOutcome {
        // Serialise helper processes per account, so that two concurrent first logins cannot create two items.
        let lock = try FileLock.acquire(
            path: try runtimeDirectory(environment: options.environment) + "/" + lockName(home),
            timeoutMilliseconds: options.timeoutMilliseconds)
        defer { lock.unlock() }

        let connection = try connect()
        let items = try unlocked(try findItems(home, connection, openingSession: true), connection)
        if let primary = items.first {
            // Replace only the secret, as Codex does, then refresh our metadata; keep every other attribute.
            var attributes = try connection.setSecretReadingAttributes(
                of: primary, secret: secret, contentType: Self.contentType)
            for key in CredentialMetadata.Key.all { attributes.removeValue(forKey: key) }
            attributes.merge(metadata) { _, new in new }
            try connection.setAttributes(of: primary, attributes)
            for duplicate in items.dropFirst() { try delete(duplicate, connection) }
            return SaveOutcome(
                location: describe(item: primary), backend: backendName, replacedExisting: true, duplicatesRemoved: items.count - 1,
                warnings: volatileWarning(item: primary))
        }

        guard let collection = try connection.collection(forAlias: "default") else {
            throw HelperError(
                .unavailable,
                "The Secret Service has no default collection to store into. Create one (for example with Seahorse), "
                    + "or start gnome-keyring-daemon with --unlock.", reason: "the keyring has no default collection")
        }
        if try connection.isLocked(collection: collection) {
            try unlock([collection], what: "collection '\(collectionName(collection))'", connection)
        }
        var created = try connection.createItem(
            in: collection, label: Self.label(home), attributes: Self.itemAttributes(home, metadata: metadata),
            secret: secret, contentType: Self.contentType)
        if created == nil {
            // The provider wants a prompt answered first (the collection was locked again in between).
            try answerPrompt(nil, what: "to store the credential in collection '\(collectionName(collection))'", connection)
            created = try findItems(home, connection).unlocked.first
        }
        guard let path = created else {
            throw HelperError(.unavailable, "The Secret Service did not create the keyring item.",
                              reason: "the Secret Service did not create the item")
        }
        return SaveOutcome(
            location: describe(item: path), backend: backendName, replacedExisting: false,
            warnings: volatileWarning(item: path))
    }

    public func erase(_ home: CodexHome) throws(HelperError) -> Int {
        let connection = try connect()
        // gnome-keyring refuses to delete from a locked collection, so unlock (or fail with .locked) first.
        let items = try unlocked(try findItems(home, connection), connection)
        for path in items { try delete(path, connection) }
        return items.count
    }

    /// Deletes an item, answering the confirmation prompt some providers show first (when a person can).
    private func delete(_ path: String, _ connection: SecretServiceConnection) throws(HelperError) {
        guard let prompt = try connection.deleteItem(path) else { return }
        try answerPrompt(prompt, what: "to delete the keyring item", connection)
    }

    /// Runs a prompt the provider asked for, when a person can answer it; `prompt` nil: the item-creation prompt,
    /// which the store answers by unlocking instead.
    private func answerPrompt(_ prompt: String?, what: String, _ connection: SecretServiceConnection) throws(HelperError) {
        let refusal = HelperError(
            .locked,
            "The keyring asks for confirmation \(what), and no one can answer its prompt here (no display and "
                + "terminal). Unlock the keyring (log in to the desktop session), then retry.",
            reason: "the keyring asks for a confirmation nobody can give here")
        guard let prompt else { throw refusal }
        let answered = try connection.runPrompt(prompt, promptDeadline: try promptDeadline(orRefuse: refusal))
        guard answered else {
            throw HelperError(.locked, "The keyring's prompt \(what) was dismissed.", reason: "the prompt was dismissed")
        }
    }

    // MARK: - Steps

    func connect() throws(HelperError) -> SecretServiceConnection {
        try SecretServiceConnection.open(
            environment: options.environment, deadline: .init(timeoutMilliseconds: options.timeoutMilliseconds))
    }

    /// Items for the account: by {service, username, target} across collections, as Codex searches; failing that,
    /// by {service, username} for items written without a target (older keyring versions), as Codex falls back.
    /// `openingSession`: open the session in the same round trip, for a secret about to be read or written.
    private func findItems(_ home: CodexHome, _ connection: SecretServiceConnection, openingSession: Bool = false)
        throws(HelperError) -> (unlocked: [String], locked: [String])
    {
        let attributes = Self.lookupAttributes(home)
        let found = try openingSession ? connection.searchOpeningSession(attributes) : connection.search(attributes)
        Trace.shared.log(
            "secret-service: account \(home.account): \(found.unlocked.count) unlocked, \(found.locked.count) locked item(s)")
        if !found.unlocked.isEmpty || !found.locked.isEmpty { return found }
        let loose = try connection.search(["service": Self.service, "username": home.account])
        var unlocked: [String] = []
        for path in loose.unlocked {
            let attributes = try connection.attributes(of: path)
            if attributes["target"] == nil { unlocked.append(path) }
        }
        // Locked items' attributes are readable too, but a target-less locked item is rare enough to treat alike.
        return (unlocked, loose.locked)
    }

    /// All the items, unlocked: either they already were, or a person answered a prompt.
    private func unlocked(_ items: (unlocked: [String], locked: [String]), _ connection: SecretServiceConnection)
        throws(HelperError) -> [String]
    {
        guard !items.locked.isEmpty else { return items.unlocked }
        try unlock(items.locked, what: "collection '\(collectionName(itemCollection(items.locked[0])))'", connection)
        return items.unlocked + items.locked
    }

    func unlock(_ paths: [String], what: String, _ connection: SecretServiceConnection) throws(HelperError) {
        let deadline = try promptDeadline(orRefuse: HelperError(
            .locked,
            "The keyring \(what) is locked, and no one can answer an unlock prompt here (no display and terminal). "
                + "Unlock it (log in to the desktop session, or start gnome-keyring-daemon with --unlock), then retry.",
            reason: "the keyring \(what) is locked and nobody can unlock it here"))
        let unlockedNow = try connection.unlock(paths, promptDeadline: deadline)
        guard Set(unlockedNow).isSuperset(of: paths) else {
            throw HelperError(
                .locked, "The keyring \(what) is still locked: the unlock prompt was dismissed.",
                reason: "the keyring \(what) is locked (the unlock prompt was dismissed)")
        }
    }

    /// How long a person gets to answer a prompt; `refusal` when nobody can answer one here.
    private func promptDeadline(orRefuse refusal: HelperError) throws(HelperError) -> SecretServiceConnection.Deadline {
        guard options.canPrompt else { throw refusal }
        return .init(timeoutMilliseconds: options.promptTimeoutMilliseconds)
    }

    private func volatileWarning(item path: String) -> [String] {
        guard collectionName(itemCollection(path)) == "session" else { return [] }
        return [
            "the default collection is the volatile 'session' collection: this credential is lost when the keyring "
                + "daemon exits. Create a persistent default collection, or use the encrypted file backend."
        ]
    }

    private func lockName(_ home: CodexHome) -> String {
        "keyring-" + home.account.replacingOccurrences(of: "|", with: "-") + ".lock"
    }

    private func itemCollection(_ item: String) -> String {
        guard let slash = item.lastIndex(of: "/") else { return item }
        return String(item[..<slash])
    }

    func collectionName(_ collection: String) -> String {
        guard let slash = collection.lastIndex(of: "/") else { return collection }
        return String(collection[collection.index(after: slash)...])
    }

    func describe(item path: String) -> String {
        "\(displayName) (collection '\(collectionName(itemCollection(path)))')"
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: Character, with replacement: String) -> String {
        var out = ""
        for character in self { out += character == target ? replacement : String(character) }
        return out
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

    /// Checks the session bus, the provider and the default collection, within the timeout. Throws what a
    /// store would throw (no bus, no provider, timeout).
    public func probe() throws(HelperError) -> Probe {
        let connection = try connect()
        guard let collection = try connection.collection(forAlias: "default") else {
            return Probe(collection: nil, locked: false, volatile: false, canPrompt: options.canPrompt)
        }
        let locked = try connection.isLocked(collection: collection)
        let name = collectionName(collection)
        return Probe(collection: name, locked: locked, volatile: name == "session", canPrompt: options.canPrompt)
    }
}

extension SecretServiceStore {
    /// Every Codex item in the keyring (any account, any collection). Locked items that nobody can unlock here are
    /// listed with the reason instead of their content.
    public func list(knownHomes: [CodexHome]) throws(HelperError) -> [ListedCredential] {
        let connection = try connect()
        let found = try connection.search(["service": Self.service])
        var readable = found.unlocked
        var entries: [ListedCredential] = []
        if !found.locked.isEmpty {
            if options.canPrompt, (try? unlock(found.locked, what: "collection", connection)) != nil {
                readable += found.locked
            } else {
                for path in found.locked {
                    let attributes = (try? connection.attributes(of: path)) ?? [:]
                    entries.append(ListedCredential(
                        account: attributes["username"] ?? "?", codexHome: attributes["codex_home"], stored: nil,
                        backend: backendName, problem: "locked"))
                }
            }
        }
        for path in readable {
            let (secret, attributes) = try connection.secretAndAttributes(of: path)
            entries.append(ListedCredential(
                account: attributes["username"] ?? "?", codexHome: attributes["codex_home"],
                stored: stored(path, secret: secret, attributes: attributes), backend: backendName))
        }
        return entries
    }
}
