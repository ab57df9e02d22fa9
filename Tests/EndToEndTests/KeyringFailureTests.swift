import Foundation
import TestSupport
import Testing

/// With `--backend secret-service` an unusable keyring is an error with its own status (under `auto` the
/// helper falls back to the encrypted file instead: BackendChoiceTests).
@Suite("End to end: keyring missing, locked or hung")
struct KeyringFailureTests {
    let strict = ["CODEX_CREDENTIAL_BACKEND": "secret-service"]

    @Test func noSessionBusGives69() throws {
        let sandbox = try KeyringSandbox(.none)
        for arguments in [["get"], ["logout"], ["login", "--with-access-token"]] {
            let result = try helper(arguments, in: sandbox, stdin: arguments[0] == "login" ? .text(TestTokens.personal()) : .devNull,
                                    environment: strict, removing: ["DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"], deadline: 10)
            #expect(result.status == 69, "\(arguments): \(result)")
            #expect(result.err.contains("No D-Bus session bus"))
        }
    }

    @Test func busWithoutSecretServiceGives69() throws {
        let sandbox = try KeyringSandbox(.none)
        let result = try helper(["get"], in: sandbox, environment: strict, deadline: 10)
        #expect(result.status == 69, "\(result)")
        #expect(result.err.contains("No Secret Service provider"))
        let login = try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(TestTokens.personal()),
                               environment: strict, deadline: 10)
        #expect(login.status == 69)
    }

    @Test func hungSecretServiceTimesOutWith75() throws {
        let sandbox = try KeyringSandbox(.hanging)
        for arguments in [["get", "--timeout", "1"], ["login", "--with-access-token", "--timeout", "1"], ["logout", "--timeout", "1"]] {
            // The harness kills the helper after 10 s; a hang fails the test, well before that it must answer.
            let result = try helper(arguments, in: sandbox, stdin: arguments[0] == "login" ? .text(TestTokens.personal()) : .devNull,
                                    environment: strict, deadline: 10)
            #expect(result.status == 75, "\(arguments): \(result)")
            #expect(result.err.contains("did not answer within 1 s"))
        }
    }

    @Test func lockedCollectionGives77WithoutPromptingAndKeepsTheCredential() throws {
        let sandbox = try KeyringSandbox()
        let home = try sandbox.makeCodexHome()
        let env = ["CODEX_HOME": home].merging(strict) { $1 }
        let token = TestTokens.personal()
        try #require(try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(token), environment: env).status == 0)
        try #require(try sandbox.inspector(["lock-default"]).status == 0)

        for arguments in [["get"], ["login", "--with-access-token"], ["logout"]] {
            // A display is set but nobody is at a terminal (stdin is a pipe, stderr is captured): no prompt.
            let result = try helper(arguments, in: sandbox, stdin: arguments[0] == "login" ? .text(TestTokens.personal()) : .devNull,
                                    environment: env.merging(["DISPLAY": ":99"]) { $1 }, deadline: 10)
            #expect(result.status == 77, "\(arguments): \(result)")
            #expect(result.err.contains("locked"))
        }
        try #require(try sandbox.inspector(["unlock-default", KeyringSandbox.password]).status == 0)
        let get = try helper(["get", "--format", "token"], in: sandbox, environment: env)
        #expect(get.out == token + "\n", "the credential survived the refused writes")
    }
}
