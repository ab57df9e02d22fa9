import Foundation
import TestSupport
import Testing

/// The real Codex CLI, OpenAI's own build as PyPI ships it, at the version ../shared/codex-compat.md was checked
/// against. `make test` fetches it (contrib/scripts/fetch-codex, SHA-256 pinned) and names it in CODEX_REAL_BIN; a
/// `swift test` run without it reports these tests as skipped, never as passed.
enum RealCodex {
    static let binary = ProcessInfo.processInfo.environment["CODEX_REAL_BIN"] ?? ""
    static var available: Bool { !binary.isEmpty }
}

/// Runs the real Codex in the sandbox, with `cli_auth_credentials_store` set as a user's config.toml would set it.
/// Codex asks the network about a personal access token (its whoami); every connection goes to a proxy that refuses
/// it, so that the answer comes at once, on a machine with a network or without one.
@discardableResult
func codex(_ arguments: [String], in sandbox: KeyringSandbox, home: String, store: String = "keyring",
           stdin: StandardInput = .devNull) throws -> ProcessResult {
    var environment = sandbox.environment
    environment["CODEX_HOME"] = home
    for name in ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
        environment[name] = "http://127.0.0.1:9"
    }
    let result = try runProcess(RealCodex.binary, ["-c", "cli_auth_credentials_store=\"\(store)\""] + arguments,
                                environment: environment, stdin: stdin, deadline: 60)
    #expect(!result.timedOut, "codex hung: \(arguments)")
    return result
}

