import ArgumentParser
import CredentialCore
import EncryptedFileStore
import SecretServiceStore

#if canImport(Glibc)
import Glibc
#endif

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Diagnose: which backends are usable, where the credential is, whether Codex will find it.",
        discussion: """
            Never prints a secret. Reports the session bus, the Secret Service provider and its default \
            collection (locked, volatile), the encrypted file and its key mode, the stored credential (kind, \
            expiry, backend), a plaintext $CODEX_HOME/auth.json that Codex wrote (what it holds), and what \
            $CODEX_HOME/config.toml makes Codex read. With --check, writes, reads and \
            erases a throwaway credential in the chosen backend and reports each step. Exits 0 when the chosen \
            backend works and holds a usable credential (with --check: when the check passes); otherwise with the \
            backend's failure status, 67 when the credential has expired, or 1 when none is stored.

            EXAMPLES:
              codex-credential-helper status
              codex-credential-helper status --check --backend file
            """)

    @Flag(help: "Also write, read back and erase a throwaway credential in the chosen backend.")
    var check = false

    @Flag(help: "Print the report as one JSON object (see README: status --json); never a secret.")
    var json = false

    @Option(help: ArgumentHelp("Warn when the credential expires within this long.", valueName: "duration"))
    var warnWithin: String = "7d"

    func validate() throws {
        if DurationText.seconds(warnWithin) == nil {
            throw ValidationError("--warn-within takes a duration such as 7d (\(DurationText.unitsText)).")
        }
    }

    @OptionGroup var common: CommonOptions

    func run() throws {
        try runReportingErrors { () throws(HelperError) in
            let environment = SystemIO.helperEnvironment()
            let backends = try common.makeBackends(environment: environment.variables)
            let home: CodexHome
            do throws(HelperError) {
                home = try CodexHome.resolve(explicit: common.codexHome, environment: environment.variables)
            } catch {
                // A diagnosis, not a usage error: say what is wrong with the Codex home, and that nothing can be
                // stored for it until it exists.
                environment.output.line("Codex home      not usable: \(error.message)")
                throw HelperError(.notFound, "No credential can be stored for a Codex home that does not exist.")
            }
            let report = StatusReport(
                home: home, backends: backends, environment: environment,
                warnWithin: DurationText.seconds(warnWithin) ?? 7 * 86_400)
            if json { try report.runJSON() } else { try report.run(check: check) }
        }
    }
}

/// The status report, written to the environment's output. Never touches a secret's bytes beyond decoding.
struct StatusReport {
    let home: CodexHome
    let backends: Backends
    let environment: HelperEnvironment
    let warnWithin: Int64

    private func row(_ label: String, _ text: String) {
        environment.output.line(label.padding(toLength: 16) + text)
    }

