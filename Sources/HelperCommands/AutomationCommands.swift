import ArgumentParser
import CredentialCore

struct Exec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run a command with the stored credential in its environment, and nowhere else.",
        discussion: """
            An access token (personal or agent identity) goes into CODEX_ACCESS_TOKEN, an API key into \
            CODEX_API_KEY; CODEX_ACCESS_TOKEN, CODEX_API_KEY, OPENAI_API_KEY and CODEX_CREDENTIAL_PASSPHRASE are \
            otherwise removed, so the intended credential wins. The helper then replaces itself with the command \
            (execve): exit status and signals are the command's own. A command that cannot be found exits 127, one \
            that cannot be run 126, as in a shell. An expired credential is refused before anything runs. \
            CODEX_CREDENTIAL_HELPER_EXEC is set in the command's environment; exec refuses to run inside another exec.

            EXAMPLES:
              codex-credential-helper exec -- codex exec "summarise the failing tests"
              codex-credential-helper exec --codex-home /srv/ci/codex-home -- codex exec --json "…"
            """)

    @OptionGroup var common: CommonOptions

    // Only what follows `--` is the command: before it, options are options (--help prints help, a misspelt option
    // is a usage error), as with `aws-vault exec` and `op run`.
    @Argument(
        parsing: .postTerminator, help: ArgumentHelp("The command and its arguments, after --.", valueName: "command"),
        completion: .custom { arguments, index, prefix in SystemIO.completions(arguments, index, prefix) })
    var command: [String] = []

    func validate() throws {
        guard !command.drop(while: { $0 == "--" }).isEmpty else {
            throw ValidationError("Give the command to run after --, e.g. exec -- codex exec …")
        }
    }

    func run() throws {
        var arguments = command
        if arguments.first == "--" { arguments.removeFirst() }
        try runReportingErrors { () throws(HelperError) in
            let environment = SystemIO.helperEnvironment()
            if let outer = environment.variables[SystemIO.execMarker] {
                throw HelperError(
                    .usage,
                    "Already inside `codex-credential-helper exec` (for \(outer)): this environment already holds the "
                        + "credential. Run the command directly, or unset \(SystemIO.execMarker) to nest on purpose.")
            }
            let service = try common.makeService()
            let home = try CodexHome.resolve(explicit: common.codexHome, environment: environment.variables)
            let (variable, token) = try service.execCredential(codexHome: common.codexHome)
            let child = SystemIO.childEnvironment(variable: variable, token: token, codexHome: home.path)
            throw SystemIO.execReplacingProcess(arguments, environment: child)
        }
    }
}

