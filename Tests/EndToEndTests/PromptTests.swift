import Foundation
import TestSupport
import Testing

/// A provider that asks for a prompt before it deletes an item (KeePassXC does for every Delete and CreateItem):
/// libsecret runs the prompt. One that completes without a person succeeds in a script; one that needs a person
/// nobody is ends within --timeout with 77, dismissed, naming what was asked; one that fails is the provider's error.
@Suite("End to end: a keyring prompt, run by libsecret")
struct PromptTests {
    func loggedIn(_ provider: KeyringSandbox.Provider) throws -> (KeyringSandbox, [String: String]) {
        let sandbox = try KeyringSandbox(provider)
        let strict = ["CODEX_CREDENTIAL_BACKEND": "secret-service", "CODEX_HOME": try sandbox.makeCodexHome()]
        let login = try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(TestTokens.personal()),
                               environment: strict)
        #expect(login.status == 0, "\(login)")
        #expect(try sandbox.codexItems().count == 1)
        return (sandbox, strict)
    }

    /// No display, no terminal (a script, CI): the prompt needs nobody, so it is run and the item goes.
    @Test func aPromptThatNeedsNobodyIsRunInAScript() throws {
        let (sandbox, strict) = try loggedIn(.confirmDelete)
        let logout = try helper(["logout", "--verbose"], in: sandbox, environment: strict)
        #expect(logout.status == 0, "\(logout)")
        #expect(logout.err.contains("deleting the keyring item: "), "\(logout.err)")
        #expect(logout.err.contains("prompt shown"), "\(logout.err)")
        #expect(logout.err.contains("Removed the credential"), "\(logout.err)")
        #expect(try sandbox.codexItems().isEmpty)
    }

    /// A prompt nobody answers ends at --timeout with 77; the helper dismisses it and deletes nothing.
    @Test func aPromptNobodyAnswersEndsWithinTheTimeout() throws {
        let (sandbox, strict) = try loggedIn(.confirmDeleteWaits)
        let started = Date()
        let erase = try helper(["erase", "--timeout", "2"], in: sandbox, stdin: .text("codex_home=\(strict["CODEX_HOME"]!)\n"),
                               environment: strict)
        let elapsed = Date().timeIntervalSince(started)
        #expect(erase.status == 77, "\(erase)")
        #expect(erase.err.contains("The keyring asked to confirm deleting the keyring item, and nobody answered its "
                                   + "prompt in time"), "\(erase.err)")
        #expect(elapsed < 2 + 8 * Double(TestTiming.scale), "the bound held: \(elapsed) s")
        #expect(try sandbox.codexItems().count == 1)
        #expect((try? String(contentsOf: sandbox.dismissals, encoding: .utf8)) == "dismissed\n", "the prompt was dismissed")
    }

    /// A prompt that fails: libsecret's error is read by its D-Bus name; nothing is deleted.
    @Test func aFailingPromptGivesTheProvidersErrorAndDeletesNothing() throws {
        let (sandbox, strict) = try loggedIn(.confirmDeleteFails)
        let failed = try helper(["logout"], in: sandbox, environment: strict)
        #expect(failed.status == 77, "\(failed)")
        #expect(failed.err.contains("The keyring is locked while deleting the keyring item"), "\(failed.err)")
        #expect(try sandbox.codexItems().count == 1)
    }
}
