/// What a backend keeps for one Codex home: the compact auth record and a bag of non-secret metadata.
public struct StoredCredential: Equatable, Sendable {
    /// The whole auth record as compact JSON, UTF-8: the secret.
    public var secret: [UInt8]
    /// Non-secret attributes stored beside it (see `CredentialMetadata`). May be stale or absent.
    public var metadata: [String: String]
    /// Where it is, for people: "the Secret Service keyring (collection 'login')".
    public var location: String
    /// The `backend=` value of the store that holds it.
    public var backend: String
    /// What the person should know about it (two copies that disagree, say). Never secrets.
    public var warnings: [String] = []

    public init(secret: [UInt8], metadata: [String: String], location: String, backend: String) {
        self.secret = secret
        self.metadata = metadata
        self.location = location
        self.backend = backend
    }

    /// The fingerprint of the credential itself (not of its possibly stale metadata), or nil when it cannot be read.
    public var fingerprint: String? {
        guard let decoded = try? AuthRecord.decode(secret) else { return nil }
        return CredentialMetadata.fingerprint(token: decoded.token, record: secret)
    }
}

/// What a save did, for the report a person reads.
public struct SaveOutcome: Equatable, Sendable {
    public var location: String
    /// True when an existing item (the helper's or Codex's own) had its secret replaced.
    public var replacedExisting: Bool
    /// Extra items for the same account that were removed (Codex refuses an account with two).
    public var duplicatesRemoved: Int
    /// Things the person should know (a volatile collection, say). Never secrets.
    public var warnings: [String]
    /// Why the keyring was not used, when `--backend auto` stored in the file instead (said once, by whoever reports
    /// where the credential went).
    public var fallbackReason: String?
    /// The `backend=` value of the store that took it.
    public var backend: String

    public init(location: String, backend: String, replacedExisting: Bool, duplicatesRemoved: Int = 0,
                warnings: [String] = []) {
        self.location = location
        self.backend = backend
        self.replacedExisting = replacedExisting
        self.duplicatesRemoved = duplicatesRemoved
        self.warnings = warnings
    }
}

/// The seam every backend implements. The protocol layer never knows which backend it talks to.
public protocol CredentialStore: AnyObject {
    /// The `backend=` value: `secret-service`, `file`.
    var backendName: String { get }
    /// Human name for messages: "the Secret Service keyring".
    var displayName: String { get }
    func load(_ home: CodexHome) throws(HelperError) -> StoredCredential?
    /// Stores the record for `home`, replacing any existing one; never leaves two for one account.
    func save(_ home: CodexHome, secret: [UInt8], metadata: [String: String]) throws(HelperError) -> SaveOutcome
    /// Removes every copy for `home`; returns how many were removed.
    func erase(_ home: CodexHome) throws(HelperError) -> Int
    /// Every credential this store can see: all Codex accounts in the keyring; for the file, the Codex homes it
    /// has written to and `knownHomes`.
    func list(knownHomes: [CodexHome]) throws(HelperError) -> [ListedCredential]
}

/// One entry of `list`.
public struct ListedCredential: Sendable {
    public var account: String
    /// From the item's metadata or the file's content; nil for an item Codex wrote itself.
    public var codexHome: String?
    /// nil when the entry could not be read (a locked item, a passphrase that is not available); `problem` says why.
    public var stored: StoredCredential?
    public var backend: String
    public var problem: String?

    public init(account: String, codexHome: String?, stored: StoredCredential?, backend: String, problem: String? = nil) {
        self.account = account
        self.codexHome = codexHome
        self.stored = stored
        self.backend = backend
        self.problem = problem
    }
}

/// The non-secret facts stored beside a credential, tied to it by a fingerprint so that facts left over
/// from an earlier credential (Codex replaces only the secret of an existing item) are recognised and ignored.
public struct CredentialMetadata: Equatable, Sendable {
    public var codexHome: String
    public var kind: CredentialKind
    public var expiresAt: Timestamp?
    public var createdAt: Timestamp?
    /// The name the token was given on the workspace's Access tokens page (`login --name`).
    public var name: String?
    /// First 16 hex digits of SHA-256 over the bearer token (or the record, when it has no bearer token).
    public var fingerprint: String

    public enum Key {
        public static let codexHome = "codex_home"
        public static let kind = "kind"
        public static let expiresAt = "expires_at"
        public static let createdAt = "created_at"
        public static let fingerprint = "fingerprint"
        public static let name = "name"
        public static let all = [codexHome, kind, expiresAt, createdAt, fingerprint, name]
    }

    public init(codexHome: String, kind: CredentialKind, expiresAt: Timestamp?, createdAt: Timestamp?,
                fingerprint: String, name: String? = nil) {
        self.codexHome = codexHome
        self.kind = kind
        self.expiresAt = expiresAt
        self.createdAt = createdAt
        self.fingerprint = fingerprint
        self.name = name
    }

    public static func fingerprint(token: String?, record: [UInt8]) -> String {
        String(Digest.sha256Hex(token.map { Array($0.utf8) } ?? record).prefix(16))
    }

    public var attributes: [String: String] {
        var out = [Key.codexHome: codexHome, Key.kind: kind.rawValue, Key.fingerprint: fingerprint]
        if let expiresAt { out[Key.expiresAt] = expiresAt.rfc3339 }
        if let createdAt { out[Key.createdAt] = createdAt.rfc3339 }
        if let name { out[Key.name] = name }
        return out
    }

    /// The metadata in `attributes`, if it describes this record (same fingerprint); nil otherwise.
    public static func matching(_ attributes: [String: String], decoded: AuthRecord.Decoded, record: [UInt8])
        -> CredentialMetadata?
    {
        let expected = fingerprint(token: decoded.token, record: record)
        guard attributes[Key.fingerprint] == expected else { return nil }
        return CredentialMetadata(
            codexHome: attributes[Key.codexHome] ?? "",
            kind: decoded.kind,
            expiresAt: attributes[Key.expiresAt].flatMap { Timestamp(rfc3339: $0) },
            createdAt: attributes[Key.createdAt].flatMap { Timestamp(rfc3339: $0) },
            fingerprint: expected, name: attributes[Key.name])
    }
}