    func run(check: Bool) throws(HelperError) {
        row("Codex home", "\(home.path) (keyring account \(home.account))")
        row("Backend", backends.choice.rawValue)

        // The keyring.
        var keyringFailure: HelperError?
        var keyringUsable = false
        do {
            let probe = try backends.keyring.probe()
            if let collection = probe.collection {
                var text = "default collection '\(collection)'"
                if probe.locked {
                    text += probe.canPrompt
                        ? ", locked (an unlock prompt will be shown)"
                        : ", locked; no unlock prompt can be answered from here (no graphical session, or CI): unlock it "
                            + "in the desktop session (logging in does), or with Seahorse"
                } else {
                    text += ", unlocked"
                }
                if probe.volatile { text += "; VOLATILE: credentials are lost when the keyring daemon exits" }
                row("Secret Service", (probe.usable ? "usable: " : "not usable: ") + text)
                keyringUsable = probe.usable
                if !probe.usable {
                    keyringFailure = HelperError(.locked, "The keyring's default collection is locked.", reason: "collection locked")
                }
            } else {
                row("Secret Service", "not usable: the provider has no default collection")
                keyringFailure = HelperError(.unavailable, "The Secret Service has no default collection.")
            }
        } catch {
            row("Secret Service", "not usable: \(error.reason ?? error.message)")
            keyringFailure = error
        }

        if backends.choice == .auto {
            row("", keyringUsable ? "auto stores in the Secret Service keyring" : "auto stores in the encrypted file")
        }

        // The file.
        let file = backends.file
        let path = file.filePath(for: home)
        if let mode = file.keyMode(for: home) {
            row("Encrypted file", "\(path): present, \(mode) mode")
        } else if (try? Syscall.fileStatus(path, followLinks: false)) != nil {
            row("Encrypted file", "\(path): present but unreadable or damaged")
        } else {
            row("Encrypted file", "\(path): none")
        }
        let keyFilePresent = (try? Syscall.fileStatus(file.options.keyFilePath)) != nil
        row("Key file", "\(file.options.keyFilePath)" + (keyFilePresent ? " (present)" : " (none yet)"))
        row("Key cache", "passphrase-derived keys: " + file.keyCacheAvailability.description)

        // Where the credential is. A store that could not be searched is "not checked", never "none".
        var readings: [Reading] = []
        if keyringFailure == nil || keyringUsable {
            readings.append(read(backends.keyring))
        } else if let keyringFailure {
            readings.append(.notChecked(keyringFailure, in: backends.keyring.displayName))
        }
        readings.append(read(file))
        let found = readings.compactMap { describe($0) }
        if found.isEmpty { row("Credential", "none stored") }
        for (index, text) in found.enumerated() { row(index == 0 ? "Credential" : "", text) }
        if Set(readings.compactMap(\.token)).count > 1 {
            row("", "WARNING: the keyring and the encrypted file hold different credentials; get and exec serve the one "
                + "stored last, Codex itself reads only the keyring's. Log in again to make them one.")
        }

        // Codex's own unencrypted copy, which Codex reads when config.toml leaves it on its file store.
        if let copy = plaintextCopy() {
            if let decoded = copy.decoded {
                row("Plaintext", "\(home.authJSONPath): Codex's own unencrypted copy of the \(decoded.kind.displayName), "
                    + "readable by any program running as you; `login` with the same credential stores it encrypted "
                    + "and removes the file, `logout` removes it")
            } else {
                row("Plaintext", "\(home.authJSONPath): present, \(copy.problem ?? "not a Codex auth record"); `logout` removes it")
            }
        }

        // A CODEX_ACCESS_TOKEN in the environment wins over any stored login in Codex.
        if let raw = environment.variables["CODEX_ACCESS_TOKEN"] {
            let fromEnvironment = String(decoding: TokenClassifier.trimmed(Array(raw.utf8)), as: UTF8.self)
            if !fromEnvironment.isEmpty {
                let stored = readings.compactMap(\.token)
                if stored.isEmpty {
                    row("Environment", "CODEX_ACCESS_TOKEN is set; Codex uses it (nothing is stored)")
                } else if stored.contains(fromEnvironment) {
                    row("Environment", "CODEX_ACCESS_TOKEN is set and matches the stored credential")
                } else {
                    row("Environment", "WARNING: CODEX_ACCESS_TOKEN is set and differs from the stored credential. "
                        + "Codex uses the variable first, so the stored login is ignored; unset it if it is stale.")
                }
            }
        }

        // What Codex will do.
        let config = CodexConfig.read(home)
        if let advice = CodexConfig.advice(config, path: home.configTOMLPath) {
            row("Codex", "does not read the keyring: \(advice) The encrypted file is never read by Codex itself.")
        } else {
            row("Codex", "config.toml sets cli_auth_credentials_store = \"\(config?.credentialsStore ?? "")\": Codex reads the keyring item")
        }

        // Is the chosen backend working?
        let chosenFailure: HelperError?
        switch backends.choice {
        case .secretService: chosenFailure = keyringFailure
        case .file, .auto: chosenFailure = nil
        }
        if check { try runCheck() }
        if let chosenFailure {
            throw HelperError(chosenFailure.code, "The chosen backend (secret-service) is not usable: \(chosenFailure.message)")
        }
        // With --check, the check decides.
        if !check { try exitStatus(readings) }
    }

    /// Codex's own unencrypted `$CODEX_HOME/auth.json`, as status reports it: what it holds, never the secret.
    struct PlaintextCopy {
        var decoded: AuthRecord.Decoded?
        var problem: String?
        var fingerprint: String?
    }

    /// nil when there is no auth.json.
    private func plaintextCopy() -> PlaintextCopy? {
        let bytes: [UInt8]
        do {
            guard let read = try Syscall.readFile(home.authJSONPath, limit: 1 << 20) else { return nil }
            bytes = read
        } catch {
            return PlaintextCopy(problem: "not readable (\(error))")
        }
        guard let decoded = try? AuthRecord.decode(bytes) else {
            return PlaintextCopy(problem: "not a Codex auth record")
        }
        return PlaintextCopy(
            decoded: decoded, fingerprint: CredentialMetadata.fingerprint(token: decoded.token, record: bytes))
    }

