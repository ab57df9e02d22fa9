import ArgumentParser
import CredentialCore

struct Login: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Store a Codex access token (or API key) read from standard input.",
        discussion: """
            Reads the token from standard input to end of file and trims surrounding whitespace; on a terminal it \
            prompts with echo off. Accepts a personal access token (at-…) or an agent-identity JWT with \
            --with-access-token, a Platform API key (sk-…) with --with-api-key. Stores the auth record Codex \
            itself would store, in Codex's own keyring item, and removes a plaintext auth.json.

            EXAMPLES:
              printf '%s' "$CODEX_TOKEN_SECRET" | codex-credential-helper login --with-access-token --name release-ci
              codex-credential-helper login --with-access-token --expires-in 30d      # prompts, no echo
              printf '%s' "$PLATFORM_KEY_SECRET" | codex-credential-helper login --with-api-key
            """)

    @Flag(help: "Read a Codex access token: at-… (personal) or an agent-identity JWT.")
    var withAccessToken = false

    @Flag(help: "Read a Platform API key (sk-…).")
    var withApiKey = false

    @Flag(help: "Also set cli_auth_credentials_store = \"keyring\" in $CODEX_HOME/config.toml (see configure-codex).")
    var configureCodex = false

    @OptionGroup var token: TokenOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        // Here, not in validate(): ArgumentParser validates before it reports an unknown option (`--with-token`, as
        // gh users type), which must be what the person reads first.
        guard withAccessToken != withApiKey else {
            throw ValidationError(
                "Choose one of --with-access-token or --with-api-key (a browser login is `codex login` itself).")
        }
        try runReportingErrors { () throws(HelperError) in
            let service = try common.makeService()
            var raw = try readToken(
                prompt: withApiKey ? "Paste the API key (input is hidden): " : "Paste the Codex access token (input is hidden): ")
            defer { for i in raw.indices { raw[i] = 0 } }
            if configureCodex {
                // Codex is set up first, so that the login's own note about config.toml speaks of the result.
                let home = try CodexHome.resolve(explicit: common.codexHome, environment: service.environment.variables)
                service.environment.errors.line(try CodexConfig.configure(home, store: "keyring"))
            }
            try service.login(rawToken: raw, options: token.loginOptions(codexHome: common.codexHome, apiKey: withApiKey))
        }
    }
}

/// `configure-codex`: makes Codex read the keyring, with a real TOML parser behind every check.
struct ConfigureCodex: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "configure-codex",
        abstract: "Make Codex read its credential from the keyring: set cli_auth_credentials_store in config.toml.",
        discussion: """
            Sets the top-level cli_auth_credentials_store in $CODEX_HOME/config.toml (keyring by default): an \
            existing top-level value is replaced in place, or the line is inserted before the first [table]; every \
            other line, comment and table stays as it was. The file is created (0600) when missing; a file that is \
            changed is first copied to config.toml.bak. A file that is not valid TOML is refused and left as it is. \
            The result is parsed again and must mean what was asked.

            EXAMPLES:
              codex-credential-helper configure-codex
              codex-credential-helper configure-codex --codex-home /srv/ci/codex-home --store auto
            """)

    enum Store: String, ExpressibleByArgument, CaseIterable { case keyring, auto }

    @Option(help: "What Codex reads: keyring (the keyring only) or auto (the keyring, else auth.json).")
    var store: Store = .keyring

    @Option(
        name: .customLong("codex-home"),
        help: ArgumentHelp("The Codex home (default: $CODEX_HOME if set and non-empty, else ~/.codex).", valueName: "dir"),
        completion: .directory)
    var codexHome: String?

    func run() throws {
        try runReportingErrors { () throws(HelperError) in
            let environment = SystemIO.helperEnvironment()
            let home = try CodexHome.resolve(explicit: codexHome, environment: environment.variables)
            environment.errors.line(try CodexConfig.configure(home, store: store.rawValue))
        }
    }
}

struct Logout: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout",
        abstract: "Erase every stored copy of the credential for a Codex home.",
        discussion: """
            Removes the keyring item for the Codex home, the encrypted file's copy, and a plaintext \
            $CODEX_HOME/auth.json if there is one, and reports each store on its own line: removed, nothing there, or \
            not checked and why. Exits 0 when every store there is was checked (a keyring that is not there for this \
            session, with no session bus or no provider, is said to be not checked); a store that could not be \
            checked (locked, timed out, access refused) gives its exit status once the rest is erased.

            EXAMPLES:
              codex-credential-helper logout
              codex-credential-helper logout --codex-home /srv/ci/codex-home
            """)

    @OptionGroup var common: CommonOptions

    func run() throws {
        try runReportingErrors { () throws(HelperError) in
            try common.makeService().logout(codexHome: common.codexHome)
        }
    }
}
