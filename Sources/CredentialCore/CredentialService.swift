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
        /// The token's name on the workspace's Access tokens page (`--name`).
        public var name: String?
        /// Warn when the credential expires within this many seconds (`--warn-within`, default 7 days).
        public var warnWithin: Int64
        public init(codexHome: String?, expectation: TokenExpectation, expiresIn: String? = nil, expiresAt: String? = nil,
                    name: String? = nil, warnWithin: Int64 = 7 * 86_400) {
            self.codexHome = codexHome
            self.expectation = expectation
            self.expiresIn = expiresIn
            self.expiresAt = expiresAt
            self.name = name
            self.warnWithin = warnWithin
        }
    }

    /// Runs a smoke test with a candidate credential in its environment; returns its exit status (128+signal
    /// when it died of a signal).
    public typealias SmokeTest = (_ variable: String, _ token: String) throws(HelperError) -> Int32

    /// Validates the token, stores the record Codex would store, and tells the person what happened.
    public func login(rawToken: [UInt8], options: LoginOptions) throws(HelperError) {
        try storeValidated(rawToken: rawToken, options: options, smokeTest: nil)
    }

    /// `rotate`: the same as login, but when a smoke test is given, the new credential is committed only if the test
    /// passes with it; otherwise the old one stays and the test's exit status is passed through.
    ///
    /// The stored name is kept unless a new one is given. The reminder to revoke the old token comes only when an
    /// old, different credential was replaced (never for the live token, never when nothing was stored).
    public func rotate(rawToken: [UInt8], options: LoginOptions, smokeTest: SmokeTest?) throws(HelperError) {
        let home = try CodexHome.resolve(explicit: options.codexHome, environment: environment.variables)
        let previous = try? load(home)
        var options = options
        if options.name == nil { options.name = previous?.metadata?.name }
        let replacement = try storeValidated(rawToken: rawToken, options: options, smokeTest: smokeTest)
        if let previous, previous.decoded.token != replacement.token {
            environment.errors.line(
                "Now revoke the old \(previous.decoded.kind.displayName)\(previous.metadata?.name.map { " '\($0)'" } ?? "") "
                    + "on the workspace's Access tokens page; nothing on this machine uses it any more.")
        }
    }

    @discardableResult
    private func storeValidated(rawToken: [UInt8], options: LoginOptions, smokeTest: SmokeTest?) throws(HelperError)
        -> ClassifiedToken
    {
        let now = environment.now()
        let home = try CodexHome.resolve(explicit: options.codexHome, environment: environment.variables)
        let token = try TokenClassifier.classify(rawToken, expecting: options.expectation, now: now)
        let declared = try declaredExpiry(expiresIn: options.expiresIn, expiresAt: options.expiresAt, now: now)
        let expiry = try reconcileExpiry(token: token, declared: declared, now: now, origin: "--expires-in/--expires-at")
        let name = try validatedName(options.name)
        let errors = environment.errors

        if let smokeTest {
            let variable = token.kind == .apiKey ? "CODEX_API_KEY" : "CODEX_ACCESS_TOKEN"
            let status = try smokeTest(variable, token.token)
            guard status == 0 else {
                throw HelperError(
                    .badInput,
                    "The smoke test failed with the new \(token.kind.displayName) (exit status \(status)); the new token "
                        + "was discarded and the stored credential is unchanged.",
                    passedThroughStatus: status)
            }
            errors.line("The smoke test passed with the new \(token.kind.displayName).")
        }
        let outcome = try save(token, home: home, expiresAt: expiry, createdAt: now, name: name)

        var summary = "Stored the \(token.kind.displayName)\(name.map { " '\($0)'" } ?? "") for \(home.path) in \(outcome.location)"
        summary += outcome.replacedExisting ? ", replacing the previous credential" : ""
        summary += outcome.fallbackReason.map { ", because \($0)" } ?? ""
        errors.line(summary + " (account \(home.account)).")
        if outcome.duplicatesRemoved > 0 {
            errors.line("Removed \(outcome.duplicatesRemoved) duplicate item(s) for the same account; Codex refuses an account with more than one.")
        }
        for warning in outcome.warnings { errors.line("Warning: \(warning)") }
        if let expiry {
            errors.line("It expires at \(expiry.rfc3339).")
            if expiry.secondsSinceEpoch - now.secondsSinceEpoch <= options.warnWithin {
                errors.line("Warning: that is within \(Self.describeSeconds(options.warnWithin)); plan its rotation.")
            }
        } else if token.kind == .personalAccessToken {
            errors.line(
                "Note: its expiry is not known (at- tokens do not carry one); record it with --expires-in (e.g. 30d) "
                    + "or --expires-at, so that status and get can warn before it stops working.")
        }
        try removePlaintextAuthJSON(home, savedTo: outcome.backend)
        if accessTokenVariableIsSet {
            errors.line(
                "Warning: CODEX_ACCESS_TOKEN is set in this environment, and Codex uses it ahead of any stored login, "
                    + "so it will not use the credential just stored here. Unset it (`unset CODEX_ACCESS_TOKEN`).")
        }
        if outcome.backend == "file" {
            errors.line(
                "Note: Codex does not read the encrypted file itself. Run it with the token in its environment: "
                    + "codex-credential-helper exec -- codex exec …")
        } else {
            warnIfCodexIgnoresKeyring(home)
        }
        return token
    }

    static func describeSeconds(_ seconds: Int64) -> String {
        seconds % 86_400 == 0 ? "\(seconds / 86_400) day\(seconds == 86_400 ? "" : "s")" : "\(seconds / 3600) hours"
    }

    func validatedName(_ name: String?) throws(HelperError) -> String? {
        guard let name else { return nil }
        guard !name.isEmpty, name.count <= 100,
            !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else {
            throw HelperError(.usage, "A token name is 1 to 100 characters, without control characters or line breaks.")
        }
        return name
    }

    /// Erases every copy the helper knows of for the Codex home: each store's and a plaintext auth.json, reporting
    /// each store on its own line: removed, nothing there, or "not checked" and why. A store that could not be
    /// checked although it is there (locked, timed out, access refused) gives its exit status once the rest is
    /// erased; one that is not there for this session (no session bus, no provider) does not, unless it is the one
    /// store --backend chose.
    public func logout(codexHome: String?) throws(HelperError) {
        let home = try CodexHome.resolve(explicit: codexHome, environment: environment.variables)
        let errors = environment.errors
        let stores: [any CredentialStore] = (store as? FallbackStore).map { [$0.primary, $0.fallback] } ?? [store]
        var removedAny = false
        var notChecked = false
        var failure: HelperError?
        for store in stores {
            let name = store.displayName.prefix(1).uppercased() + store.displayName.dropFirst()
            do {
                if try store.erase(home) > 0 {
                    removedAny = true
                    errors.line("Removed the credential for \(home.path) from \(store.displayName) (account \(home.account)).")
                } else {
                    errors.line("\(name): nothing stored for \(home.path).")
                }
            } catch {
                notChecked = true
                errors.line("\(name): not checked (\(error.reason ?? error.message)).")
                // A keyring that is not there for this session (no bus, no provider) is no failure under auto; with
                // one chosen store (--backend), its being unusable is, as for every other command.
                if error.code != .unavailable || stores.count == 1, failure == nil { failure = error }
            }
        }
        // Even when a store failed, a plaintext copy is not left behind.
        if try removePlaintextAuthJSON(home, savedTo: nil) { removedAny = true }
        if accessTokenVariableIsSet {
            errors.line(
                "Note: CODEX_ACCESS_TOKEN is still set in this environment, and Codex uses it; unset it too "
                    + "(`unset CODEX_ACCESS_TOKEN`) to be logged out.")
        }
        if let failure {
            throw HelperError(
                failure.code, "Not every copy could be erased: \(failure.message)", reason: failure.reason)
        }
        if !removedAny && !notChecked { errors.line("Not logged in: nothing is stored for \(home.path).") }
    }

    // MARK: - get / store / erase

    public struct GetOptions: Sendable, Equatable {
        public var format: OutputFormat
        /// Report a `CODEX_ACCESS_TOKEN` in the environment first, as Codex uses it first (`--no-env` turns it off).
        public var useEnvironment: Bool
        /// Print an expired credential anyway (`--allow-expired`), for inspection.
        public var allowExpired: Bool
        public init(format: OutputFormat, useEnvironment: Bool = true, allowExpired: Bool = false) {
            self.format = format
            self.useEnvironment = useEnvironment
            self.allowExpired = allowExpired
        }
    }

    /// Prints the credential for the request's Codex home in `format`.
    public func get(request: WireRequest, codexHome flag: String?, format: OutputFormat) throws(HelperError) {
        try get(request: request, codexHome: flag, options: GetOptions(format: format, useEnvironment: false))
    }

    public func get(request: WireRequest, codexHome flag: String?, options: GetOptions) throws(HelperError) {
        let home = try resolveHome(request: request, flag: flag)
        let credential: Credential
        if options.useEnvironment, let fromEnvironment = try environmentCredential(home) {
            credential = fromEnvironment
        } else {
            credential = try load(home)
        }
        if let kind = request["kind"], kind != credential.decoded.kind.rawValue {
            throw HelperError(
                .notFound,
                "The credential for \(home.path) is a \(credential.decoded.kind.displayName), not the requested kind '\(AuthRecord.sanitized(kind))'.")
        }
        let expiry = credential.metadata?.expiresAt ?? credential.decoded.tokenExpiry
        if !options.allowExpired, let expiry, expiry <= environment.now() {
            throw expiredError(credential, expiry: expiry)
        }
        switch options.format {
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
            if let name = credential.metadata?.name { fields.append(("name", name)) }
            if let expiry { fields.append(("expires_at", expiry.rfc3339)) }
            if let created = credential.metadata?.createdAt { fields.append(("created_at", created.rfc3339)) }
            environment.output.write(try WireFormat.write(fields))
        }
    }

    /// `CODEX_ACCESS_TOKEN` from the environment (trimmed; empty means unset), as a credential: Codex uses it before
    /// anything stored.
    public func environmentCredential(_ home: CodexHome) throws(HelperError) -> Credential? {
        guard let raw = environment.variables["CODEX_ACCESS_TOKEN"], !TokenClassifier.trimmed(Array(raw.utf8)).isEmpty else {
            return nil
        }
        let token: ClassifiedToken
        do {
            token = try TokenClassifier.classify(Array(raw.utf8), expecting: .accessToken, now: environment.now())
        } catch {
            throw HelperError(
                .badInput,
                "CODEX_ACCESS_TOKEN is set in the environment but is not usable: \(error.message) Unset it, or pass "
                    + "--no-env to read the stored credential.")
        }
        let record = AuthRecord.encode(token)
        let decoded = AuthRecord.Decoded(kind: token.kind, token: token.token, json: .null)
        let metadata = CredentialMetadata(
            codexHome: home.path, kind: token.kind, expiresAt: token.expiresAt, createdAt: nil,
            fingerprint: CredentialMetadata.fingerprint(token: token.token, record: record))
        return Credential(home: home, decoded: decoded, record: record, metadata: metadata, backend: "environment",
                          location: "the CODEX_ACCESS_TOKEN environment variable")
    }

    /// The variable and token `exec` puts into the child's environment. Refuses an expired credential, and kinds
    /// that have no bearer token for Codex's environment variables.
    public func execCredential(codexHome: String?) throws(HelperError) -> (variable: String, token: String) {
        let home = try CodexHome.resolve(explicit: codexHome, environment: environment.variables)
        let credential = try load(home)
        if let expiry = credential.metadata?.expiresAt ?? credential.decoded.tokenExpiry, expiry <= environment.now() {
            throw expiredError(credential, expiry: expiry)
        }
        switch credential.decoded.kind {
        case .personalAccessToken, .agentIdentity:
            guard let token = credential.decoded.token else { throw noBearerToken() }
            return ("CODEX_ACCESS_TOKEN", token)
        case .apiKey:
            guard let token = credential.decoded.token else { throw noBearerToken() }
            return ("CODEX_API_KEY", token)
        case .chatgpt:
            throw HelperError(
                .badStoredData,
                "The credential for \(home.path) is a ChatGPT login, which Codex reads from its own storage and "
                    + "refreshes itself; exec passes only access tokens and API keys. Run codex directly.")
        }
    }

    func expiredError(_ credential: Credential, expiry: Timestamp) -> HelperError {
        let replace = credential.decoded.kind == .apiKey
            ? "Create a new key, then: printf '%s' \"$KEY\" | codex-credential-helper rotate --with-api-key"
            : "Create a new token on the workspace's Access tokens page, then: printf '%s' \"$TOKEN\" | "
                + "codex-credential-helper rotate"
        return HelperError(
            .expired,
            "The \(credential.decoded.kind.displayName) for \(credential.home.path) (\(credential.backend)) expired at "
                + "\(expiry.rfc3339). \(replace)")
    }

    /// Every credential the store can see, one line each (or JSON). Never a secret.
    public func list(json: Bool) throws(HelperError) {
        var known: [CodexHome] = []
        if let home = try? CodexHome.resolve(explicit: nil, environment: environment.variables) { known.append(home) }
        let entries = try store.list(knownHomes: known)
        let now = environment.now()
        var rows: [[(String, String?)]] = []
        for entry in entries {
            var kind: String?
            var metadata: CredentialMetadata?
            var expiry: Timestamp?
            var problem = entry.problem
            if let stored = entry.stored {
                do {
                    let decoded = try AuthRecord.decode(stored.secret)
                    kind = decoded.kind.rawValue
                    metadata = CredentialMetadata.matching(stored.metadata, decoded: decoded, record: stored.secret)
                    expiry = metadata?.expiresAt ?? decoded.tokenExpiry
                } catch {
                    problem = error.message
                }
            }
            rows.append([
                ("account", entry.account), ("codex_home", entry.codexHome), ("name", metadata?.name), ("kind", kind),
                ("backend", entry.backend), ("expires_at", expiry?.rfc3339),
                ("expired", expiry.map { $0 <= now ? "true" : "false" }), ("created_at", metadata?.createdAt?.rfc3339),
                ("problem", problem),
            ])
        }
        if json {
            let array = JSONValue.array(rows.map { row in
                .object(row.map { key, value in
                    if key == "expired" { return (key, value.map { .bool($0 == "true") } ?? .null) }
                    return (key, value.map(JSONValue.string) ?? .null)
                })
            })
            environment.output.write(array.compactBytes + [0x0A])
            return
        }
        guard !rows.isEmpty else {
            environment.errors.line("No credentials stored.")
            return
        }
        let columns = ["ACCOUNT", "CODEX_HOME", "NAME", "KIND", "BACKEND", "EXPIRES", "CREATED"]
        let keys = ["account", "codex_home", "name", "kind", "backend", "expires_at", "created_at"]
        var table = [columns]
        for row in rows {
            let values = Dictionary(row.map { ($0.0, $0.1) }, uniquingKeysWith: { first, _ in first })
            var line = keys.map { (values[$0] ?? nil) ?? "-" }
            if values["expired"] == "true" { line[5] += " (EXPIRED)" }
            if let problem = values["problem"] ?? nil { line[3] = "? (\(problem))" }
            table.append(line)
        }
        let widths = columns.indices.map { column in table.map { $0[column].count }.max() ?? 0 }
        for line in table {
            let text = line.enumerated().map { index, cell in
                index == line.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }.joined(separator: "  ")
            environment.output.line(text)
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
        let name: String?
        do {
            name = try validatedName(request["name"])
        } catch {
            throw HelperError(.badInput, error.message)
        }
        let outcome = try save(token, home: home, expiresAt: expiry, createdAt: created, name: name)
        if let fallbackReason = outcome.fallbackReason {
            environment.errors.line("Warning: \(fallbackReason), so the credential was stored in \(outcome.location) instead.")
        }
        for warning in outcome.warnings { environment.errors.line("Warning: \(warning)") }
        try removePlaintextAuthJSON(home, savedTo: outcome.backend)
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
        let loaded = try store.load(home)
        for warning in loaded?.warnings ?? [] { environment.errors.line("Warning: \(warning)") }
        guard let stored = loaded else {
            throw HelperError(
                .notFound,
                "No Codex credential is stored for \(home.path) (account \(home.account)) in \(store.displayName). "
                    + "Store one with: printf '%s' \"$TOKEN\" | codex-credential-helper login --with-access-token")
        }
        let decoded = try AuthRecord.decode(stored.secret)
        // A token with whitespace, a control character or a NUL in it (written by another tool, or an older version)
        // is not a token Codex could use: bad stored data in every format, and never printed.
        if let token = decoded.token, token.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) {
            throw HelperError(
                .badStoredData,
                "The credential stored for \(home.path) in \(stored.location) has a token with whitespace or a control "
                    + "character in it (a line break, a NUL), which no valid token has. Log in again to replace it.")
        }
        var metadata = CredentialMetadata.matching(stored.metadata, decoded: decoded, record: stored.secret)
        // A name another tool wrote may break the rules login holds names to: it is left out rather than printed.
        if let name = metadata?.name, (try? validatedName(name)) == nil { metadata?.name = nil }
        return Credential(
            home: home, decoded: decoded, record: stored.secret, metadata: metadata,
            backend: stored.backend, location: stored.location)
    }

    func save(_ token: ClassifiedToken, home: CodexHome, expiresAt: Timestamp?, createdAt: Timestamp, name: String?)
        throws(HelperError) -> SaveOutcome
    {
        let record = AuthRecord.encode(token)
        let metadata = CredentialMetadata(
            codexHome: home.path, kind: token.kind, expiresAt: expiresAt, createdAt: createdAt,
            fingerprint: CredentialMetadata.fingerprint(token: token.token, record: record), name: name)
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
                throw HelperError(.usage, "--expires-in takes a duration such as 12h, 30d or 90d (\(DurationText.unitsText)).")
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

    func noBearerToken() -> HelperError {
        HelperError(
            .badStoredData,
            "The stored agent identity is a registered-runtime record (keys, not a bearer token), so there is no "
                + "token to print; use --format codex-json.")
    }

    /// Removes `$CODEX_HOME/auth.json`, Codex's unencrypted copy, as Codex does after a keyring save, and says so: after
    /// a save, where the credential is now (`savedTo`, the backend the save used); after a logout, nothing more.
    /// Returns whether it existed.
    @discardableResult
    func removePlaintextAuthJSON(_ home: CodexHome, savedTo backend: String?) throws(HelperError) -> Bool {
        do {
            try Syscall.unlink(home.authJSONPath)
        } catch {
            if error == .noEntry { return false }
            throw HelperError(
                .ioError, "Could not remove the plaintext \(home.authJSONPath): \(error). Remove it by hand; it holds a credential.")
        }
        switch backend {
        case nil:
            environment.errors.line("Removed Codex's plaintext copy, \(home.authJSONPath).")
        case "file":
            environment.errors.line(
                "Removed the plaintext \(home.authJSONPath): the credential is in the encrypted file now.")
        default:
            environment.errors.line("Removed the plaintext \(home.authJSONPath) (Codex reads the keyring item instead).")
        }
        return true
    }

    /// `CODEX_ACCESS_TOKEN` is set (trimmed, not empty): Codex uses it before anything stored.
    var accessTokenVariableIsSet: Bool {
        !TokenClassifier.trimmed(Array((environment.variables["CODEX_ACCESS_TOKEN"] ?? "").utf8)).isEmpty
    }

    func warnIfCodexIgnoresKeyring(_ home: CodexHome) {
        guard let advice = CodexConfig.advice(CodexConfig.read(home), path: home.configTOMLPath) else { return }
        environment.errors.line("Note: Codex will not read the keyring yet: \(advice)")
    }
}
