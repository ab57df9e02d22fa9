import Foundation
import TestSupport
import Testing

/// A provider that asks for a prompt before it deletes an item (KeePassXC can be set up so): the helper has libsecret
/// run the prompt when a person can answer it, and refuses, deleting nothing, when nobody can.
@Suite("End to end: a keyring prompt, run by libsecret")
struct PromptTests {
    /// Runs the helper on a pseudo-terminal (util-linux `script`), so that it sees a terminal as a person's would.
    private func onTerminal(_ arguments: [String], in sandbox: KeyringSandbox, environment: [String: String])
        throws -> ProcessResult
    {
        let command = ([TestPaths.helperBinary] + arguments).map { "'" + $0 + "'" }.joined(separator: " ")
        return try runProcess("/usr/bin/script", ["-qec", command + " </dev/null", "/dev/null"],
                              environment: sandbox.environment.merging(environment) { $1 }, stdin: .devNull,
                              deadline: 30)
    }

    @Test func aConfirmationPromptIsRunWhenSomeoneCanAnswerIt() throws {
        let sandbox = try KeyringSandbox(.confirmDelete)
        let home = try sandbox.makeCodexHome()
        let strict = ["CODEX_CREDENTIAL_BACKEND": "secret-service", "CODEX_HOME": home]
        let login = try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(TestTokens.personal()),
                               environment: strict)
        #expect(login.status == 0, "\(login)")
        #expect(try sandbox.codexItems().count == 1)

        // Nobody to answer (no display, no terminal): refused at once with 77, and the credential stays.
        let refused = try helper(["logout"], in: sandbox, environment: strict)
        #expect(refused.status == 77, "\(refused)")
        #expect(refused.err.contains("no one can answer its prompt"), "\(refused.err)")
        #expect(try sandbox.codexItems().count == 1)

        // A display and a terminal: libsecret is loaded (only now), runs the prompt, and the item is deleted.
        let answered = try onTerminal(["logout", "--verbose"], in: sandbox,
                                      environment: strict.merging(["DISPLAY": ":99", "LD_DEBUG": "files"]) { $1 })
        #expect(answered.status == 0, "\(answered)")
        #expect(answered.out.contains("file=libsecret-1.so.0 [0];  dynamically loaded by"), "\(answered.out.suffix(2000))")
        #expect(try sandbox.codexItems().isEmpty)
    }

    /// A prompt that fails: libsecret's error is read by its D-Bus name, as the replies to the helper's own calls are.
    @Test func aFailingPromptGivesTheProvidersErrorAndDeletesNothing() throws {
        let sandbox = try KeyringSandbox(.confirmDeleteFails)
        let home = try sandbox.makeCodexHome()
        let strict = ["CODEX_CREDENTIAL_BACKEND": "secret-service", "CODEX_HOME": home]
        let login = try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(TestTokens.personal()),
                               environment: strict)
        #expect(login.status == 0, "\(login)")
        let failed = try onTerminal(["logout"], in: sandbox, environment: strict.merging(["DISPLAY": ":99"]) { $1 })
        #expect(failed.status == 77, "\(failed)")
        #expect(failed.out.contains("The keyring is locked while waiting for the prompt"), "\(failed.out)")
        #expect(try sandbox.codexItems().count == 1)
    }
}