    /// What one store holds, as status reports it.
    enum Reading {
        case nothing
        case credential(StoredCredential, AuthRecord.Decoded, CredentialMetadata?, expiry: Timestamp?, expired: Bool)
        /// The store (named) could not be searched: locked, timed out, refused, not there for this session.
        case notChecked(HelperError, in: String)
        /// The store (named) was searched, but what it holds cannot be read.
        case unreadable(HelperError, in: String)

        var token: String? {
            if case .credential(_, let decoded, _, _, _) = self { return decoded.token }
            return nil
        }
    }

    private func read(_ store: any CredentialStore) -> Reading {
        do {
            guard let stored = try store.load(home) else { return .nothing }
            let decoded = try AuthRecord.decode(stored.secret)
            let metadata = CredentialMetadata.matching(stored.metadata, decoded: decoded, record: stored.secret)
            let expiry = metadata?.expiresAt ?? decoded.tokenExpiry
            return .credential(
                stored, decoded, metadata, expiry: expiry, expired: expiry.map { $0 <= environment.now() } ?? false)
        } catch where [.locked, .timeout, .unavailable].contains(error.code) {
            return .notChecked(error, in: store.displayName)
        } catch {
            return .unreadable(error, in: store.displayName)
        }
    }

    /// As `gh auth status`: 0 only with a usable credential; 67 when it has expired; the keyring's own status when it
    /// is there but could not be searched; 1 when nothing is stored.
    private func exitStatus(_ readings: [Reading]) throws(HelperError) {
        var expired = false
        var unchecked: HelperError?
        for reading in readings {
            switch reading {
            case .credential(_, _, _, _, let isExpired):
                if !isExpired { return }
                expired = true
            case .notChecked(let error, _) where error.code != .unavailable:
                if unchecked == nil { unchecked = error }
            default:
                break
            }
        }
        if expired {
            throw HelperError(.expired, "The stored credential has expired; replace it with `codex-credential-helper rotate`.")
        }
        if let unchecked { throw HelperError(unchecked.code, "The keyring could not be searched: \(unchecked.message)") }
        throw HelperError(.notFound, "No usable credential is stored for \(home.path).")
    }

    /// The line for a reading (nil: nothing there).
    private func describe(_ reading: Reading) -> String? {
        switch reading {
        case .nothing:
            return nil
        case .notChecked(let error, let store):
            return "not checked in \(store): \(error.reason ?? error.message)"
        case .unreadable(let error, let store):
            return "in \(store), but not readable here: \(error.message)"
        case .credential(let stored, let decoded, let metadata, let expiry, _):
            var text = "\(decoded.kind.displayName)\(metadata?.name.map { " '\($0)'" } ?? "") in \(stored.location)"
            if let expiry {
                let remaining = expiry.secondsSinceEpoch - environment.now().secondsSinceEpoch
                if remaining <= 0 {
                    text += ", EXPIRED at \(expiry.rfc3339): replace it (rotate)"
                } else {
                    text += ", expires \(expiry.rfc3339) (\(timeLeftText(remaining)))"
                    if remaining <= warnWithin { text += "; WARNING: within \(warnWithinText), plan its rotation" }
                }
            } else if decoded.kind == .personalAccessToken {
                text += ", expiry unknown (record it with login --expires-in)"
            }
            return text
        }
    }

