#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Everything a command touches outside the store: environment variables, output streams and the clock.
/// The binary passes the real ones; tests pass arrays.
public struct HelperEnvironment {
    public var variables: [String: String]
    public var output: any ByteWriter
    public var errors: any ByteWriter
    public var now: () -> Timestamp

    public init(
        variables: [String: String], output: any ByteWriter, errors: any ByteWriter,
        now: @escaping () -> Timestamp = Timestamp.now
    ) {
        self.variables = variables
        self.output = output
        self.errors = errors
        self.now = now
    }
}

/// How `get` prints the credential.
public enum OutputFormat: String, Sendable, CaseIterable {
    /// `key=value` lines (the protocol).
    case keyValue = "kv"
    /// The bearer token alone and a newline, for `$(…)` and Codex's token command.
    case token
    /// The exact compact auth record and a newline.
    case codexJSON = "codex-json"
}

/// A credential as `get` reports it.
public struct Credential: Equatable, Sendable {
    public var home: CodexHome
    public var decoded: AuthRecord.Decoded
    public var record: [UInt8]
    public var metadata: CredentialMetadata?
    public var backend: String
    public var location: String
}

/// login, logout, get, store and erase, over any `CredentialStore`.
public final class CredentialService {
    public let store: any CredentialStore
    public var environment: HelperEnvironment

    public init(store: any CredentialStore, environment: HelperEnvironment) {
        self.store = store
        self.environment = environment
    }

    // MARK: - login / logout

    public struct LoginOptions: Sendable {
        public var codexHome: String?
        public var expectation: TokenExpectation
        public var expiresIn: String?
        public var expiresAt: String?
        public init(codexHome: String?, expectation: TokenExpectation, expiresIn: String? = nil, expiresAt: String? = nil) {
            self.codexHome = codexHome
            self.expectation = expectation
            self.expiresIn = expiresIn
            self.expiresAt = expiresAt
        }
    }

    /// Validates the token, stores the record Codex would store, and tells the person what happened.
    public func login(rawToken: [UInt8], options: LoginOptions) throws(HelperError) {
        let now = environment.now()
        let home = try CodexHome.resolve(explicit: options.codexHome, environment: environment.variables)
        let token = try TokenClassifier.classify(rawToken, expecting: options.expectation, now: now)
        let declared = try declaredExpiry(expiresIn: options.expiresIn, expiresAt: options.expiresAt, now: now)
        let expiry = try reconcileExpiry(token: token, declared: declared, now: now, origin: "--expires-in/--expires-at")
        let outcome = try save(token, home: home, expiresAt: expiry, createdAt: now)

        let errors = environment.errors
        var summary = "Stored the \(token.kind.displayName) for \(home.path) in \(outcome.location)"
        summary += outcome.replacedExisting ? ", replacing the previous credential" : ""
        errors.line(summary + " (account \(home.account)).")
        if outcome.duplicatesRemoved > 0 {
            errors.line("Removed \(outcome.duplicatesRemoved) duplicate item(s) for the same account; Codex refuses an account with more than one.")
        }
        for warning in outcome.warnings { errors.line("Warning: \(warning)") }
        if let expiry {
            errors.line("It expires at \(expiry.rfc3339).")
        } else if token.kind == .personalAccessToken {
            errors.line(
                "Its expiry is not known (at- tokens do not carry one); record it with --expires-in (e.g. 30d) or --expires-at.")
        }
        try removePlaintextAuthJSON(home, announce: true)
        if outcome.backend == "file" {
            errors.line(
                "Note: Codex does not read the encrypted file itself. Hand it the token in the environment, e.g. "
                    + "CODEX_ACCESS_TOKEN=\"$(codex-credential-helper get --format token)\" codex exec …")
        } else {
            warnIfCodexIgnoresKeyring(home)
        }
    }

    /// Erases every copy the helper knows of for the Codex home: the store's and a plaintext auth.json.
    public func logout(codexHome: String?) throws(HelperError) {
        let home = try CodexHome.resolve(explicit: codexHome, environment: environment.variables)
        let errors = environment.errors
        var storeError: HelperError?
        var removedAny = false
        do {
            let removed = try store.erase(home)
            if removed > 0 {
                removedAny = true
                errors.line("Removed the credential for \(home.path) from \(store.displayName) (account \(home.account)).")
            }
        } catch {
            storeError = error
        }
        // Even when the keyring failed, a plaintext copy is not left behind.
        if try removePlaintextAuthJSON(home, announce: true) { removedAny = true }
        if let storeError { throw storeError }
        if !removedAny { errors.line("Not logged in: nothing is stored for \(home.path).") }
    }

    // MARK: - get / store / erase

