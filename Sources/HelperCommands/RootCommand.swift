import ArgumentParser
import CredentialCore
import SecretServiceStore

/// `codex-credential-helper`: keeps Codex access tokens in the desktop keyring, where Codex reads them.
public struct CodexCredentialHelper: ParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "codex-credential-helper",
        abstract: "Keep OpenAI Codex access tokens in the desktop keyring, exactly where Codex reads them.",
        discussion: """
            Stores a Codex access token (at-… personal access token or agent-identity JWT) in the Secret Service \
            keyring as the very item Codex reads with cli_auth_credentials_store = "keyring" or "auto", and serves \
            it back to scripts and Codex through a get/store/erase protocol. Where no keyring is usable \
            (headless servers, containers, CI), --backend auto (the default) stores it in an encrypted file \
            instead, and says so. Tokens never go through argv.

            EXAMPLES:
              printf '%s' "$CODEX_TOKEN_SECRET" | codex-credential-helper login --with-access-token
              codex-credential-helper get --format token
              codex-credential-helper exec -- codex exec "run the tests and fix what fails"
              codex-credential-helper logout

            ENVIRONMENT:
              CODEX_HOME                  the Codex home (default ~/.codex)
              CODEX_CREDENTIAL_BACKEND    auto, secret-service or file (--backend)
              CODEX_CREDENTIAL_FILE       the encrypted file (--file)
              CODEX_CREDENTIAL_KEY_MODE   auto, passphrase or key-file (--key-mode)
              CODEX_CREDENTIAL_PASSPHRASE the encrypted file's passphrase
              CODEX_CREDENTIAL_KEY_CACHE_TIMEOUT
                                          seconds a key derived from a passphrase
                                          stays in the kernel keyring (default
                                          900, 0: off); logout clears it
              CODEX_CREDENTIAL_TRACE=1    trace on stderr, secrets redacted
              DBUS_SESSION_BUS_ADDRESS    the session bus of the keyring (unset:
                                          $XDG_RUNTIME_DIR/bus); it must be a Unix
                                          socket whose bus runs as you or root

            EXIT STATUS:
            \(exitStatusTable)
            """,
        version: version,
        subcommands: [
            Login.self, Logout.self, Get.self, Store.self, Erase.self, Exec.self, Rotate.self, List.self, Status.self,
            ConfigureCodex.self, Version.self,
        ]
    )

    public init() {}

    /// The documented exit statuses, from the same table the code uses.
    static var exitStatusTable: String {
        let rows: [(Int32, String)] = [
            (0, "success"),
            (HelperError.Code.notFound.exitStatus, "no credential stored (get, erase, status)"),
            (HelperError.Code.usage.exitStatus, "usage error"),
            (HelperError.Code.badInput.exitStatus, "bad input, wrong token type; tampered, truncated or unreadable stored data"),
            (HelperError.Code.keyMissing.exitStatus, "the key file of a sealed file is missing"),
            (HelperError.Code.unavailable.exitStatus, "keyring unavailable (no session bus, no Secret Service provider)"),
            (HelperError.Code.internalError.exitStatus, "internal error"),
            (HelperError.Code.ioError.exitStatus, "file I/O error"),
            (HelperError.Code.timeout.exitStatus, "timed out (a D-Bus call or lock took longer than --timeout)"),
            (HelperError.Code.locked.exitStatus, "keyring locked, or a prompt nobody answered; access refused; wrong passphrase"),
            (HelperError.Code.insecurePermissions.exitStatus, "a file or directory is a symlink, too open, or not yours"),
            (HelperError.Code.expired.exitStatus, "the credential has expired (get, exec, status)"),
            (HelperError.Code.commandNotExecutable.exitStatus, "exec: the command cannot be run"),
            (HelperError.Code.commandNotFound.exitStatus, "exec: the command was not found"),
        ]
        return rows.sorted { $0.0 < $1.0 }.map { "  \(String($0.0).padding(3)) \($0.1)" }.joined(separator: "\n")
    }
}

/// `version`, as `gh version` and `docker-credential-* version`: the helper's version and the libsecret it would use.
struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print the helper's version and the libsecret the keyring would use.")

    func run() throws {
        print("codex-credential-helper \(CodexCredentialHelper.version)")
        print("libsecret: \(SecretServiceStore.libsecretDescription())")
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
