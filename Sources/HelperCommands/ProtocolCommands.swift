import ArgumentParser
import CredentialCore

private let protocolDiscussion = """
    PROTOCOL: key=value lines on standard input, ending at a blank line or end of input. Keys are [a-z_]+; \
    values hold no NUL, CR or LF; a line is at most 64 KiB and a request at most 1 MiB; a repeated key is an \
    error; unknown keys are ignored. Keys: codex_home, kind (personal_access_token, agent_identity, api_key, \
    chatgpt), token, expires_at and created_at (RFC 3339, UTC), name, account, backend.
    """

struct Get: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Print the stored credential (key=value lines, the token alone, or Codex's JSON record).",
        discussion: """
            Any request is accepted, including an empty or closed standard input (a terminal is not read). \
            Prints nothing on stdout and exits 1 when no credential is stored, 67 when it has expired. When \
            CODEX_ACCESS_TOKEN is set (and not empty), that is what Codex uses, so get reports it, with \
            backend=environment, unless --no-env. As Codex's token command (stdin closed, 5 s): \
            args = ["get", "--format", "token", "--timeout", "3"].

            EXAMPLES:
              codex-credential-helper get --format token
              printf 'codex_home=/srv/ci/codex-home\\n' | codex-credential-helper get
              codex-credential-helper get --format codex-json </dev/null

            \(protocolDiscussion)
            """)

    @Option(help: ArgumentHelp("Output: kv (key=value lines), token (the token alone), codex-json (the exact record)."))
    var format: OutputFormat = .keyValue

    @Flag(help: "Ignore CODEX_ACCESS_TOKEN in the environment (which Codex itself would use first).")
    var noEnv = false

    @Flag(help: "Print an expired credential anyway (for inspection).")
    var allowExpired = false

    @OptionGroup var common: CommonOptions

    func run() throws {
        try runReportingErrors { () throws(HelperError) in
            try Self.perform(common: common.settings, options: .init(format: format, useEnvironment: !noEnv, allowExpired: allowExpired))
        }
    }

    /// The command itself, shared with the fast path.
    static func perform(common: CommonSettings, options: CredentialService.GetOptions) throws(HelperError) {
        let (service, request) = try common.protocolRequest()
        try service.get(request: request, codexHome: common.codexHome, options: options)
    }
}

struct Store: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Store the credential given as key=value lines (token= is required).",
        discussion: """
            Applies the same rules as login: the token must be an access token (or, with kind=api_key, an API key).

            EXAMPLES:
              printf 'token=%s\\nexpires_at=2026-12-31T00:00:00Z\\n' "$TOKEN" | codex-credential-helper store

            \(protocolDiscussion)
            """)

    @OptionGroup var common: CommonOptions

    func run() throws {
        try runReportingErrors { () throws(HelperError) in try Self.perform(common: common.settings) }
    }

    /// The command itself, shared with the fast path.
    static func perform(common: CommonSettings) throws(HelperError) {
        let (service, request) = try common.protocolRequest()
        try service.store(request: request, codexHome: common.codexHome)
    }
}

struct Erase: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase",
        abstract: "Erase the credential named by the request (an empty request is refused).",
        discussion: """
            Erases the stored credential for the request's codex_home. With token= or kind=, erases only a matching \
            credential. Exits 1 when nothing matched.

            EXAMPLES:
              printf 'codex_home=%s\\n' "$HOME/.codex" | codex-credential-helper erase

            \(protocolDiscussion)
            """)

    @OptionGroup var common: CommonOptions

    func run() throws {
        try runReportingErrors { () throws(HelperError) in try Self.perform(common: common.settings) }
    }

    /// The command itself, shared with the fast path.
    static func perform(common: CommonSettings) throws(HelperError) {
        let (service, request) = try common.protocolRequest()
        try service.erase(request: request, codexHome: common.codexHome)
    }
}
