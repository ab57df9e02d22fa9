import ArgumentParser
import CredentialCore
import EncryptedFileStore
import SecretServiceStore

#if canImport(Glibc)
import Glibc
#endif

/// Which store a command uses.
enum BackendChoice: String, ExpressibleByArgument, CaseIterable {
    case auto
    case secretService = "secret-service"
    case file
}

extension EncryptedFileStore.KeyModeChoice: ExpressibleByArgument {}
extension OutputFormat: ExpressibleByArgument {}

/// Options every command takes.
struct CommonOptions: ParsableArguments {
    @Option(
        name: .customLong("codex-home"),
        help: ArgumentHelp(
            "The Codex home whose credential to use (default: $CODEX_HOME if set and non-empty, else ~/.codex).",
            valueName: "dir"),
        completion: .directory)
    var codexHome: String?

    @Option(help: ArgumentHelp("Upper bound on keyring (D-Bus) calls, in seconds.", valueName: "seconds"))
    var timeout: Double = 5

    @Option(
        help: ArgumentHelp(
            "Where credentials live: auto (the keyring when usable, else the encrypted file), secret-service, or "
                + "file. Default: $CODEX_CREDENTIAL_BACKEND, else auto.",
            valueName: "backend"))
    var backend: BackendChoice?

    @Option(
        help: ArgumentHelp(
            "The encrypted file (default: $CODEX_CREDENTIAL_FILE, else $CODEX_HOME/credentials.sealed).",
            valueName: "path"),
        completion: .file())
    var file: String?

    @Option(
        help: ArgumentHelp(
            "How a new encrypted file is keyed: auto (a passphrase when one is given, else a key file), passphrase, "
                + "or key-file. Default: $CODEX_CREDENTIAL_KEY_MODE, else auto.",
            valueName: "mode"))
    var keyMode: EncryptedFileStore.KeyModeChoice?

    @Option(help: ArgumentHelp("Read the file passphrase from this file (mode 0600).", valueName: "path"), completion: .file())
    var passphraseFile: String?

    @Option(help: ArgumentHelp("Read the file passphrase from this file descriptor.", valueName: "fd"))
    var passphraseFd: Int32?

    @Flag(help: "Trace what the helper does on stderr (secrets redacted). Also CODEX_CREDENTIAL_TRACE=1.")
    var verbose = false

    func validate() throws {
        if let problem = settings.validationProblem { throw ValidationError(problem) }
    }

    /// The parsed values, as the commands use them.
    var settings: CommonSettings {
        CommonSettings(
            codexHome: codexHome, timeout: timeout, backend: backend, file: file, keyMode: keyMode,
            passphraseFile: passphraseFile, passphraseFd: passphraseFd, verbose: verbose)
    }

    func makeBackends(environment variables: [String: String]) throws(HelperError) -> Backends {
        try settings.makeBackends(environment: variables)
    }

    func makeService() throws(HelperError) -> CredentialService { try settings.makeService() }
}

/// The values of the options every command takes, however they were parsed (by the argument parser, or by the
/// fast path for get/store/erase, which never touches it).
struct CommonSettings: Equatable {
    var codexHome: String?
    var timeout: Double = 5
    var backend: BackendChoice?
    var file: String?
    var keyMode: EncryptedFileStore.KeyModeChoice?
    var passphraseFile: String?
    var passphraseFd: Int32?
    var verbose = false

    /// What is wrong with the combination, in the words the usage error gives; nil when nothing is.
    var validationProblem: String? {
        guard timeout > 0, timeout <= 600 else { return "--timeout must be more than 0 and at most 600 seconds." }
        if passphraseFile != nil && passphraseFd != nil { return "Give --passphrase-file or --passphrase-fd, not both." }
        if let passphraseFd, passphraseFd < 0 { return "--passphrase-fd takes a file descriptor number." }
        return nil
    }

