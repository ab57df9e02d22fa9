import CredentialCore
import EncryptedFileStore
import Foundation
import Testing

/// A private scratch directory: a Codex home and a data home for the key file.
final class Scratch {
    let root: String
    let codexHome: String
    let keyFile: String

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("cch-file-\(UUID().uuidString)").path
        codexHome = root + "/codex"
        keyFile = root + "/data/codex-credential-helper/file.key"
        try FileManager.default.createDirectory(atPath: codexHome, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        chmod(root, 0o700)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    var home: CodexHome { CodexHome(path: codexHome) }
    var sealedPath: String { codexHome + "/credentials.sealed" }

    /// A store over this scratch directory. The kernel-keyring key cache is off unless asked for, so that each test
    /// sees the file format alone; the cache has tests of its own.
    func store(_ mode: EncryptedFileStore.KeyModeChoice = .auto, passphrase: String? = nil, keyCacheSeconds: UInt32 = 0)
        -> EncryptedFileStore
    {
        EncryptedFileStore(options: .init(keyMode: mode, passphrase: passphrase.map { Array($0.utf8) }, keyFilePath: keyFile,
                                          keyCacheSeconds: keyCacheSeconds))
    }

    func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
    }

    func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }
}

let record = Array(#"{"OPENAI_API_KEY":null,"personal_access_token":"at-SEALEDSECRET123"}"#.utf8)
let metadata = ["kind": "personal_access_token", "created_at": "2026-11-25T00:00:00Z", "fingerprint": "0123456789abcdef"]

@Suite("Encrypted file store")
struct EncryptedFileStoreTests {
    @Test func keyFileModeRoundTripWithExactModes() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let outcome = try store.save(scratch.home, secret: record, metadata: metadata)
        #expect(outcome.backend == "file")
        #expect(outcome.location.contains("key file mode"))
        let loaded = try #require(try store.load(scratch.home))
        #expect(loaded.secret == record)
        #expect(loaded.metadata == metadata)
        #expect(loaded.backend == "file")
        #expect(try scratch.mode(scratch.sealedPath) == 0o600)
        #expect(try scratch.mode(scratch.keyFile) == 0o600)
        #expect(try scratch.mode((scratch.keyFile as NSString).deletingLastPathComponent) == 0o700)
        #expect(try scratch.bytes(scratch.keyFile).count == 32)
        let sealed = try scratch.bytes(scratch.sealedPath)
        #expect(Array(sealed.prefix(8)) == Array("CCHSEALD".utf8))
        #expect(!String(decoding: sealed, as: UTF8.self).contains("SEALEDSECRET"), "no plaintext in the file")
        // A different Codex home sharing the file path (--file) does not see it.
        #expect(try store.load(CodexHome(path: "/elsewhere")) == nil)
    }

    @Test func everyWriteUsesAFreshNonce() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        _ = try store.save(scratch.home, secret: record, metadata: metadata)
        let first = try scratch.bytes(scratch.sealedPath)
        _ = try store.save(scratch.home, secret: record, metadata: metadata)
        let second = try scratch.bytes(scratch.sealedPath)
        #expect(first.count == second.count)
        #expect(Array(first[29..<41]) != Array(second[29..<41]), "nonce reused")
        #expect(first != second)
    }

    @Test func passphraseModeRoundTripAndWrongPassphrase() throws {
        let scratch = try Scratch()
        _ = try scratch.store(.passphrase, passphrase: "correct horse").save(scratch.home, secret: record, metadata: metadata)
        #expect(!FileManager.default.fileExists(atPath: scratch.keyFile), "passphrase mode makes no key file")
        let header = try scratch.bytes(scratch.sealedPath)
        #expect(header[9] == 1 && header[10] == 1 && header[11] == 15, "scrypt N = 2^15")
        #expect(Array(header[12..<20]) == [0, 0, 0, 8, 0, 0, 0, 1], "r = 8, p = 1")
        #expect(try scratch.store(passphrase: "correct horse").load(scratch.home)?.secret == record)

        let wrong = #expect(throws: HelperError.self) { try scratch.store(passphrase: "wrong horse").load(scratch.home) }
        #expect(wrong?.code == .wrongPassphrase)
        #expect(wrong?.code.exitStatus == 77)
        let none = #expect(throws: HelperError.self) { try scratch.store().load(scratch.home) }
        #expect(none?.code == .wrongPassphrase)
        #expect(none?.message.contains("CODEX_CREDENTIAL_PASSPHRASE") == true)
        // Without a passphrase, auto mode does not quietly re-seal a passphrase file with the key file.
        let downgrade = #expect(throws: HelperError.self) { try scratch.store().save(scratch.home, secret: record, metadata: [:]) }
        #expect(downgrade?.code == .wrongPassphrase)
        #expect(try scratch.bytes(scratch.sealedPath) == header, "the file was left as it was")
    }

    /// Passphrase-mode options whose terminal prompt answers "typed passphrase" and records what it was asked for.
    final class Prompts {
        var asked: [EncryptedFileStore.PassphrasePurpose] = []
        /// What a person types, in turn; then "typed passphrase".
        var answers: [String] = []

        func options(_ scratch: Scratch, keyCacheSeconds: UInt32) -> EncryptedFileStore.Options {
            var options = EncryptedFileStore.Options(
                keyMode: .passphrase, keyFilePath: scratch.keyFile, keyCacheSeconds: keyCacheSeconds)
            options.prompt = { purpose in
                self.asked.append(purpose)
                return Array((self.answers.isEmpty ? "typed passphrase" : self.answers.removeFirst()).utf8)
            }
            return options
        }
    }

    /// A typed passphrase that does not open the file is asked again, three tries in all, as ssh and gpg do.
    @Test func aWrongTypedPassphraseIsAskedAgainThreeTriesInAll() throws {
        let scratch = try Scratch()
        let prompts = Prompts()
        let options = prompts.options(scratch, keyCacheSeconds: 0)
        _ = try EncryptedFileStore(options: options).save(scratch.home, secret: record, metadata: metadata)
        prompts.asked = []
        prompts.answers = ["typo one", "typo two"]
        #expect(try EncryptedFileStore(options: options).load(scratch.home)?.secret == record)
        #expect(prompts.asked == [.open, .openAgain, .openAgain], "\(prompts.asked)")
        prompts.asked = []
        prompts.answers = ["typo one", "typo two", "typo three", "typed passphrase"]
        let refused = #expect(throws: HelperError.self) { try EncryptedFileStore(options: options).load(scratch.home) }
        #expect(refused?.code == .wrongPassphrase)
        #expect(prompts.asked == [.open, .openAgain, .openAgain], "three tries, not four: \(prompts.asked)")
    }

    @Test func promptIsAskedForCreateAndOpen() throws {
        let scratch = try Scratch()
        let prompts = Prompts()
        let store = EncryptedFileStore(options: prompts.options(scratch, keyCacheSeconds: 0))
        _ = try store.save(scratch.home, secret: record, metadata: metadata)
        #expect(try store.load(scratch.home)?.secret == record)
        #expect(prompts.asked == [.create, .open])
    }

    @Test func withTheKeyCacheThePromptIsAskedOnceAndAWrongPassphraseForgetsTheKey() throws {
        let scratch = try Scratch()
        let prompts = Prompts()
        let options = prompts.options(scratch, keyCacheSeconds: 60)
        _ = try EncryptedFileStore(options: options).save(scratch.home, secret: record, metadata: metadata)
        // A later store (another process, in real use) opens the file with the cached key: no prompt.
        #expect(try EncryptedFileStore(options: options).load(scratch.home)?.secret == record)
        #expect(try EncryptedFileStore(options: options).load(scratch.home)?.secret == record)
        let cached = EncryptedFileStore(options: options).keyCacheAvailability == .available
        #expect(prompts.asked == (cached ? [.create] : [.create, .open, .open]), "\(prompts.asked)")

        // While the key is cached, a passphrase given is not checked again (the entry holds nothing to check it
        // with that would not help someone guess it); with nothing cached, a wrong one is refused and clears the
        // entry, so the typed passphrase is asked for again.
        let other = scratch.store(.passphrase, passphrase: "another passphrase", keyCacheSeconds: 60)
        if cached { #expect(try other.load(scratch.home)?.secret == record) }
        let uncached = scratch.store(.passphrase, passphrase: "another passphrase", keyCacheSeconds: 0)
        let refused = #expect(throws: HelperError.self) { try uncached.load(scratch.home) }
        #expect(refused?.code == .wrongPassphrase)
        prompts.asked = []
        #expect(try EncryptedFileStore(options: options).load(scratch.home)?.secret == record)
        #expect(prompts.asked == [.open], "\(prompts.asked)")
    }

    @Test func missingKeyFileIsItsOwnError() throws {
        let scratch = try Scratch()
        _ = try scratch.store().save(scratch.home, secret: record, metadata: metadata)
        let before = try scratch.bytes(scratch.sealedPath)
        try FileManager.default.removeItem(atPath: scratch.keyFile)
        let error = #expect(throws: HelperError.self) { try scratch.store().load(scratch.home) }
        #expect(error?.code == .keyMissing)
        #expect(error?.code.exitStatus == 66)
        #expect(try scratch.bytes(scratch.sealedPath) == before)
    }

    @Test func replacedKeyFileIsReportedAsTheWrongKey() throws {
        let scratch = try Scratch()
        _ = try scratch.store().save(scratch.home, secret: record, metadata: metadata)
        try scratch.write(Array(repeating: 7, count: 32), to: scratch.keyFile)
        let error = #expect(throws: HelperError.self) { try scratch.store().load(scratch.home) }
        #expect(error?.code == .wrongPassphrase)
        #expect(error?.message.contains("key file does not open") == true)
    }

    /// Flipping any one byte, anywhere, never yields a credential: each byte class has its own failure.
    @Test func everyByteTamperedIsRefusedWithTheRightMessage() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        _ = try store.save(scratch.home, secret: record, metadata: metadata)
        let original = try scratch.bytes(scratch.sealedPath)
        let headerLength = 29  // key-file mode: no salt
        for offset in original.indices {
            var tampered = original
            tampered[offset] ^= 0x01
            try scratch.write(tampered, to: scratch.sealedPath)
            let error = #expect(throws: HelperError.self, "byte \(offset)") { try store.load(scratch.home) }
            let expected: String
            switch offset {
            case 0..<8: expected = "not a sealed credential file"
            case 8: expected = "format version"
            case 9: expected = "unknown key mode"
            case 10: expected = "do not go together"
            case 11..<21: expected = "KDF fields set"
            case 21..<headerLength: expected = "key file does not open"
            default: expected = "fails authentication"
            }
            #expect(error?.message.contains(expected) == true, "byte \(offset): \(error?.message ?? "")")
        }
        try scratch.write(original, to: scratch.sealedPath)
        #expect(try store.load(scratch.home)?.secret == record, "the untampered file still opens")
    }

    @Test func passphraseHeaderTamperingIsRefused() throws {
        let scratch = try Scratch()
        let store = scratch.store(passphrase: "pw")
        _ = try scratch.store(.passphrase, passphrase: "pw").save(scratch.home, secret: record, metadata: metadata)
        let original = try scratch.bytes(scratch.sealedPath)
        // log2N, r, p, salt length, a salt byte, a key-check byte, a nonce byte, a ciphertext byte, the last tag byte.
        let cases: [(Int, UInt8, HelperError.Code)] = [
            (11, 0x02, .badStoredData), (15, 0x01, .wrongPassphrase), (19, 0x02, .wrongPassphrase),
            (20, 0x40, .badStoredData), (21, 0x01, .wrongPassphrase), (37, 0x01, .wrongPassphrase),
            (45, 0x01, .badStoredData), (60, 0x01, .badStoredData), (original.count - 1, 0x01, .badStoredData),
        ]
        for (offset, mask, code) in cases {
            var tampered = original
            tampered[offset] ^= mask
            try scratch.write(tampered, to: scratch.sealedPath)
            let error = #expect(throws: HelperError.self, "byte \(offset)") { try store.load(scratch.home) }
            #expect(error?.code == code, "byte \(offset): \(error?.message ?? "")")
        }
    }

    @Test func truncationAtEveryLengthClassIsRefused() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        _ = try store.save(scratch.home, secret: record, metadata: metadata)
        let original = try scratch.bytes(scratch.sealedPath)
        for length in [0, 1, 7, 8, 9, 20, 21, 28, 29, 40, 41, 56, original.count - 17, original.count - 1] {
            try scratch.write(Array(original.prefix(length)), to: scratch.sealedPath)
            let error = #expect(throws: HelperError.self, "length \(length)") { try store.load(scratch.home) }
            #expect(error?.code == .badStoredData, "length \(length)")
            let message = error?.message ?? ""
            #expect(message.contains("truncated") || message.contains("fails authentication"), "length \(length): \(message)")
        }
    }

    @Test func randomBytesAndUnknownVersionAreRefused() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        try scratch.write((0..<300).map { _ in UInt8.random(in: 0...255) }, to: scratch.sealedPath)
        let random = #expect(throws: HelperError.self) { try store.load(scratch.home) }
        #expect(random?.message.contains("not a sealed credential file") == true)

        var future = Array("CCHSEALD".utf8) + [2] + Array(repeating: 0, count: 80)
        future[9] = 2
        try scratch.write(future, to: scratch.sealedPath)
        let version = #expect(throws: HelperError.self) { try store.load(scratch.home) }
        #expect(version?.code == .badStoredData)
        #expect(version?.message.contains("format version 2") == true)
    }

    /// Parameters outside the bounds are refused before anything is derived (an N of 2^40 would never finish).
    @Test(arguments: [
        (40, 8, 1), (13, 8, 1), (21, 8, 1), (15, 0, 1), (15, 33, 1), (15, 8, 0), (15, 8, 17), (20, 32, 1), (18, 8, 16),
    ] as [(UInt8, UInt32, UInt32)])
    func absurdScryptParametersAreRefusedBeforeDeriving(_ log2N: UInt8, _ r: UInt32, _ p: UInt32) throws {
        let scratch = try Scratch()
        var header = Array("CCHSEALD".utf8) + [1, 1, 1, log2N]
        header += [UInt8(r >> 24), UInt8(r >> 16 & 0xFF), UInt8(r >> 8 & 0xFF), UInt8(r & 0xFF)]
        header += [UInt8(p >> 24), UInt8(p >> 16 & 0xFF), UInt8(p >> 8 & 0xFF), UInt8(p & 0xFF)]
        header += [16] + Array(repeating: 0xAB, count: 16) + Array(repeating: 0, count: 8)
        try scratch.write(header + Array(repeating: 0, count: 60), to: scratch.sealedPath)
        let error = #expect(throws: HelperError.self) { try scratch.store(passphrase: "pw").load(scratch.home) }
        #expect(error?.code == .badStoredData)
        #expect(error?.message.contains("outside the accepted bounds") == true, "\(error?.message ?? "")")
    }

    @Test func looseOrForeignFilesAreRefused() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        _ = try store.save(scratch.home, secret: record, metadata: metadata)

        chmod(scratch.sealedPath, 0o644)
        let loose = #expect(throws: HelperError.self) { try store.load(scratch.home) }
        #expect(loose?.code == .insecurePermissions)
        #expect(loose?.code.exitStatus == 78)
        #expect(loose?.message.contains("chmod 600") == true)
        chmod(scratch.sealedPath, 0o600)

        chmod(scratch.keyFile, 0o640)
        let looseKey = #expect(throws: HelperError.self) { try store.load(scratch.home) }
        #expect(looseKey?.code == .insecurePermissions)
        #expect(looseKey?.message.contains("key file") == true)
        chmod(scratch.keyFile, 0o600)

        chmod(scratch.codexHome, 0o777)
        let openDirectory = #expect(throws: HelperError.self) { try store.save(scratch.home, secret: record, metadata: metadata) }
        #expect(openDirectory?.code == .insecurePermissions)
        chmod(scratch.codexHome, 0o700)

        if getuid() == 0 {
            chown(scratch.sealedPath, 65534, 65534)
            let foreign = #expect(throws: HelperError.self) { try store.load(scratch.home) }
            #expect(foreign?.code == .insecurePermissions)
            #expect(foreign?.message.contains("another user") == true)
            chown(scratch.sealedPath, 0, 0)
        }
        #expect(try store.load(scratch.home)?.secret == record)
    }

    @Test func symlinkOrDirectoryWhereTheFileShouldBe() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let target = scratch.root + "/elsewhere.sealed"
        try scratch.write([1, 2, 3], to: target)
        symlink(target, scratch.sealedPath)
        let link = #expect(throws: HelperError.self) { try store.load(scratch.home) }
        #expect(link?.code == .insecurePermissions)
        #expect(link?.message.contains("symbolic link") == true)
        unlink(scratch.sealedPath)

        mkdir(scratch.sealedPath, 0o700)
        let directory = #expect(throws: HelperError.self) { try store.load(scratch.home) }
        #expect(directory?.code == .ioError)
        #expect(directory?.message.contains("directory") == true)
        let save = #expect(throws: HelperError.self) { try store.save(scratch.home, secret: record, metadata: metadata) }
        #expect(save?.code == .ioError)
        #expect(save?.message.contains("directory") == true, "\(save?.message ?? "")")
    }

    @Test func modesDoNotDependOnTheUmask() throws {
        let scratch = try Scratch()
        let previous = umask(0)
        defer { umask(previous) }
        _ = try scratch.store().save(scratch.home, secret: record, metadata: metadata)
        #expect(try scratch.mode(scratch.sealedPath) == 0o600)
        #expect(try scratch.mode(scratch.keyFile) == 0o600)
        #expect(try scratch.mode((scratch.keyFile as NSString).deletingLastPathComponent) == 0o700)
    }

    @Test func eraseRemovesTheFileAndStaleTemporaryFiles() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        try scratch.write([0], to: scratch.sealedPath + ".tmp-abc123")
        _ = try store.save(scratch.home, secret: record, metadata: metadata)
        #expect(!FileManager.default.fileExists(atPath: scratch.sealedPath + ".tmp-abc123"), "stale temp file removed")
        #expect(try store.erase(scratch.home) == 1)
        #expect(!FileManager.default.fileExists(atPath: scratch.sealedPath))
        #expect(try store.erase(scratch.home) == 0)
        #expect(try store.load(scratch.home) == nil)
    }
}
