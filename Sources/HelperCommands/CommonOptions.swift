import ArgumentParser
import CredentialCore
import SecretServiceStore

/// Options every command takes.
struct CommonOptions: ParsableArguments {
    @Option(
        name: .customLong("codex-home"),
        help: ArgumentHelp(
            "The Codex home whose credential to use (default: $CODEX_HOME if set and non-empty, else ~/.codex).",
            valueName: "dir"))
    var codexHome: String?

    @Option(
        help: ArgumentHelp("Upper bound on keyring (D-Bus) calls, in seconds.", valueName: "seconds"))
    var timeout: Double = 5

    func validate() throws {
        guard timeout > 0, timeout <= 600 else {
            throw ValidationError("--timeout must be more than 0 and at most 600 seconds.")
        }
    }

    /// The service for this invocation, over the real environment and the Secret Service.
    func makeService() -> CredentialService {
        let environment = SystemIO.helperEnvironment()
        let variables = environment.variables
        // A prompt needs somebody to see it: a graphical session and a terminal, and not a CI job.
        let hasDisplay = !(variables["DISPLAY"] ?? "").isEmpty || !(variables["WAYLAND_DISPLAY"] ?? "").isEmpty
        let inCI = (variables["CI"] ?? "").lowercased() == "true"
        let canPrompt = hasDisplay && !inCI && (SystemIO.stdinIsTerminal || SystemIO.stderrIsTerminal)
        let store = SecretServiceStore(
            options: .init(
                timeoutMilliseconds: Int(timeout * 1000), canPrompt: canPrompt, environment: variables))
        return CredentialService(store: store, environment: environment)
    }
}

/// Runs a command body, turning a `HelperError` into its message on stderr and its documented exit status.
/// No command calls exit() itself.
func runReportingErrors(_ body: () throws(HelperError) -> Void) throws {
    do {
        try body()
    } catch {
        FileDescriptorWriter(fd: 2).line("codex-credential-helper: \(error.message)")
        throw ExitCode(error.code.exitStatus)
    }
}

extension OutputFormat: ExpressibleByArgument {}
