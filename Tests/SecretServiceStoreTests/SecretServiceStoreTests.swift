import CredentialCore
import Foundation
import SecretServiceStore
import TestSupport
import Testing

/// One private bus with a real gnome-keyring for this test process. The store reads the bus address from the
/// process environment (and libsecret, for prompts, keeps a per-process connection), so the address is set before
/// the first keyring call and never changes.
enum SharedKeyring {
    static let sandbox: KeyringSandbox = {
        do {
            let sandbox = try KeyringSandbox(.gnomeKeyring)
            setenv("DBUS_SESSION_BUS_ADDRESS", sandbox.busAddress, 1)
            return sandbox
        } catch {
            fatalError("cannot start gnome-keyring for the Secret Service tests: \(error)")
        }
    }()

    static func store(canPrompt: Bool = false) -> SecretServiceStore {
        SecretServiceStore(options: .init(timeoutMilliseconds: 5000, canPrompt: canPrompt, environment: sandbox.environment))
    }

    static func freshHome() throws -> CodexHome {
        CodexHome(path: try sandbox.makeCodexHome())
    }

    static func items(for home: CodexHome) throws -> [KeyringItem] {
        try sandbox.codexItems().filter { $0.attributes["username"] == home.account }
    }
}

// Serialized: one test locks the shared keyring's default collection.
@Suite("Secret Service store against a real gnome-keyring", .serialized)
struct SecretServiceStoreTests {
    let store = SharedKeyring.store()
    let record = Array(#"{"OPENAI_API_KEY":null,"personal_access_token":"at-store-test"}"#.utf8)

    func metadata(_ home: CodexHome, kind: String = "personal_access_token", fingerprint: String = "0011223344556677")
        -> [String: String]
    {
        ["codex_home": home.path, "kind": kind, "created_at": "2026-11-25T00:00:00Z", "fingerprint": fingerprint]
    }

    @Test func saveCreatesExactlyCodexsItemInTheDefaultCollection() throws {
        let home = try SharedKeyring.freshHome()
        let outcome = try store.save(home, secret: record, metadata: metadata(home))
        #expect(outcome.replacedExisting == false)
        let items = try SharedKeyring.items(for: home)
        try #require(items.count == 1)
        let item = items[0]
        #expect(item.collection == (try SharedKeyring.sandbox.defaultCollection()))
        #expect(item.secret == String(decoding: record, as: UTF8.self))
        #expect(item.content_type == "text/plain")
        #expect(item.label == "Codex credential for \(home.path)")
        #expect(item.attributes == [
            "service": "Codex Auth", "username": home.account, "target": "default", "application": "rust-keyring",
            "xdg:schema": "org.freedesktop.Secret.Generic", "codex_home": home.path, "kind": "personal_access_token",
            "created_at": "2026-11-25T00:00:00Z", "fingerprint": "0011223344556677",
        ])
        let loaded = try #require(try store.load(home))
        #expect(loaded.secret == record)
        #expect(loaded.metadata == metadata(home))
    }

    @Test func secondSaveReplacesTheSecretOfTheOneItem() throws {
        let home = try SharedKeyring.freshHome()
        _ = try store.save(home, secret: record, metadata: metadata(home).merging(["expires_at": "2027-01-01T00:00:00Z"]) { $1 })
        let newRecord = Array(#"{"auth_mode":"apikey","OPENAI_API_KEY":"sk-second"}"#.utf8)
        let outcome = try store.save(home, secret: newRecord, metadata: metadata(home, kind: "api_key", fingerprint: "ffff"))
        #expect(outcome.replacedExisting)
        let items = try SharedKeyring.items(for: home)
        try #require(items.count == 1)
        #expect(items[0].secret == String(decoding: newRecord, as: UTF8.self))
        #expect(items[0].attributes["kind"] == "api_key")
        #expect(items[0].attributes["fingerprint"] == "ffff")
        #expect(items[0].attributes["expires_at"] == nil, "metadata of the previous credential is not carried over")
    }

    @Test func codexCreatedItemIsFoundAndUpdatedInPlace() throws {
        let home = try SharedKeyring.freshHome()
        // Exactly what older Codex builds write: four attributes, no xdg:schema, Codex's label.
        let attributes = #"{"service":"Codex Auth","username":"\#(home.account)","target":"default","application":"rust-keyring"}"#
        let codexLabel = "\(home.account)@Codex Auth:default (keyring v3.6.3)"
        let created = try SharedKeyring.sandbox.inspector(["create", attributes, #"{"auth_mode":"apikey","OPENAI_API_KEY":"sk-codex"}"#, codexLabel])
        try #require(created.status == 0, "\(created)")
        let loaded = try #require(try store.load(home))
        #expect(String(decoding: loaded.secret, as: UTF8.self) == #"{"auth_mode":"apikey","OPENAI_API_KEY":"sk-codex"}"#)
        #expect(loaded.metadata.isEmpty)

        let before = try SharedKeyring.items(for: home)
        _ = try store.save(home, secret: record, metadata: metadata(home))
        let items = try SharedKeyring.items(for: home)
        try #require(items.count == 1 && before.count == 1)
        #expect(items[0].path == created.out.trimmingCharacters(in: .whitespacesAndNewlines), "the same item, not a new one")
        #expect(items[0].label == codexLabel, "the label Codex gave stays")
        // Codex's attributes stay as they were; ours are added. (gnome-keyring itself may add xdg:schema to a
        // schema-less item when it is read, with or without this helper, so that one attribute is not compared.)
        var expected = before[0].attributes.merging(metadata(home)) { _, new in new }
        expected.removeValue(forKey: "xdg:schema")
        var actual = items[0].attributes
        actual.removeValue(forKey: "xdg:schema")
        #expect(actual == expected)
        #expect(items[0].secret == String(decoding: record, as: UTF8.self))
    }

    @Test func itemWithoutTargetIsFoundByCodexsFallbackSearch() throws {
        let home = try SharedKeyring.freshHome()
        let attributes = #"{"service":"Codex Auth","username":"\#(home.account)"}"#
        try #require(try SharedKeyring.sandbox.inspector(["create", attributes, "{\"OPENAI_API_KEY\":\"sk-old\"}"]).status == 0)
        let loaded = try #require(try store.load(home))
        #expect(String(decoding: loaded.secret, as: UTF8.self) == "{\"OPENAI_API_KEY\":\"sk-old\"}")
        #expect(try store.erase(home) == 1)
        #expect(try SharedKeyring.items(for: home).isEmpty)
    }

    @Test func duplicateItemsAreAnErrorOnReadAndRepairedOnSave() throws {
        let home = try SharedKeyring.freshHome()
        let attributes = #"{"service":"Codex Auth","username":"\#(home.account)","target":"default"}"#
        for secret in ["{\"OPENAI_API_KEY\":\"sk-1\"}", "{\"OPENAI_API_KEY\":\"sk-2\"}"] {
            try #require(try SharedKeyring.sandbox.inspector(["create", attributes, secret]).status == 0)
        }
        let error = #expect(throws: HelperError.self) { try store.load(home) }
        #expect(error?.code == .badStoredData)
        #expect(error?.message.contains("2 items") == true)
        let outcome = try store.save(home, secret: record, metadata: metadata(home))
        #expect(outcome.duplicatesRemoved == 1)
        let items = try SharedKeyring.items(for: home)
        #expect(items.count == 1)
        #expect(items.first?.secret == String(decoding: record, as: UTF8.self))
    }

    @Test func eraseRemovesTheItemAndReportsNothingWhenAbsent() throws {
        let home = try SharedKeyring.freshHome()
        _ = try store.save(home, secret: record, metadata: metadata(home))
        #expect(try store.erase(home) == 1)
        #expect(try store.load(home) == nil)
        #expect(try store.erase(home) == 0)
    }

    /// A store frees each operation's bus connection (at its next operation, or when the store goes away), so a
    /// long-lived process keeps none open; with `leaveLastConnectionToExit`, which get, store and erase set, exactly
    /// the last one outlives the store, for the process's exit to close.
    @Test func connectionsAreFreedUnlessTheLastIsLeftToTheProcessExit() throws {
        let home = try SharedKeyring.freshHome()
        _ = try store.save(home, secret: record, metadata: metadata(home))
        func connections() throws -> Int {
            let result = try SharedKeyring.sandbox.inspector(["connections"])
            try #require(result.status == 0, "\(result)")
            return try #require(Int(result.out.trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        let before = try connections()
        do {
            let freeing = SharedKeyring.store()
            for _ in 0..<5 { #expect(try freeing.load(home) != nil) }
            #expect(try connections() == before + 1)  // the last operation's, kept until the store goes away
        }
        #expect(try connections() == before)

        var options = SecretServiceStore.Options(canPrompt: false, environment: SharedKeyring.sandbox.environment)
        options.leaveLastConnectionToExit = true
        do {
            let leaving = SecretServiceStore(options: options)
            for _ in 0..<5 { #expect(try leaving.load(home) != nil) }
        }
        #expect(try connections() == before + 1)
    }

    /// No display: gnome-keyring's unlock prompt ends dismissed at once.
    @Test func lockedCollectionFailsAtOnceWithLockedAndKeepsTheCredential() throws {
        let home = try SharedKeyring.freshHome()
        _ = try store.save(home, secret: record, metadata: metadata(home))
        try #require(try SharedKeyring.sandbox.inspector(["lock-default"]).status == 0)
        defer { _ = try? SharedKeyring.sandbox.inspector(["unlock-default", KeyringSandbox.password]) }

        let load = #expect(throws: HelperError.self) { try store.load(home) }
        #expect(load?.code == .locked)
        #expect(load?.code.exitStatus == 77)
        #expect(load?.message.contains("prompt to unlock collection 'login' was dismissed") == true, "\(String(describing: load))")
        let save = #expect(throws: HelperError.self) {
            try store.save(home, secret: Array("{\"OPENAI_API_KEY\":\"sk-x\"}".utf8), metadata: [:])
        }
        #expect(save?.code == .locked)
        let erase = #expect(throws: HelperError.self) { try store.erase(home) }
        #expect(erase?.code == .locked)
        // A new account cannot be written into a locked default collection either.
        let other = try SharedKeyring.freshHome()
        let create = #expect(throws: HelperError.self) { try store.save(other, secret: record, metadata: [:]) }
        #expect(create?.code == .locked)

        try #require(try SharedKeyring.sandbox.inspector(["unlock-default", KeyringSandbox.password]).status == 0)
        #expect(try store.load(home)?.secret == record, "the credential survived")
    }

    @Test func noSessionBusIsUnavailableWithoutTouchingDBus() throws {
        let store = SecretServiceStore(options: .init(canPrompt: false, environment: ["HOME": "/tmp"]))
        let error = #expect(throws: HelperError.self) { try store.load(CodexHome(path: "/tmp/x")) }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("No D-Bus session bus") == true)
    }
}