    /// The backend: --backend, else CODEX_CREDENTIAL_BACKEND (`fromEnvironment`) when set and non-empty, else auto.
    func backendChoice(_ fromEnvironment: String?) throws(HelperError) -> BackendChoice {
        if let backend { return backend }
        guard let fromEnvironment, !fromEnvironment.isEmpty else { return .auto }
        guard let parsed = BackendChoice(rawValue: fromEnvironment) else {
            throw HelperError(.usage, "CODEX_CREDENTIAL_BACKEND must be auto, secret-service or file.")
        }
        return parsed
    }

    /// get, store and erase: the keyring's libraries start loading (in the background, when the keyring is chosen)
    /// before the request is read from standard input, so that loading overlaps the wait for the request and the
    /// rest of the start-up; then the service, for a short-lived command. An unusable CODEX_CREDENTIAL_BACKEND loads
    /// nothing here and is reported by `makeService`.
    func protocolRequest() throws(HelperError) -> (service: CredentialService, request: WireRequest) {
        if let choice = try? backendChoice(SystemIO.environmentValue("CODEX_CREDENTIAL_BACKEND")), choice != .file {
            SecretServiceStore.preload()
        }
        let request = try SystemIO.readRequest()
        return (try makeService(shortLived: true), request)
    }

    /// The stores for this invocation, over the real environment. `shortLived`: see
    /// SecretServiceStore.Options.leaveLastConnectionToExit.
    func makeBackends(environment variables: [String: String], shortLived: Bool = false) throws(HelperError) -> Backends {
        let traceVariable = (variables["CODEX_CREDENTIAL_TRACE"] ?? "").lowercased()
        if verbose || traceVariable == "1" || traceVariable == "true" {
            Trace.shared.enable(writingTo: FileDescriptorWriter(fd: 2))
        }
        for name in SystemIO.credentialVariables {
            if let value = variables[name] { Trace.shared.redact(String(decoding: TokenClassifier.trimmed(Array(value.utf8)), as: UTF8.self)) }
        }
        let choice = try backendChoice(variables["CODEX_CREDENTIAL_BACKEND"])
        if choice != .file { SecretServiceStore.preload() }
        var mode = keyMode ?? .auto
        if keyMode == nil, let fromEnvironment = variables["CODEX_CREDENTIAL_KEY_MODE"], !fromEnvironment.isEmpty {
            guard let parsed = EncryptedFileStore.KeyModeChoice(rawValue: fromEnvironment) else {
                throw HelperError(.usage, "CODEX_CREDENTIAL_KEY_MODE must be auto, passphrase or key-file.")
            }
            mode = parsed
        }

        // A prompt needs somebody to see it: a graphical session and a terminal, and not a CI job.
        let hasDisplay = !(variables["DISPLAY"] ?? "").isEmpty || !(variables["WAYLAND_DISPLAY"] ?? "").isEmpty
        let inCI = (variables["CI"] ?? "").lowercased() == "true"
        let canPrompt = hasDisplay && !inCI && (SystemIO.stdinIsTerminal || SystemIO.stderrIsTerminal)
        var keyringOptions = SecretServiceStore.Options(
            timeoutMilliseconds: Int(timeout * 1000), canPrompt: canPrompt, environment: variables)
        keyringOptions.leaveLastConnectionToExit = shortLived
        let keyring = SecretServiceStore(options: keyringOptions)

        let filePath = file ?? variables["CODEX_CREDENTIAL_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        let passphrase = try suppliedPassphrase(variables)
        var prompt: ((EncryptedFileStore.PassphrasePurpose) throws(HelperError) -> [UInt8])?
        if !inCI && SystemIO.hasTerminal { prompt = Self.terminalPassphrase }
        let fileOptions = EncryptedFileStore.Options(
            filePath: filePath, keyMode: mode, passphrase: passphrase, prompt: prompt,
            keyFilePath: EncryptedFileStore.Options.defaultKeyFilePath(environment: variables),
            lockTimeoutMilliseconds: Int(timeout * 1000),
            keyCacheSeconds: try EncryptedFileStore.Options.keyCacheSeconds(environment: variables))
        let sealed = EncryptedFileStore(options: fileOptions)
        Trace.shared.log(
            "backend \(choice.rawValue) (keyring timeout \(Int(timeout * 1000)) ms, prompt \(canPrompt ? "possible" : "impossible"); "
                + "file \(filePath ?? "$CODEX_HOME/credentials.sealed"), key mode \(mode.rawValue), passphrase "
                + "\(passphrase == nil ? "not given" : "given")\(prompt == nil ? "" : ", terminal prompt available"), key file "
                + "\(fileOptions.keyFilePath))")
        return Backends(choice: choice, keyring: keyring, file: sealed)
    }

    /// The service for this invocation, over the real environment and the chosen store.
    func makeService(shortLived: Bool = false) throws(HelperError) -> CredentialService {
        let environment = SystemIO.helperEnvironment()
        let backends = try makeBackends(environment: environment.variables, shortLived: shortLived)
        return CredentialService(store: backends.store, environment: environment)
    }

    /// A passphrase given without a prompt: --passphrase-fd, --passphrase-file, then CODEX_CREDENTIAL_PASSPHRASE.
    private func suppliedPassphrase(_ variables: [String: String]) throws(HelperError) -> [UInt8]? {
        var passphrase: [UInt8]?
        if let passphraseFd {
            passphrase = try SystemIO.readPassphrase(fd: passphraseFd)
        } else if let passphraseFile {
            // Held to the rules of the key file and the sealed file: opened once, no symbolic link, a regular file of
            // this user's that nobody else can read.
            guard let bytes = try EncryptedFileStore.readPrivateFile(passphraseFile, what: "passphrase file", limit: 64 * 1024)
            else { throw HelperError(.usage, "The passphrase file \(quoted(passphraseFile)) does not exist.") }
            passphrase = SystemIO.trimmingNewline(bytes)
        } else if let fromEnvironment = variables["CODEX_CREDENTIAL_PASSPHRASE"], !fromEnvironment.isEmpty {
            passphrase = Array(fromEnvironment.utf8)
        }
        if let passphrase, passphrase.isEmpty { throw HelperError(.usage, "The passphrase is empty.") }
        if let passphrase { Trace.shared.redact(String(decoding: passphrase, as: UTF8.self)) }
        return passphrase
    }

    private static func terminalPassphrase(_ purpose: EncryptedFileStore.PassphrasePurpose) throws(HelperError) -> [UInt8] {
        let question = purpose == .openAgain
            ? "That passphrase does not open it. Passphrase for the encrypted credential file: "
            : "Passphrase for the encrypted credential file: "
        guard let first = try SystemIO.promptOnTerminal(question, limit: 4096),
            !first.isEmpty
        else { throw HelperError(.wrongPassphrase, "No passphrase was entered.", reason: "no passphrase") }
        guard purpose == .create else { return first }
        let second = try SystemIO.promptOnTerminal("Repeat the passphrase: ", limit: 4096)
        guard second == first else { throw HelperError(.badInput, "The two passphrases differ; nothing was stored.") }
        return first
    }
}

/// The stores an invocation can use, and the one its --backend chose.
struct Backends {
    var choice: BackendChoice
    var keyring: SecretServiceStore
    var file: EncryptedFileStore

    var store: any CredentialStore {
        switch choice {
        case .auto: return FallbackStore(primary: keyring, fallback: file)
        case .secretService: return keyring
        case .file: return file
        }
    }
}

/// Runs a command body, turning a `HelperError` into its message on stderr and its documented exit status.
/// No command calls exit() itself.
func runReportingErrors(_ body: () throws(HelperError) -> Void) throws {
    let status = exitStatusReportingErrors(body)
    if status != 0 { throw ExitCode(status) }
}

/// The same, for callers outside the argument parser: the exit status, 0 on success.
func exitStatusReportingErrors(_ body: () throws(HelperError) -> Void) -> Int32 {
    do {
        try body()
        return 0
    } catch {
        FileDescriptorWriter(fd: 2).line("codex-credential-helper: \(error.message)")
        return error.exitStatus
    }
}