    /// Prints the credential for the request's Codex home in `format`.
    public func get(request: WireRequest, codexHome flag: String?, format: OutputFormat) throws(HelperError) {
        let home = try resolveHome(request: request, flag: flag)
        let credential = try load(home)
        if let kind = request["kind"], kind != credential.decoded.kind.rawValue {
            throw HelperError(
                .notFound,
                "The credential stored for \(home.path) is a \(credential.decoded.kind.displayName), not the requested kind '\(AuthRecord.sanitized(kind))'.")
        }
        switch format {
        case .token:
            guard let token = credential.decoded.token else { throw noBearerToken() }
            environment.output.write(Array((token + "\n").utf8))
        case .codexJSON:
            environment.output.write(credential.record + [0x0A])
        case .keyValue:
            var fields: [(String, String)] = [("kind", credential.decoded.kind.rawValue)]
            if let token = credential.decoded.token { fields.append(("token", token)) }
            fields.append(("codex_home", home.path))
            fields.append(("account", home.account))
            fields.append(("backend", credential.backend))
            if let expiry = credential.metadata?.expiresAt ?? jwtExpiry(credential) { fields.append(("expires_at", expiry.rfc3339)) }
            if let created = credential.metadata?.createdAt { fields.append(("created_at", created.rfc3339)) }
            environment.output.write(WireFormat.write(fields))
        }
    }

    /// Stores `token` (required) with the optional `kind`, `expires_at`, `created_at`, `codex_home`, `account`.
    public func store(request: WireRequest, codexHome flag: String?) throws(HelperError) {
        let now = environment.now()
        guard let rawToken = request["token"] else {
            throw HelperError(.badInput, "store needs a token=… line; nothing was stored.")
        }
        let home = try resolveHome(request: request, flag: flag)
        let expectation: TokenExpectation
        var requestedKind: CredentialKind?
        if let kindText = request["kind"] {
            guard let kind = CredentialKind(rawValue: kindText) else {
                throw HelperError(
                    .badInput,
                    "kind must be one of personal_access_token, agent_identity, api_key; nothing was stored.")
            }
            if kind == .chatgpt {
                throw HelperError(
                    .badInput,
                    "A ChatGPT login is written by `codex login` itself; the helper stores access tokens and API keys only.")
            }
            requestedKind = kind
            expectation = kind == .apiKey ? .apiKey : .accessToken
        } else {
            expectation = .accessToken
        }
        let token = try TokenClassifier.classify(Array(rawToken.utf8), expecting: expectation, now: now)
        if let requestedKind, requestedKind != token.kind {
            throw HelperError(
                .badInput,
                "kind=\(requestedKind.rawValue) was given, but the token is a \(token.kind.displayName); nothing was stored.")
        }
        var declared: Timestamp?
        if let text = request["expires_at"] {
            guard let parsed = Timestamp(rfc3339: text) else {
                throw HelperError(.badInput, "expires_at is not an RFC 3339 time such as 2026-12-31T00:00:00Z.")
            }
            declared = parsed
        }
        let expiry = try reconcileExpiry(token: token, declared: declared, now: now, origin: "expires_at")
        var created = now
        if let text = request["created_at"] {
            guard let parsed = Timestamp(rfc3339: text) else {
                throw HelperError(.badInput, "created_at is not an RFC 3339 time such as 2026-12-31T00:00:00Z.")
            }
            created = parsed
        }
        let outcome = try save(token, home: home, expiresAt: expiry, createdAt: created)
        for warning in outcome.warnings { environment.errors.line("Warning: \(warning)") }
        try removePlaintextAuthJSON(home, announce: true)
    }

    /// Erases the credential for the request's Codex home. An empty request is refused: it is too easy to
    /// send by accident. When `token` or `kind` is given, only a matching credential is erased.
    public func erase(request: WireRequest, codexHome flag: String?) throws(HelperError) {
        guard !request.isEmpty else {
            throw HelperError(
                .badInput,
                "erase refuses an empty request, which is too easy to send by accident; send at least "
                    + "codex_home=DIR. Nothing was erased.")
        }
        let home = try resolveHome(request: request, flag: flag)
        if request["token"] != nil || request["kind"] != nil {
            let credential = try load(home)
            if let kind = request["kind"], kind != credential.decoded.kind.rawValue {
                throw HelperError(.notFound, "The stored credential for \(home.path) is not of kind '\(AuthRecord.sanitized(kind))'; nothing was erased.")
            }
            if let token = request["token"], token != credential.decoded.token {
                throw HelperError(.notFound, "The stored credential for \(home.path) is not the given token; nothing was erased.")
            }
        }
        let removed = try store.erase(home)
        guard removed > 0 else {
            throw HelperError(.notFound, "No credential is stored for \(home.path) (account \(home.account)); nothing to erase.")
        }
    }

    // MARK: - Shared steps

    /// Reads and decodes the credential for `home`, or throws `.notFound`.
    public func load(_ home: CodexHome) throws(HelperError) -> Credential {
        guard let stored = try store.load(home) else {
            throw HelperError(
                .notFound,
                "No Codex credential is stored for \(home.path) (account \(home.account)) in \(store.displayName). "
                    + "Store one with: printf '%s' \"$TOKEN\" | codex-credential-helper login --with-access-token")
        }
        let decoded = try AuthRecord.decode(stored.secret)
        return Credential(
            home: home, decoded: decoded, record: stored.secret,
            metadata: CredentialMetadata.matching(stored.metadata, decoded: decoded, record: stored.secret),
            backend: stored.backend, location: stored.location)
    }