struct Rotate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Replace the stored credential with a new one read from stdin, optionally only if a smoke test passes.",
        discussion: """
            Reads and validates the replacement as login does. With --smoke-test, runs the command (with /bin/sh -c, \
            stdin from /dev/null) with the new credential in its environment as exec would; only if it exits 0 is \
            the new credential committed, atomically, in place of the old one. If it fails, the old credential \
            stays, the new one is discarded, and the exit status is the smoke test's. Readers see the old or the \
            new credential, never nothing. Then revoke the old token on the workspace's Access tokens page.

            EXAMPLES:
              printf '%s' "$NEW_TOKEN" | codex-credential-helper rotate --expires-in 30d --smoke-test 'codex exec "say ok"'
              printf '%s' "$NEW_KEY" | codex-credential-helper rotate --with-api-key
            """)

    @Flag(help: "The replacement is a Codex access token: at-… (personal) or an agent-identity JWT (the default).")
    var withAccessToken = false

    @Flag(help: "The replacement is a Platform API key (sk-…) rather than an access token.")
    var withApiKey = false

    @Option(help: ArgumentHelp("Command to run with the new credential; commit only if it exits 0.", valueName: "command"))
    var smokeTest: String?

    @OptionGroup var token: TokenOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        // Here, not in validate(): ArgumentParser validates before it reports an unknown option, which must come first.
        if withAccessToken && withApiKey { throw ValidationError("Give --with-access-token or --with-api-key, not both.") }
        try runReportingErrors { () throws(HelperError) in
            let service = try common.makeService()
            var raw = try readToken(prompt: withApiKey ? "Paste the new API key (input is hidden): "
                : "Paste the new Codex access token (input is hidden): ")
            defer { for i in raw.indices { raw[i] = 0 } }
            var test: CredentialService.SmokeTest?
            if let smokeTest {
                let home = try CodexHome.resolve(explicit: common.codexHome, environment: service.environment.variables)
                test = { (variable: String, value: String) throws(HelperError) -> Int32 in
                    try SystemIO.runShell(
                        smokeTest, environment: SystemIO.childEnvironment(variable: variable, token: value, codexHome: home.path))
                }
            }
            try service.rotate(
                rawToken: raw, options: token.loginOptions(codexHome: common.codexHome, apiKey: withApiKey), smokeTest: test)
        }
    }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List every credential the helper can see, across backends and Codex homes. Never a secret.",
        discussion: """
            One line each: account, Codex home, name, kind, backend, expiry, creation time. The keyring is searched \
            for every Codex account; encrypted files are found in the Codex homes the helper has written to, and \
            in the current one.

            EXAMPLES:
              codex-credential-helper list
              codex-credential-helper list --json | jq '.[] | select(.expired)'
            """)

    @Flag(help: "Print a JSON array instead of a table.")
    var json = false

    @OptionGroup var common: CommonOptions

    func run() throws {
        try runReportingErrors { () throws(HelperError) in
            try common.makeService().list(json: json)
        }
    }
}

/// Options of the commands that take a new token: login and rotate.
struct TokenOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Record that the token expires after this long (12h, 30d, 90d).", valueName: "duration"))
    var expiresIn: String?

    @Option(help: ArgumentHelp("Record that the token expires at this date or RFC 3339 time.", valueName: "date"))
    var expiresAt: String?

    @Option(help: ArgumentHelp("The token's name on the workspace's Access tokens page (e.g. release-ci).", valueName: "name"))
    var name: String?

    @Option(help: ArgumentHelp("Warn when the token expires within this long.", valueName: "duration"))
    var warnWithin: String = "7d"

    func validate() throws {
        if expiresIn != nil && expiresAt != nil { throw ValidationError("Give --expires-in or --expires-at, not both.") }
        if DurationText.seconds(warnWithin) == nil {
            throw ValidationError("--warn-within takes a duration such as 7d or 48h (\(DurationText.unitsText)).")
        }
    }

    func loginOptions(codexHome: String?, apiKey: Bool) -> CredentialService.LoginOptions {
        .init(codexHome: codexHome, expectation: apiKey ? .apiKey : .accessToken, expiresIn: expiresIn,
              expiresAt: expiresAt, name: name, warnWithin: DurationText.seconds(warnWithin) ?? 7 * 86_400)
    }
}

/// The token from stdin: a hidden prompt on a terminal, else everything until end of file (at most 1 MiB).
func readToken(prompt: String) throws(HelperError) -> [UInt8] {
    let limit = 1024 * 1024
    let raw = SystemIO.stdinIsTerminal
        ? try SystemIO.promptHidden(prompt, limit: limit) : try SystemIO.readStandardInput(limit: limit)
    if SystemIO.stdinIsTerminal && TokenClassifier.trimmed(raw).isEmpty {
        // At a prompt, an empty Enter is not a missing pipe: say what to do there.
        throw HelperError(.badInput, "Nothing was entered; paste the token at the prompt (it is not shown), then press Enter.")
    }
    if raw.count > limit {
        throw HelperError(.badInput, "The input is over 1 MiB; a token is at most 64 KiB. Nothing was stored.")
    }
    return raw
}
