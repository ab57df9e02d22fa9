import Foundation
import TestSupport
import Testing

@Suite("End to end: login, get, logout against a real gnome-keyring and a real KeePassXC")
struct LoginRoundTripTests {
    @Test(arguments: KeyringSandbox.realProviders)
    func fullRoundTripLeavesExactlyCodexsItemAndThenNothing(_ provider: KeyringSandbox.Provider) throws {
        let sandbox = try KeyringSandbox(provider)
        let home = try sandbox.makeCodexHome()
        let account = try codexAccount(home)
        let env = ["CODEX_HOME": home]
        let token = TestTokens.personal()

        let login = try helper(["login", "--with-access-token", "--expires-in", "30d"], in: sandbox,
                               stdin: .text(token + "\n"), environment: env)
        #expect(login.status == 0, "\(login)")
        #expect(login.out.isEmpty)
        #expect(login.err.contains("Stored the personal access token for \(home)"))
        #expect(login.err.contains("cli_auth_credentials_store = \"keyring\""), "Codex would not read it: say so")
        #expect(!login.err.contains(token))

        let record = #"{"OPENAI_API_KEY":null,"personal_access_token":"\#(token)"}"#
        var items = try sandbox.codexItems()
        try #require(items.count == 1)
        try expectContractItem(items[0], home: home, account: account, record: record, kind: "personal_access_token", sandbox: sandbox)
        #expect(items[0].label == "Codex credential for \(home)")
        #expect(items[0].attributes["expires_at"] != nil)

        let kv = try helper(["get"], in: sandbox, environment: env)
        #expect(kv.status == 0)
        let lines = kv.out.split(separator: "\n").map(String.init)
        #expect(lines.first == "kind=personal_access_token")
        #expect(lines.contains("token=\(token)"))
        #expect(lines.contains("codex_home=\(home)"))
        #expect(lines.contains("account=\(account)"))
        #expect(lines.contains("backend=secret-service"))
        #expect(lines.contains { $0.hasPrefix("expires_at=") && $0.hasSuffix("Z") })
        #expect(lines.contains { $0.hasPrefix("created_at=") })
        #expect(kv.err.isEmpty)

        let tokenOnly = try helper(["get", "--format", "token"], in: sandbox, environment: env)
        #expect(tokenOnly.status == 0)
        #expect(tokenOnly.out == token + "\n")
        let json = try helper(["get", "--format", "codex-json"], in: sandbox, environment: env)
        #expect(json.out == record + "\n")

        // A second login replaces the secret of the one item.
        let second = TestTokens.personal()
        let relogin = try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(second), environment: env)
        #expect(relogin.status == 0, "\(relogin)")
        #expect(relogin.err.contains("replacing the previous credential"))
        items = try sandbox.codexItems()
        try #require(items.count == 1)
        #expect(items[0].secret == #"{"OPENAI_API_KEY":null,"personal_access_token":"\#(second)"}"#)
        #expect((items[0].attributes["expires_at"] ?? "").isEmpty, "the first token's expiry does not stick to the second")