    func save(_ token: ClassifiedToken, home: CodexHome, expiresAt: Timestamp?, createdAt: Timestamp) throws(HelperError)
        -> SaveOutcome
    {
        let record = AuthRecord.encode(token)
        let metadata = CredentialMetadata(
            codexHome: home.path, kind: token.kind, expiresAt: expiresAt, createdAt: createdAt,
            fingerprint: CredentialMetadata.fingerprint(token: token.token, record: record))
        return try store.save(home, secret: record, metadata: metadata.attributes)
    }

    func resolveHome(request: WireRequest, flag: String?) throws(HelperError) -> CodexHome {
        var home = try CodexHome.resolve(explicit: flag, environment: environment.variables)
        if let fromRequest = request["codex_home"] {
            let requested = try CodexHome.resolve(explicit: fromRequest, environment: [:], errorCode: .badInput)
            if flag != nil, requested != home {
                throw HelperError(.badInput, "codex_home in the request and --codex-home name different directories.")
            }
            home = requested
        }
        if let account = request["account"], account != home.account {
            throw HelperError(
                .badInput, "account does not match the Codex home \(home.path) (its account is \(home.account)).")
        }
        // `backend=` names the store in use; under auto (which may use either), either is accepted, so that
        // what `get` printed can be sent back.
        let accepted: Set<String> = store.backendName == "auto" ? ["auto", "secret-service", "file"] : [store.backendName]
        if let backend = request["backend"], !accepted.contains(backend) {
            throw HelperError(
                .badInput, "backend must be '\(store.backendName)' here; '\(AuthRecord.sanitized(backend))' is not in use.")
        }
        return home
    }

    func declaredExpiry(expiresIn: String?, expiresAt: String?, now: Timestamp) throws(HelperError) -> Timestamp? {
        switch (expiresIn, expiresAt) {
        case (nil, nil): return nil
        case (_?, _?): throw HelperError(.usage, "Give --expires-in or --expires-at, not both.")
        case let (duration?, nil):
            guard let seconds = DurationText.seconds(duration) else {
                throw HelperError(.usage, "--expires-in takes a duration such as 12h, 30d or 90d.")
            }
            return now.adding(seconds: seconds)
        case let (nil, date?):
            guard let parsed = Timestamp(rfc3339: date) else {
                throw HelperError(.usage, "--expires-at takes a date (2026-12-31) or an RFC 3339 time (2026-12-31T00:00:00Z).")
            }
            return parsed
        }
    }

    func reconcileExpiry(token: ClassifiedToken, declared: Timestamp?, now: Timestamp, origin: String) throws(HelperError)
        -> Timestamp?
    {
        if let own = token.expiresAt {
            if let declared, declared != own {
                throw HelperError(
                    .badInput,
                    "\(origin) disagrees with the token's own exp claim (\(own.rfc3339)); leave it out for JWTs.")
            }
            return own
        }
        if let declared, declared <= now {
            throw HelperError(.badInput, "\(origin) is in the past (\(declared.rfc3339)); the token would already be expired.")
        }
        return declared
    }

    func jwtExpiry(_ credential: Credential) -> Timestamp? {
        guard credential.decoded.kind == .agentIdentity, let token = credential.decoded.token else { return nil }
        return (try? TokenClassifier.classify(Array(token.utf8), expecting: .accessToken, now: Timestamp(secondsSinceEpoch: 0)))?.expiresAt
    }

    func noBearerToken() -> HelperError {
        HelperError(
            .badStoredData,
            "The stored agent identity is a registered-runtime record (keys, not a bearer token), so there is no "
                + "token to print; use --format codex-json.")
    }

    /// Removes `$CODEX_HOME/auth.json`, as Codex does after a keyring save. Returns whether it existed.
    @discardableResult
    func removePlaintextAuthJSON(_ home: CodexHome, announce: Bool) throws(HelperError) -> Bool {
        do {
            try Syscall.unlink(home.authJSONPath)
        } catch {
            if error == .noEntry { return false }
            throw HelperError(
                .ioError, "Could not remove the plaintext \(home.authJSONPath): \(error). Remove it by hand; it holds a credential.")
        }
        if announce {
            environment.errors.line("Removed the plaintext \(home.authJSONPath) (Codex reads the keyring item instead).")
        }
        return true
    }

    func warnIfCodexIgnoresKeyring(_ home: CodexHome) {
        let text = (try? Syscall.readFile(home.configTOMLPath, limit: 4 * 1024 * 1024)).flatMap { $0 }
        let config = CodexConfig(toml: text.map { String(decoding: $0, as: UTF8.self) } ?? "")
        guard !config.readsKeyring else { return }
        let setting = config.credentialsStore.map { "sets cli_auth_credentials_store = \"\($0)\"" }
            ?? (text == nil ? "does not exist" : "does not set cli_auth_credentials_store")
        environment.errors.line(
            "Note: Codex will not read the keyring yet: \(home.configTOMLPath) \(setting). Add this line at its top:")
        environment.errors.line("  \(CodexConfig.keyringLine)")
    }
}
