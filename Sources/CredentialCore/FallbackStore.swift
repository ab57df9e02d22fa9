/// `--backend auto`: the keyring when it is usable, the encrypted file otherwise, and never silently.
///
/// - save: tries the keyring; when it is unreachable, locked with nobody to unlock it, or timed out, stores in
///   the file and says why in one line. After a keyring save, an older file copy is removed.
/// - load: the keyring, then the file; when both hold a credential, the one stored last wins.
/// - erase: both; a keyring that is merely absent is not an error.
public final class FallbackStore: CredentialStore {
    public let primary: any CredentialStore
    public let fallback: any CredentialStore
    public let backendName = "auto"
    public var displayName: String { "\(primary.displayName) or \(fallback.displayName)" }

    public init(primary: any CredentialStore, fallback: any CredentialStore) {
        self.primary = primary
        self.fallback = fallback
    }

    /// Failures that mean "the keyring cannot be used here now", as opposed to a problem with the data.
    static func keyringUnusable(_ error: HelperError) -> Bool {
        [.unavailable, .locked, .timeout].contains(error.code)
    }

    public func load(_ home: CodexHome) throws(HelperError) -> StoredCredential? {
        var keyringError: HelperError?
        var fromKeyring: StoredCredential?
        do {
            fromKeyring = try primary.load(home)
        } catch where Self.keyringUnusable(error) {
            Trace.shared.log("auto: keyring not usable for reading (\(error.reason ?? error.message)); trying the file")
            keyringError = error
        }
        let fromFile = try fallback.load(home)
        Trace.shared.log("auto: keyring \(fromKeyring == nil ? "has none" : "has one"), file \(fromFile == nil ? "has none" : "has one")")
        switch (fromKeyring, fromFile) {
        case let (keyring?, file?):
            var newer = Self.createdAt(file) > Self.createdAt(keyring) ? file : keyring
            if let inKeyring = keyring.fingerprint, let inFile = file.fingerprint, inKeyring != inFile {
                newer.warnings.append(
                    "\(primary.displayName) and \(fallback.displayName) hold different credentials for \(home.path) "
                        + "(fingerprints \(inKeyring) and \(inFile)); this serves the one stored last, in \(newer.location), "
                        + "while Codex itself reads only the keyring's. Log in again to make them one.")
            }
            return newer
        case let (keyring?, nil):
            return keyring
        case let (nil, file?):
            return file
        case (nil, nil):
            // A keyring that may hold the credential but could not be asked (locked, hung) is worth reporting;
            // one that is simply not there (no bus, no provider) is not.
            if let keyringError, keyringError.code != .unavailable { throw keyringError }
            return nil
        }
    }

    public func save(_ home: CodexHome, secret: [UInt8], metadata: [String: String]) throws(HelperError) -> SaveOutcome {
        do {
            var outcome = try primary.save(home, secret: secret, metadata: metadata)
            if let removed = try? fallback.erase(home), removed > 0 {
                outcome.warnings.append("removed the older copy in \(fallback.displayName).")
            }
            return outcome
        } catch where Self.keyringUnusable(error) {
            Trace.shared.log("auto: keyring not usable (\(error.reason ?? error.message)); storing in the file")
            var outcome = try fallback.save(home, secret: secret, metadata: metadata)
            let why = error.reason ?? error.message
            outcome.fallbackReason = "the Secret Service keyring is not usable (\(why))"
            if why.hasSuffix(HelperError.holdsCredentialNote) {
                outcome.warnings.insert(
                    "Codex will keep reading the older credential in the keyring; log in again once the keyring can be "
                        + "unlocked, or remove that one.", at: 0)
            }
            return outcome
        }
    }

    public func erase(_ home: CodexHome) throws(HelperError) -> Int {
        var keyringError: HelperError?
        var removed = 0
        do {
            removed += try primary.erase(home)
        } catch where Self.keyringUnusable(error) {
            keyringError = error
        }
        removed += try fallback.erase(home)
        if let keyringError, keyringError.code != .unavailable { throw keyringError }
        return removed
    }

    public func list(knownHomes: [CodexHome]) throws(HelperError) -> [ListedCredential] {
        var entries: [ListedCredential] = []
        do {
            entries = try primary.list(knownHomes: knownHomes)
        } catch where Self.keyringUnusable(error) {
            // Never silence about a store that could not be searched: it is listed as not checked, and why.
            entries.append(ListedCredential(
                account: "-", codexHome: nil, stored: nil, backend: primary.backendName,
                problem: "not checked (\(error.reason ?? error.message))"))
        }
        return entries + (try fallback.list(knownHomes: knownHomes))
    }

    /// When the credential was stored, by its own metadata (ignored if it does not describe this record).
    static func createdAt(_ stored: StoredCredential) -> Timestamp {
        guard let decoded = try? AuthRecord.decode(stored.secret),
            let metadata = CredentialMetadata.matching(stored.metadata, decoded: decoded, record: stored.secret),
            let created = metadata.createdAt
        else { return Timestamp(secondsSinceEpoch: 0) }
        return created
    }
}