        let logout = try helper(["logout"], in: sandbox, environment: env)
        #expect(logout.status == 0)
        #expect(logout.err.contains("Removed the credential for \(home)"))
        #expect(try sandbox.codexItems().isEmpty)
        let again = try helper(["logout"], in: sandbox, environment: env)
        #expect(again.status == 0)
        #expect(again.err.contains("Not logged in"))
        let gone = try helper(["get", "--format", "token"], in: sandbox, environment: env)
        #expect(gone.status == 1)
        #expect(gone.out.isEmpty)
        #expect(gone.err.contains("No Codex credential is stored"))
    }

    @Test func agentIdentityAndAPIKeyRecords() throws {
        let sandbox = try KeyringSandbox()
        let home = try sandbox.makeCodexHome()
        let account = try codexAccount(home)
        let expiry = Date(timeIntervalSince1970: 4_102_444_800)  // 2100-01-01
        let jwt = TestTokens.agentIdentity(expiresAt: expiry)

        let login = try helper(["login", "--with-access-token", "--codex-home", home], in: sandbox, stdin: .text(jwt))
        #expect(login.status == 0, "\(login)")
        #expect(login.err.contains("expires at 2100-01-01T00:00:00Z"))
        var items = try sandbox.codexItems()
        try #require(items.count == 1)
        try expectContractItem(items[0], home: home, account: account,
                               record: #"{"auth_mode":"agentIdentity","OPENAI_API_KEY":null,"agent_identity":"\#(jwt)"}"#,
                               kind: "agent_identity", sandbox: sandbox)
        #expect(items[0].attributes["expires_at"] == "2100-01-01T00:00:00Z")
        let get = try helper(["get", "--codex-home", home], in: sandbox)
        #expect(get.out.contains("kind=agent_identity\ntoken=\(jwt)\n"))
        #expect(get.out.contains("expires_at=2100-01-01T00:00:00Z\n"))

        let key = TestTokens.apiKey()
        let apiKey = try helper(["login", "--with-api-key", "--codex-home", home], in: sandbox, stdin: .text(key))
        #expect(apiKey.status == 0, "\(apiKey)")
        items = try sandbox.codexItems()
        try #require(items.count == 1)
        try expectContractItem(items[0], home: home, account: account,
                               record: #"{"auth_mode":"apikey","OPENAI_API_KEY":"\#(key)"}"#, kind: "api_key", sandbox: sandbox)
    }

    @Test(arguments: KeyringSandbox.realProviders)
    func itemsCodexCreatedAreServed(_ provider: KeyringSandbox.Provider) throws {
        let sandbox = try KeyringSandbox(provider)
        let home = try sandbox.makeCodexHome()
        let account = try codexAccount(home)
        // secret-tool, with only Codex's four attributes.
        let stored = try runProcess(
            "/usr/bin/secret-tool",
            ["store", "--label=\(account)@Codex Auth:default (keyring v3.6.3)", "service", "Codex Auth", "username", account,
             "target", "default", "application", "rust-keyring"],
            environment: sandbox.environment, stdin: .text(#"{"auth_mode":"apikey","OPENAI_API_KEY":"sk-from-codex"}"#))
        try #require(stored.status == 0, "\(stored)")
        let get = try helper(["get", "--format", "token"], in: sandbox, environment: ["CODEX_HOME": home])
        #expect(get.status == 0, "\(get)")
        #expect(get.out == "sk-from-codex\n")
        let kv = try helper(["get"], in: sandbox, environment: ["CODEX_HOME": home])
        #expect(kv.out.hasPrefix("kind=api_key\ntoken=sk-from-codex\n"))
        #expect(!kv.out.contains("expires_at"))

        // A login over it replaces the secret in place: still one item for the account.
        let token = TestTokens.personal()
        #expect(try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(token), environment: ["CODEX_HOME": home]).status == 0)
        let items = try sandbox.codexItems()
        #expect(items.count == 1)
        #expect(items.first?.label == "\(account)@Codex Auth:default (keyring v3.6.3)")
        #expect(items.first?.secret?.contains(token) == true)
    }

    @Test(arguments: KeyringSandbox.realProviders)
    func itemWithExactlyCodexsAttributesAndNoSchemaIsServed(_ provider: KeyringSandbox.Provider) throws {
        let sandbox = try KeyringSandbox(provider)
        let home = try sandbox.makeCodexHome()
        let account = try codexAccount(home)
        let attributes = #"{"service":"Codex Auth","username":"\#(account)","target":"default","application":"rust-keyring"}"#
        try #require(try sandbox.inspector(["create", attributes, #"{"OPENAI_API_KEY":null,"personal_access_token":"at-codex"}"#]).status == 0)
        let get = try helper(["get", "--format", "token"], in: sandbox, environment: ["CODEX_HOME": home])
        #expect(get.out == "at-codex\n")
    }

    @Test func wrongTokensAreRefusedAndTheStoredCredentialSurvives() throws {
        let sandbox = try KeyringSandbox()
        let home = try sandbox.makeCodexHome()
        let env = ["CODEX_HOME": home]
        let good = TestTokens.personal()
        try #require(try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(good), environment: env).status == 0)
        let before = try sandbox.codexItems()

        let secretPart = "LEAKCHECK" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let expired = TestTokens.jwt(claims: #"{"exp":1600000000,"note":"\#(secretPart)"}"#)
        let cases: [(String, [String], String)] = [
            ("sk-proj-\(secretPart)", ["login", "--with-access-token"], "Platform API key"),
            ("eyJhbGciOiJkaXIifQ.\(secretPart).iv.ct.tag", ["login", "--with-access-token"], "browser session token"),
            (expired, ["login", "--with-access-token"], "expired on 2020-09-13T12:26:40Z"),
            ("at-\(secretPart) trailing", ["login", "--with-access-token"], "whitespace"),
            ("", ["login", "--with-access-token"], "empty"),
            ("at-\(secretPart)", ["login", "--with-api-key"], "not an API key"),
        ]
        for (input, arguments, message) in cases {
            let result = try helper(arguments, in: sandbox, stdin: .text(input), environment: env)
            #expect(result.status == 65, "\(input.prefix(12)): \(result)")
            #expect(result.err.contains(message), "\(result.err)")
            #expect(result.out.isEmpty)
            #expect(!result.err.contains(secretPart), "the token leaked into the message")
        }
        #expect(try sandbox.codexItems() == before, "the stored credential is untouched, byte for byte")
    }

    @Test func plaintextAuthJSONIsRemovedAfterAKeyringStore() throws {
        let sandbox = try KeyringSandbox()
        let home = try sandbox.makeCodexHome()
        try #"{"OPENAI_API_KEY": "sk-plaintext"}"#.write(toFile: home + "/auth.json", atomically: true, encoding: .utf8)
        try "cli_auth_credentials_store = \"keyring\"\n".write(toFile: home + "/config.toml", atomically: true, encoding: .utf8)
        let login = try helper(["login", "--with-access-token", "--codex-home", home], in: sandbox, stdin: .text(TestTokens.personal()))
        #expect(login.status == 0)
        #expect(login.err.contains("Removed the plaintext \(home)/auth.json (Codex reads the keyring item instead)."))
        #expect(!login.err.contains("will not read the keyring"))
        #expect(!FileManager.default.fileExists(atPath: home + "/auth.json"))
    }

    @Test func plaintextAuthJSONIsRemovedAfterAFileStoreAndTheMessageSaysWhereTheCredentialIs() throws {
        let sandbox = try KeyringSandbox(.none)
        let home = try sandbox.makeCodexHome()
        try #"{"OPENAI_API_KEY": "sk-plaintext"}"#.write(toFile: home + "/auth.json", atomically: true, encoding: .utf8)
        let login = try helper(["login", "--with-access-token", "--backend", "file", "--codex-home", home], in: sandbox,
                               stdin: .text(TestTokens.personal()))
        #expect(login.status == 0, "\(login)")
        #expect(login.err.contains("Removed the plaintext \(home)/auth.json: the credential is in the encrypted file now."),
                "\(login.err)")
        #expect(!login.err.contains("keyring item instead"), "no keyring item was written")
        #expect(!FileManager.default.fileExists(atPath: home + "/auth.json"))
    }

    @Test func logoutAlsoRemovesAPlaintextAuthJSON() throws {
        let sandbox = try KeyringSandbox()
        let home = try sandbox.makeCodexHome()
        try "{}".write(toFile: home + "/auth.json", atomically: true, encoding: .utf8)
        let logout = try helper(["logout", "--codex-home", home], in: sandbox)
        #expect(logout.status == 0)
        #expect(logout.err.contains("Removed Codex's plaintext copy, \(home)/auth.json."), "\(logout.err)")
        #expect(!logout.err.contains("keyring item instead"), "the keyring held nothing: \(logout.err)")
        #expect(!FileManager.default.fileExists(atPath: home + "/auth.json"))
    }

    @Test func missingCodexHomeIsAUsageError() throws {
        let sandbox = try KeyringSandbox(.none)
        let result = try helper(["get"], in: sandbox, environment: ["CODEX_HOME": "/does/not/exist"])
        #expect(result.status == 64)
        #expect(result.err.contains("does not exist"))
    }

    @Test func defaultCodexHomeIsHomeDotCodex() throws {
        let sandbox = try KeyringSandbox()
        let token = TestTokens.personal()
        #expect(try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(token)).status == 0)
        let items = try sandbox.codexItems()
        #expect(items.first?.attributes["username"] == (try codexAccount(sandbox.home.path + "/.codex")))
    }
}
