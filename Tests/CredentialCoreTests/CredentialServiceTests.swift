import CredentialCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// An in-memory backend, for unit tests of the service (as docker-credential-helpers' memory helper).
final class MemoryStore: CredentialStore {
    var items: [String: StoredCredential] = [:]
    var failure: HelperError?
    let backendName = "secret-service"
    let displayName = "the memory store"

    func load(_ home: CodexHome) throws(HelperError) -> StoredCredential? {
        if let failure { throw failure }
        return items[home.account]
    }

    func save(_ home: CodexHome, secret: [UInt8], metadata: [String: String]) throws(HelperError) -> SaveOutcome {
        if let failure { throw failure }
        let replaced = items[home.account] != nil
        items[home.account] = StoredCredential(secret: secret, metadata: metadata, location: "memory", backend: backendName)
        return SaveOutcome(location: "memory", backend: backendName, replacedExisting: replaced)
    }

    func erase(_ home: CodexHome) throws(HelperError) -> Int {
        if let failure { throw failure }
        return items.removeValue(forKey: home.account) == nil ? 0 : 1
    }

    func list(knownHomes: [CodexHome]) throws(HelperError) -> [ListedCredential] {
        if let failure { throw failure }
        return items.sorted { $0.key < $1.key }.map {
            ListedCredential(account: $0.key, codexHome: $0.value.metadata["codex_home"], stored: $0.value, backend: backendName)
        }
    }
}

/// A temporary directory to serve as CODEX_HOME, removed afterwards.
final class TemporaryHome {
    let path: String
    init() {
        var template = Array("/tmp/cch-core-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }
    deinit {
        unlink(path + "/auth.json")
        unlink(path + "/config.toml")
        rmdir(path)
    }
    func write(_ name: String, _ text: String) {
        let fd = open(path + "/" + name, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        _ = text.withCString { Glibc.write(fd, $0, strlen($0)) }
        close(fd)
    }
    func exists(_ name: String) -> Bool { access(path + "/" + name, F_OK) == 0 }
}

struct Harness {
    let store = MemoryStore()
    let out = ArrayWriter()
    let err = ArrayWriter()
    let home = TemporaryHome()
    let service: CredentialService

    init(now: Timestamp = Tokens.now) {
        service = CredentialService(
            store: store,
            environment: HelperEnvironment(variables: ["CODEX_HOME": home.path], output: out, errors: err, now: { now }))
    }

    func request(_ text: String) throws(HelperError) -> WireRequest {
        var reader = ArrayReader(text)
        return try WireFormat.readRequest(from: &reader)
    }

    var codexHome: CodexHome { CodexHome(path: Syscall.realPath(home.path) ?? home.path) }
}

@Suite("Credential service over an in-memory store")
struct CredentialServiceTests {
    @Test func loginStoresTheContractRecordAndMetadata() throws {
        let h = Harness()
        try h.service.login(rawToken: Array("at-abc\n".utf8), options: .init(codexHome: nil, expectation: .accessToken, expiresIn: "30d"))
        let stored = try #require(h.store.items[h.codexHome.account])
        #expect(String(decoding: stored.secret, as: UTF8.self) == #"{"OPENAI_API_KEY":null,"personal_access_token":"at-abc"}"#)
        #expect(stored.metadata["kind"] == "personal_access_token")
        #expect(stored.metadata["codex_home"] == h.codexHome.path)
        #expect(stored.metadata["expires_at"] == Tokens.now.adding(seconds: 30 * 86_400).rfc3339)
        #expect(stored.metadata["created_at"] == Tokens.now.rfc3339)
        #expect(stored.metadata["fingerprint"] == String(Digest.sha256Hex(Array("at-abc".utf8)).prefix(16)))
        #expect(h.err.text.contains("Stored the personal access token"))
        #expect(!h.err.text.contains("at-abc"), "stderr must not carry the token")
        #expect(h.out.bytes.isEmpty, "login prints nothing on stdout")
    }

    @Test func loginWarnsWhenCodexIgnoresTheKeyringAndNotWhenItReadsIt() throws {
        let h = Harness()
        try h.service.login(rawToken: Array("at-abc".utf8), options: .init(codexHome: nil, expectation: .accessToken))
        #expect(h.err.text.contains(#"cli_auth_credentials_store = "keyring""#))
        let h2 = Harness()
        h2.home.write("config.toml", "cli_auth_credentials_store = \"auto\"\n")
        try h2.service.login(rawToken: Array("at-abc".utf8), options: .init(codexHome: nil, expectation: .accessToken))
        #expect(!h2.err.text.contains("will not read the keyring"))
    }

    @Test func loginRemovesPlaintextAuthJSONAndSaysSo() throws {
        let h = Harness()
        h.home.write("auth.json", "{\n  \"OPENAI_API_KEY\": \"sk-old\"\n}")
        try h.service.login(rawToken: Array("at-new".utf8), options: .init(codexHome: nil, expectation: .accessToken))
        #expect(!h.home.exists("auth.json"))
        #expect(h.err.text.contains("Removed the plaintext"))
    }

    @Test func wrongTypeTokenLeavesStoredCredentialAndAuthJSONUntouched() throws {
        let h = Harness()
        try h.service.login(rawToken: Array("at-good".utf8), options: .init(codexHome: nil, expectation: .accessToken))
        let before = h.store.items
        h.home.write("auth.json", "{}")
        #expect(throws: HelperError.self) {
            try h.service.login(rawToken: Array("sk-proj-x".utf8), options: .init(codexHome: nil, expectation: .accessToken))
        }
        #expect(h.store.items == before)
        #expect(h.home.exists("auth.json"))
    }

    @Test func expiryFlagsAreCheckedAgainstTheToken() throws {
        let h = Harness()
        let jwt = Tokens.jwt(claims: #"{"exp":\#(Tokens.future)}"#)
        let conflict = #expect(throws: HelperError.self) {
            try h.service.login(rawToken: Array(jwt.utf8), options: .init(codexHome: nil, expectation: .accessToken, expiresIn: "1d"))
        }
        #expect(conflict?.message.contains("exp claim") == true)
        let past = #expect(throws: HelperError.self) {
            try h.service.login(rawToken: Array("at-x".utf8), options: .init(codexHome: nil, expectation: .accessToken, expiresAt: "2020-01-01"))
        }
        #expect(past?.message.contains("in the past") == true)
        let badDuration = #expect(throws: HelperError.self) {
            try h.service.login(rawToken: Array("at-x".utf8), options: .init(codexHome: nil, expectation: .accessToken, expiresIn: "soon"))
        }
        #expect(badDuration?.code == .usage)
        #expect(h.store.items.isEmpty)
        try h.service.login(rawToken: Array(jwt.utf8), options: .init(codexHome: nil, expectation: .accessToken))
        #expect(h.store.items[h.codexHome.account]?.metadata["expires_at"] == Timestamp(secondsSinceEpoch: Tokens.future).rfc3339)
    }