/// An agent-identity JWT with every claim Codex 0.163.0 decodes (its AgentIdentityJwtClaims; one missing and Codex
/// reports "agent identity JWT payload is not valid JSON"), and a key id in its header. Not signed: Codex then asks
/// the network for the workspace's keys, which the proxy refuses.
func codexShapedAgentIdentity() -> String {
    let expiry = Int(Date().timeIntervalSince1970) + 86_400
    return TestTokens.jwt(
        claims: #"{"iss":"https://chatgpt.com/codex-backend/agent-identity","aud":"codex","exp":\#(expiry),"#
            + #""iat":1700000000,"agent_runtime_id":"runtime-1","agent_private_key":"AAAA","account_id":"acc-1","#
            + #""chatgpt_user_id":"user-1","email":"ci@example.invalid","plan_type":"enterprise","#
            + #""chatgpt_account_is_fedramp":false}"#,
        header: #"{"alg":"EdDSA","typ":"JWT","kid":"key-1"}"#)
}

@Suite("Compatibility with the real Codex CLI 0.163.0, against a real gnome-keyring and a real KeePassXC",
       .enabled(if: RealCodex.available, "CODEX_REAL_BIN is not set: `make test` fetches Codex and sets it"))
struct RealCodexTests {
    @Test(arguments: KeyringSandbox.realProviders)
    func codexReadsWhatTheHelperStoresAndItsLogoutErasesIt(_ provider: KeyringSandbox.Provider) throws {
        let sandbox = try KeyringSandbox(provider)
        let home = try sandbox.makeCodexHome()
        let env = ["CODEX_HOME": home]

        let key = TestTokens.apiKey()
        let login = try helper(["login", "--with-api-key"], in: sandbox, stdin: .text(key), environment: env)
        try #require(login.status == 0, "\(login)")
        for store in ["keyring", "auto"] {
            let status = try codex(["login", "status"], in: sandbox, home: home, store: store)
            #expect(status.status == 0, "\(store): \(status)")
            #expect((status.out + status.err).contains("Logged in using an API key - sk-proj-***\(key.suffix(5))"),
                    "\(store): \(status)")
        }
        // Codex's file store is auth.json alone, which the helper removed and never writes.
        let fileStore = try codex(["login", "status"], in: sandbox, home: home, store: "file")
        #expect(fileStore.status != 0)
        #expect((fileStore.out + fileStore.err).contains("Not logged in"), "\(fileStore)")
        #expect(!FileManager.default.fileExists(atPath: home + "/auth.json"))

        // A personal access token in place of the key: still one item, and Codex reads it as a personal access token
        // (it then asks whoami about it, which the proxy refuses).
        let token = TestTokens.personal()
        let relogin = try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(token), environment: env)
        try #require(relogin.status == 0, "\(relogin)")
        #expect(try sandbox.codexItems().count == 1)
        let status = try codex(["login", "status"], in: sandbox, home: home)
        #expect((status.out + status.err).contains("personal access token"), "\(status)")
        #expect(!(status.out + status.err).contains("Not logged in"), "\(status)")

        // An agent identity: Codex reads the record and goes on to verify the JWT against the workspace's keys.
        let identity = codexShapedAgentIdentity()
        let agent = try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(identity), environment: env)
        try #require(agent.status == 0, "\(agent)")
        let agentStatus = try codex(["login", "status"], in: sandbox, home: home)
        #expect((agentStatus.out + agentStatus.err).contains("failed to request agent identity JWKS"), "\(agentStatus)")
        #expect(try sandbox.codexItems().count == 1)

        let logout = try codex(["logout"], in: sandbox, home: home)
        #expect(logout.status == 0, "\(logout)")
        #expect((logout.out + logout.err).contains("Successfully logged out"), "\(logout)")
        #expect(try sandbox.codexItems().isEmpty)
        let get = try helper(["get", "--format", "token"], in: sandbox, environment: env)
        #expect(get.status == 1, "\(get)")
        #expect(get.out.isEmpty)
    }

    @Test(arguments: KeyringSandbox.realProviders)
    func theHelperReadsReplacesAndErasesWhatCodexStores(_ provider: KeyringSandbox.Provider) throws {
        let sandbox = try KeyringSandbox(provider)
        let home = try sandbox.makeCodexHome()
        let account = try codexAccount(home)
        let env = ["CODEX_HOME": home]

        let key = TestTokens.apiKey()
        let login = try codex(["login", "--with-api-key"], in: sandbox, home: home, stdin: .text(key))
        try #require(login.status == 0, "\(login)")
        #expect(!FileManager.default.fileExists(atPath: home + "/auth.json"))
        let record = #"{"auth_mode":"apikey","OPENAI_API_KEY":"\#(key)"}"#
        var items = try sandbox.codexItems()
        try #require(items.count == 1)
        // Exactly the item the contract describes: Codex's label and attributes (KeePassXC adds its entry's own).
        #expect(items[0].secret == record)
        #expect(items[0].label == "\(account)@Codex Auth:default (keyring v3.6.3)")
        #expect(items[0].attributes["service"] == "Codex Auth")
        #expect(items[0].attributes["username"] == account)
        #expect(items[0].attributes["target"] == "default")
        #expect(items[0].attributes["application"] == "rust-keyring")
        #expect(items[0].attributes["kind"] == nil && items[0].attributes["fingerprint"] == nil)

        let tokenOnly = try helper(["get", "--format", "token"], in: sandbox, environment: env)
        #expect(tokenOnly.status == 0, "\(tokenOnly)")
        #expect(tokenOnly.out == key + "\n")
        let json = try helper(["get", "--format", "codex-json"], in: sandbox, environment: env)
        #expect(json.out == record + "\n", "the record byte for byte")
        let kv = try helper(["get"], in: sandbox, environment: env)
        #expect(kv.out.split(separator: "\n").first == "kind=api_key", "\(kv)")
        let list = try helper(["list"], in: sandbox, environment: env)
        #expect(list.status == 0, "\(list)")
        #expect(list.out.contains(account) && list.out.contains("api_key"), "\(list)")

        // The helper replaces the secret of Codex's item, and Codex reads the new record.
        let token = TestTokens.personal()
        let relogin = try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(token), environment: env)
        try #require(relogin.status == 0, "\(relogin)")
        items = try sandbox.codexItems()
        try #require(items.count == 1, "never two items for one account")
        #expect(items[0].secret == #"{"OPENAI_API_KEY":null,"personal_access_token":"\#(token)"}"#)
        let status = try codex(["login", "status"], in: sandbox, home: home)
        #expect((status.out + status.err).contains("personal access token"), "\(status)")

        // Codex writes over the helper's item: it replaces the secret alone, and the helper's metadata (the token's
        // kind and fingerprint) stays behind, stale; the helper goes by the record.
        let key2 = TestTokens.apiKey()
        let overwrite = try codex(["login", "--with-api-key"], in: sandbox, home: home, stdin: .text(key2))
        try #require(overwrite.status == 0, "\(overwrite)")
        items = try sandbox.codexItems()
        try #require(items.count == 1)
        #expect(items[0].secret == #"{"auth_mode":"apikey","OPENAI_API_KEY":"\#(key2)"}"#)
        let afterCodex = try helper(["get"], in: sandbox, environment: env)
        #expect(afterCodex.status == 0, "\(afterCodex)")
        let lines = afterCodex.out.split(separator: "\n").map(String.init)
        #expect(lines.first == "kind=api_key", "\(afterCodex)")
        #expect(lines.contains("token=\(key2)"))

        let logout = try helper(["logout"], in: sandbox, environment: env)
        #expect(logout.status == 0, "\(logout)")
        #expect(try sandbox.codexItems().isEmpty)
        let gone = try codex(["login", "status"], in: sandbox, home: home)
        #expect((gone.out + gone.err).contains("Not logged in"), "\(gone)")
    }
}
