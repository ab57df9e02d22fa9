/// What Codex's `config.toml` says about where it keeps credentials.
public struct CodexConfig: Equatable, Sendable {
    /// `cli_auth_credentials_store`: `file` (Codex's default), `keyring`, `auto` or `ephemeral`; nil when unset.
    public var credentialsStore: String?

    /// True when Codex will look in the keyring for its credential.
    public var readsKeyring: Bool { credentialsStore == "keyring" || credentialsStore == "auto" }

    /// The line that makes Codex read the keyring.
    public static let keyringLine = "cli_auth_credentials_store = \"keyring\""

    /// Reads the top-level `cli_auth_credentials_store` key. This is not a TOML parser: it reads the one
    /// key that matters, at top level (before the first `[table]`), as a basic or literal string.
    public init(toml text: String) {
        credentialsStore = nil
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = rawLine.drop { $0 == " " || $0 == "\t" }
            if line.hasPrefix("[") { break }
            guard line.hasPrefix("cli_auth_credentials_store") else { continue }
            var rest = line.dropFirst("cli_auth_credentials_store".count).drop { $0 == " " || $0 == "\t" }
            guard rest.first == "=" else { continue }
            rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" }
            guard let quote = rest.first, quote == "\"" || quote == "'" else { continue }
            let body = rest.dropFirst()
            guard let end = body.firstIndex(of: quote) else { continue }
            credentialsStore = String(body[..<end])
        }
    }

    public init(credentialsStore: String?) { self.credentialsStore = credentialsStore }

    /// `$CODEX_HOME/config.toml`, or nil when there is none.
    public static func read(_ home: CodexHome) -> CodexConfig? {
        guard let bytes = (try? Syscall.readFile(home.configTOMLPath, limit: 4 * 1024 * 1024)).flatMap({ $0 }) else {
            return nil
        }
        return CodexConfig(toml: String(decoding: bytes, as: UTF8.self))
    }
}