    /// `status --json`: one object per store (keyring, file, environment), each checked or not (and why), with what
    /// it holds (kind, name, expiry, fingerprint; never the secret), and what Codex will read. The exit status is
    /// the text report's.
    func runJSON() throws(HelperError) {
        var stores: [JSONValue] = []
        var readings: [Reading] = []
        func entry(_ name: String, _ store: any CredentialStore) {
            let reading = read(store)
            readings.append(reading)
            var fields: [(String, JSONValue)] = [("store", .string(name))]
            switch reading {
            case .nothing:
                fields += [("checked", .bool(true)), ("credential", .null)]
            case .credential(let stored, let decoded, let metadata, let expiry, let expired):
                fields += [("checked", .bool(true)), ("credential", .object([
                    ("kind", .string(decoded.kind.rawValue)), ("name", metadata?.name.map(JSONValue.string) ?? .null),
                    ("expires_at", expiry.map { .string($0.rfc3339) } ?? .null), ("expired", .bool(expired)),
                    ("fingerprint", .string(CredentialMetadata.fingerprint(token: decoded.token, record: stored.secret))),
                    ("location", .string(stored.location)),
                ]))]
            case .notChecked(let error, _):
                fields += [("checked", .bool(false)), ("why", .string(error.reason ?? error.message)), ("credential", .null)]
            case .unreadable(let error, _):
                fields += [("checked", .bool(true)), ("problem", .string(error.message)), ("credential", .null)]
            }
            stores.append(.object(fields))
        }
        if backends.choice != .file { entry("keyring", backends.keyring) }
        if backends.choice != .secretService { entry("file", backends.file) }
        let variable = TokenClassifier.trimmed(Array((environment.variables["CODEX_ACCESS_TOKEN"] ?? "").utf8))
        stores.append(.object([
            ("store", .string("environment")), ("checked", .bool(true)),
            ("credential", variable.isEmpty ? .null : .object([
                ("variable", .string("CODEX_ACCESS_TOKEN")),
                ("fingerprint", .string(CredentialMetadata.fingerprint(token: String(decoding: variable, as: UTF8.self), record: []))),
            ])),
        ]))
        let config = CodexConfig.read(home)
        let codex: JSONValue = .object([
            ("config_toml", .string(home.configTOMLPath)),
            ("cli_auth_credentials_store", config?.credentialsStore.map(JSONValue.string) ?? .null),
            ("reads", .string(variable.isEmpty ? (config?.readsKeyring == true ? "keyring" : "auth.json") : "environment")),
            ("plaintext_auth_json", plaintextCopy().map { copy in .object([
                ("path", .string(home.authJSONPath)),
                ("kind", copy.decoded.map { .string($0.kind.rawValue) } ?? .null),
                ("fingerprint", copy.fingerprint.map(JSONValue.string) ?? .null),
                ("problem", copy.problem.map(JSONValue.string) ?? .null),
            ]) } ?? .null),
        ])
        let report: JSONValue = .object([
            ("codex_home", .string(home.path)), ("account", .string(home.account)),
            ("backend", .string(backends.choice.rawValue)), ("stores", .array(stores)), ("codex", codex),
        ])
        environment.output.write(report.compactBytes + [0x0A])
        try exitStatus(readings)
    }

    private var warnWithinText: String {
        warnWithin % 86_400 == 0 ? "\(warnWithin / 86_400) days" : "\(warnWithin / 3600) hours"
    }

    /// Writes, reads back and erases a throwaway credential in the chosen backend (as Git Credential
    /// Manager's `diagnose` does), reporting each step.
    private func runCheck() throws(HelperError) {
        var fileOptions = backends.file.options
        fileOptions.filePath = EncryptedFileStore.directory(of: backends.file.filePath(for: home)) + "/.credentials.check.sealed"
        let file = EncryptedFileStore(options: fileOptions)
        let checkBackends = Backends(choice: backends.choice, keyring: backends.keyring, file: file)
        let store = checkBackends.store
        let checkHome = CodexHome(path: home.path + "/.codex-credential-helper-check")
        var generator = SystemRandomNumberGenerator()
        let token = "at-status-check-" + String(UInt64.random(in: .min ... .max, using: &generator), radix: 36)
        let record = AuthRecord.encode(ClassifiedToken(kind: .personalAccessToken, token: token, expiresAt: nil))
        let metadata = CredentialMetadata(
            codexHome: checkHome.path, kind: .personalAccessToken, expiresAt: nil, createdAt: environment.now(),
            fingerprint: CredentialMetadata.fingerprint(token: token, record: record))

        func step(_ name: String, _ body: () throws(HelperError) -> String) throws(HelperError) {
            do {
                row("Check: " + name, "ok" + (try body()))
            } catch {
                row("Check: " + name, "FAILED: \(error.message)")
                _ = try? store.erase(checkHome)
                throw error
            }
        }
        try step("write") { () throws(HelperError) -> String in
            let outcome = try store.save(checkHome, secret: record, metadata: metadata.attributes)
            return " (\(outcome.location))"
        }
        try step("read") { () throws(HelperError) -> String in
            guard let stored = try store.load(checkHome), stored.secret == record else {
                throw HelperError(.internalError, "The throwaway credential did not read back as written.")
            }
            return ", it reads back as written"
        }
        try step("erase") { () throws(HelperError) -> String in
            _ = try store.erase(checkHome)
            guard try store.load(checkHome) == nil else {
                throw HelperError(.internalError, "The throwaway credential is still there after erase.")
            }
            return ", nothing left behind"
        }
        _ = try? Syscall.unlink(file.filePath(for: checkHome) + ".lock")
    }
}

extension String {
    fileprivate func padding(toLength length: Int) -> String {
        count >= length ? self + " " : self + String(repeating: " ", count: length - count)
    }
}
