import Foundation
import TestSupport
import Testing

/// A provider that offers only the "plain" session algorithm: libsecret asks for the encrypted one, is refused, and
/// uses plain; everything works, the stored bytes are the record.
@Suite("End to end: a provider without the encrypted session")
struct PlainSessionTests {
    @Test func loginGetStoreAndLogoutOverAPlainSession() throws {
        let sandbox = try KeyringSandbox(.plainOnly)
        let home = try sandbox.makeCodexHome()
        let strict = ["CODEX_CREDENTIAL_BACKEND": "secret-service", "CODEX_HOME": home]
        let token = TestTokens.personal()
        let login = try helper(["login", "--with-access-token", "--verbose"], in: sandbox, stdin: .text(token),
                               environment: strict)
        #expect(login.status == 0, "\(login)")
        #expect(login.err.contains("the secret went over the plain session"), "\(login.err)")
        #expect(!login.err.contains(token))
        let items = try sandbox.codexItems()
        #expect(items.count == 1)
        #expect(items.first?.secret == #"{"OPENAI_API_KEY":null,"personal_access_token":"\#(token)"}"#)
        #expect(items.first?.attributes["username"] == (try codexAccount(home)))

        let get = try helper(["get", "--format", "token"], in: sandbox, environment: strict)
        #expect(get.status == 0 && get.out == token + "\n", "\(get)")

        let newer = TestTokens.personal()
        let store = try helper(["store"], in: sandbox, stdin: .text("token=\(newer)\n"), environment: strict)
        #expect(store.status == 0, "\(store)")
        #expect(try sandbox.codexItems().map(\.secret) == [#"{"OPENAI_API_KEY":null,"personal_access_token":"\#(newer)"}"#])
        #expect(try helper(["get", "--format", "token"], in: sandbox, environment: strict).out == newer + "\n")

        let logout = try helper(["logout"], in: sandbox, environment: strict)
        #expect(logout.status == 0, "\(logout)")
        #expect(try sandbox.codexItems().isEmpty)
    }

    /// A provider that refuses to have an item's attributes written: a second login still replaces the secret (as
    /// Codex does, with SetSecret) and succeeds, saying that the metadata could not be updated; the stale metadata
    /// is not reported for the new credential (its fingerprint does not match).
    @Test func aRefusedMetadataUpdateDoesNotFailAReplacedSecret() throws {
        let sandbox = try KeyringSandbox(.refuseAttributes)
        let home = try sandbox.makeCodexHome()
        let strict = ["CODEX_CREDENTIAL_BACKEND": "secret-service", "CODEX_HOME": home]
        let first = try helper(["login", "--with-access-token", "--name", "first", "--expires-in", "30d"], in: sandbox,
                               stdin: .text(TestTokens.personal()), environment: strict)
        #expect(first.status == 0, "\(first)")
        let second = TestTokens.personal()
        let relogin = try helper(["login", "--with-access-token", "--name", "second"], in: sandbox, stdin: .text(second),
                                 environment: strict)
        #expect(relogin.status == 0, "\(relogin)")
        #expect(relogin.err.contains("replacing the previous credential"), "\(relogin.err)")
        #expect(relogin.err.contains("the keyring did not take the credential's metadata"), "\(relogin.err)")
        #expect(try sandbox.codexItems().map(\.secret) == [#"{"OPENAI_API_KEY":null,"personal_access_token":"\#(second)"}"#])
        let get = try helper(["get"], in: sandbox, environment: strict)
        #expect(get.status == 0, "\(get)")
        #expect(get.out.contains("token=\(second)\n"))
        #expect(!get.out.contains("name=first") && !get.out.contains("expires_at="), "stale metadata: \(get.out)")
    }

    /// KWallet puts a wallet's name into the collection's path escaped ('Default_20keyring'): every message names the
    /// collection as KWallet shows it ('Default keyring'), the status line (from the label) and the item's location
    /// (from the path, unescaped) alike.
    @Test func anEscapedCollectionNameIsShownAsPeopleKnowIt() throws {
        let sandbox = try KeyringSandbox(.escapedCollection)
        let home = try sandbox.makeCodexHome()
        let strict = ["CODEX_CREDENTIAL_BACKEND": "secret-service", "CODEX_HOME": home]
        let login = try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(TestTokens.personal()),
                               environment: strict)
        #expect(login.status == 0, "\(login)")
        #expect(login.err.contains("(collection 'Default keyring')"), "\(login.err)")
        let status = try helper(["status"], in: sandbox, environment: strict)
        #expect(status.out.contains("default collection 'Default keyring'"), "\(status.out)")
        #expect(status.out.contains("in the Secret Service keyring (collection 'Default keyring')"), "\(status.out)")
        #expect(!status.out.contains("Default_20keyring") && !login.err.contains("Default_20keyring"))
    }
}
