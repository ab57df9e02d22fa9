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
}