    @Test(arguments: OutputFormat.allCases)
    func getPrintsEachFormat(_ format: OutputFormat) throws {
        let h = Harness()
        try h.service.login(rawToken: Array("at-abc".utf8), options: .init(codexHome: nil, expectation: .accessToken, expiresIn: "1d"))
        try h.service.get(request: WireRequest(), codexHome: nil, format: format)
        switch format {
        case .token: #expect(h.out.text == "at-abc\n")
        case .codexJSON: #expect(h.out.text == #"{"OPENAI_API_KEY":null,"personal_access_token":"at-abc"}"# + "\n")
        case .keyValue:
            #expect(h.out.text == """
                kind=personal_access_token
                token=at-abc
                codex_home=\(h.codexHome.path)
                account=\(h.codexHome.account)
                backend=secret-service
                expires_at=\(Tokens.now.adding(seconds: 86_400).rfc3339)
                created_at=\(Tokens.now.rfc3339)

                """)
        }
    }

    @Test func staleMetadataFromAnEarlierCredentialIsIgnored() throws {
        let h = Harness()
        try h.service.login(rawToken: Array("at-old".utf8), options: .init(codexHome: nil, expectation: .accessToken, expiresIn: "1d"))
        // Codex replaces only the secret of an existing item; our attributes stay behind.
        h.store.items[h.codexHome.account]?.secret = Array(#"{"auth_mode":"apikey","OPENAI_API_KEY":"sk-new"}"#.utf8)
        try h.service.get(request: WireRequest(), codexHome: nil, format: .keyValue)
        #expect(h.out.text.contains("kind=api_key\ntoken=sk-new\n"))
        #expect(!h.out.text.contains("expires_at"), "the old token's expiry must not be reported for the new one")
        #expect(!h.out.text.contains("created_at"))
    }

    @Test func getOfACodexWrittenItemWithoutMetadata() throws {
        let h = Harness()
        h.store.items[h.codexHome.account] = StoredCredential(
            secret: Array(#"{"auth_mode":"apikey","OPENAI_API_KEY":"sk-codex"}"#.utf8), metadata: [:], location: "m", backend: "secret-service")
        try h.service.get(request: WireRequest(), codexHome: nil, format: .token)
        #expect(h.out.text == "sk-codex\n")
    }

    @Test func getNotFoundPrintsNothingAndExitsOne() throws {
        let h = Harness()
        let error = #expect(throws: HelperError.self) { try h.service.get(request: WireRequest(), codexHome: nil, format: .token) }
        #expect(error?.code.exitStatus == 1)
        #expect(h.out.bytes.isEmpty)
    }

    @Test func getOfAnObjectAgentIdentityHasNoTokenToPrint() throws {
        let h = Harness()
        h.store.items[h.codexHome.account] = StoredCredential(
            secret: Array(#"{"auth_mode":"agentIdentity","OPENAI_API_KEY":null,"agent_identity":{"agent_runtime_id":"r"}}"#.utf8),
            metadata: [:], location: "m", backend: "secret-service")
        let error = #expect(throws: HelperError.self) { try h.service.get(request: WireRequest(), codexHome: nil, format: .token) }
        #expect(error?.code == .badStoredData)
        try h.service.get(request: WireRequest(), codexHome: nil, format: .keyValue)
        #expect(h.out.text.hasPrefix("kind=agent_identity\ncodex_home="))
    }

    @Test func storeValidatesLikeLogin() throws {
        let h = Harness()
        try h.service.store(request: h.request("token=at-one\nexpires_at=2027-01-01T00:00:00Z\nunknown_key=ignored\n"), codexHome: nil)
        #expect(h.store.items[h.codexHome.account]?.metadata["expires_at"] == "2027-01-01T00:00:00Z")
        let before = h.store.items
        let cases: [(String, String)] = [
            ("kind=api_key\n", "needs a token"),
            ("token=sk-proj-x\n", "Platform API key"),
            ("token=at-x\nkind=api_key\n", "not an API key"),
            ("token=at-x\nkind=agent_identity\n", "kind=agent_identity was given"),
            ("token=at-x\nkind=chatgpt\n", "codex login"),
            ("token=at-x\nkind=bogus\n", "kind must be one of"),
            ("token=at-x\nexpires_at=next week\n", "RFC 3339"),
            ("token=at-x\ncreated_at=yesterday\n", "RFC 3339"),
            ("token=at-x\naccount=cli|0000000000000000\n", "account does not match"),
            ("token=at-x\nbackend=pass\n", "backend must be"),
            ("token=at-x\ncodex_home=/does/not/exist\n", "does not exist"),
        ]
        for (input, message) in cases {
            let error = #expect(throws: HelperError.self) { try h.service.store(request: h.request(input), codexHome: nil) }
            #expect(error?.code == .badInput, "\(input)")
            #expect(error?.message.contains(message) == true, "\(input): \(error?.message ?? "")")
        }
        #expect(h.store.items == before, "a refused store leaves the credential as it was")
        try h.service.store(request: h.request("token=sk-proj-key\nkind=api_key\n"), codexHome: nil)
        #expect(h.store.items[h.codexHome.account]?.metadata["kind"] == "api_key")
    }

    @Test func eraseRefusesEmptyAndHonoursMatches() throws {
        let h = Harness()
        try h.service.store(request: h.request("token=at-one\n"), codexHome: nil)
        let empty = #expect(throws: HelperError.self) { try h.service.erase(request: h.request(""), codexHome: nil) }
        #expect(empty?.code == .badInput)
        let mismatch = #expect(throws: HelperError.self) {
            try h.service.erase(request: h.request("token=at-two\n"), codexHome: nil)
        }
        #expect(mismatch?.code == .notFound)
        #expect(h.store.items.count == 1)
        try h.service.erase(request: h.request("codex_home=\(h.home.path)\ntoken=at-one\n"), codexHome: nil)
        #expect(h.store.items.isEmpty)
        let again = #expect(throws: HelperError.self) { try h.service.erase(request: h.request("kind=personal_access_token\n"), codexHome: nil) }
        #expect(again?.code == .notFound)
    }

    @Test func logoutRemovesEveryCopyAndSaysNotLoggedInOtherwise() throws {
        let h = Harness()
        try h.service.login(rawToken: Array("at-abc".utf8), options: .init(codexHome: nil, expectation: .accessToken))
        h.home.write("auth.json", "{}")
        try h.service.logout(codexHome: nil)
        #expect(h.store.items.isEmpty)
        #expect(!h.home.exists("auth.json"))
        #expect(h.err.text.contains("Removed the credential"))
        try h.service.logout(codexHome: nil)
        #expect(h.err.text.contains("Not logged in"))
    }

    @Test func logoutRemovesAuthJSONEvenWhenTheKeyringFails() throws {
        let h = Harness()
        h.home.write("auth.json", "{}")
        h.store.failure = HelperError(.unavailable, "no bus")
        let error = #expect(throws: HelperError.self) { try h.service.logout(codexHome: nil) }
        #expect(error?.code == .unavailable)
        #expect(!h.home.exists("auth.json"))
    }
}
