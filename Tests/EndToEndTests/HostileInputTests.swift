import Foundation
import TestSupport
import Testing

/// A marker inside hostile input: it must never come back in any message.
let leak = "LEAKMARK7Q2W"

/// One hostile input: what is run, on what, and what must come of it.
struct Hostile: CustomTestStringConvertible, Sendable {
    enum Input: Sendable {
        case text(String)
        case bytes([UInt8])
        /// That many bytes of "a", streamed.
        case flood(Int)
    }

    enum Setup: Sendable, Equatable {
        case none
        case truncateSealed
        case randomSealed
        case absurdScrypt
        case symlinkSealed
        case directorySealed
        case looseSealed
        case removeKeyFile
        case replaceKeyFile
        case passphraseSealed
        case openCodexHome
    }

    var name: String
    var arguments: [String]
    var input: Input = .text("")
    var backend = "secret-service"
    var setup = Setup.none
    var status: Int32
    var message: String
    var testDescription: String { name }
}

private let jwtHeader = "eyJhbGciOiJFZERTQSJ9"  // {"alg":"EdDSA"}

private func b64(_ text: String) -> String { TestTokens.base64url(Data(text.utf8)) }

let hostileCases: [Hostile] = [
    // login: the token rules
    Hostile(name: "login: empty", arguments: ["login", "--with-access-token"], input: .text(""), status: 65, message: "empty"),
    Hostile(name: "login: whitespace only", arguments: ["login", "--with-access-token"], input: .text(" \n\t\r\n"), status: 65, message: "empty"),
    Hostile(name: "login: NUL inside", arguments: ["login", "--with-access-token"], input: .bytes(Array("at-\(leak)".utf8) + [0] + Array("x".utf8)), status: 65, message: "NUL"),
    Hostile(name: "login: CR inside", arguments: ["login", "--with-access-token"], input: .text("at-\(leak)\rmore"), status: 65, message: "whitespace"),
    Hostile(name: "login: LF inside", arguments: ["login", "--with-access-token"], input: .text("at-\(leak)\nat-second"), status: 65, message: "whitespace"),
    Hostile(name: "login: invalid UTF-8", arguments: ["login", "--with-access-token"], input: .bytes(Array("at-\(leak)".utf8) + [0xC3, 0x28]), status: 65, message: "UTF-8"),
    Hostile(name: "login: escape character", arguments: ["login", "--with-access-token"], input: .bytes(Array("at-\(leak)".utf8) + [0x1B]), status: 65, message: "control character"),
    Hostile(name: "login: non-ASCII", arguments: ["login", "--with-access-token"], input: .text("at-\(leak)ü"), status: 65, message: "printable ASCII"),
    Hostile(name: "login: 64 KiB + 1", arguments: ["login", "--with-access-token"], input: .text("at-" + String(repeating: "a", count: 64 * 1024 - 2)), status: 65, message: "64 KiB"),
    Hostile(name: "login: 100 MiB streamed", arguments: ["login", "--with-access-token"], input: .flood(100 * 1024 * 1024), status: 65, message: "over 1 MiB"),
    Hostile(name: "login: an API key as access token", arguments: ["login", "--with-access-token"], input: .text("sk-proj-\(leak)"), status: 65, message: "Platform API key"),
    Hostile(name: "login: a JWE", arguments: ["login", "--with-access-token"], input: .text("eyJhbGciOiJkaXIifQ..\(leak).ct.tag"), status: 65, message: "browser session token"),
    Hostile(name: "login: JWT with a bad header", arguments: ["login", "--with-access-token"], input: .text("!!.\(b64("{}")).\(leak)"), status: 65, message: "header"),
    Hostile(name: "login: JWT whose exp is not a number", arguments: ["login", "--with-access-token"], input: .text("\(jwtHeader).\(b64(#"{"exp":"soon"}"#)).\(leak)"), status: 65, message: "exp claim"),
    Hostile(name: "login: expired JWT", arguments: ["login", "--with-access-token"], input: .text("\(jwtHeader).\(b64(#"{"exp":1600000000}"#)).\(leak)"), status: 65, message: "expired on 2020-09-13"),
    Hostile(name: "login: access token as API key", arguments: ["login", "--with-api-key"], input: .text("at-\(leak)"), status: 65, message: "not an API key"),
    Hostile(name: "login: bad --expires-in", arguments: ["login", "--with-access-token", "--expires-in", "soon"], input: .text("at-\(leak)"), status: 64, message: "--expires-in"),
    Hostile(name: "login: --expires-at in the past", arguments: ["login", "--with-access-token", "--expires-at", "2001-01-01"], input: .text("at-\(leak)"), status: 65, message: "in the past"),
    Hostile(name: "login: a name with a line break", arguments: ["login", "--with-access-token", "--name", "a\nb"], input: .text("at-\(leak)"), status: 64, message: "name"),
    Hostile(name: "login: missing Codex home", arguments: ["login", "--with-access-token", "--codex-home", "/nonexistent/codex-home"], input: .text("at-x"), status: 64, message: "does not exist"),
    // store: the wire format
    Hostile(name: "store: empty request", arguments: ["store"], input: .text(""), status: 65, message: "needs a token"),
    Hostile(name: "store: unknown keys but no token", arguments: ["store"], input: .text("future=1\nother=\(leak)\n"), status: 65, message: "needs a token"),
    Hostile(name: "store: a line without '='", arguments: ["store"], input: .text("token \(leak)\n"), status: 65, message: "Line 1: has no '='"),
    Hostile(name: "store: an empty key", arguments: ["store"], input: .text("=at-\(leak)\n"), status: 65, message: "Line 1: has an empty key"),
    Hostile(name: "store: a duplicate key", arguments: ["store"], input: .text("token=at-\(leak)\ntoken=at-\(leak)2\n"), status: 65, message: "Line 2: repeats the key"),
    Hostile(name: "store: CR at a line end", arguments: ["store"], input: .text("token=at-\(leak)\r\n"), status: 65, message: "carriage return"),
    Hostile(name: "store: NUL in a value", arguments: ["store"], input: .bytes(Array("token=at-\(leak)".utf8) + [0, 0x0A]), status: 65, message: "NUL"),
    Hostile(name: "store: invalid UTF-8", arguments: ["store"], input: .bytes(Array("token=at-\(leak)".utf8) + [0xFF, 0x0A]), status: 65, message: "UTF-8"),
    Hostile(name: "store: a line of 64 KiB + 1", arguments: ["store"], input: .text("token=" + String(repeating: "a", count: 64 * 1024 - 5) + "\n"), status: 65, message: "longer than 64 KiB"),
    Hostile(name: "store: 100 MiB streamed", arguments: ["store"], input: .flood(100 * 1024 * 1024), status: 65, message: "larger than 1 MiB"),
    Hostile(name: "store: token is an API key", arguments: ["store"], input: .text("token=sk-\(leak)\n"), status: 65, message: "Platform API key"),
    Hostile(name: "store: token is a JWE", arguments: ["store"], input: .text("token=a.b.\(leak).d.e\n"), status: 65, message: "browser session token"),
    Hostile(name: "store: kind=chatgpt", arguments: ["store"], input: .text("token=at-\(leak)\nkind=chatgpt\n"), status: 65, message: "codex login"),
    Hostile(name: "store: expires_at is not a time", arguments: ["store"], input: .text("token=at-\(leak)\nexpires_at=tomorrow\n"), status: 65, message: "RFC 3339"),
    Hostile(name: "store: account of another home", arguments: ["store"], input: .text("token=at-\(leak)\naccount=cli|0000000000000000\n"), status: 65, message: "account does not match"),
    Hostile(name: "store: codex_home that does not exist", arguments: ["store"], input: .text("token=at-\(leak)\ncodex_home=/nonexistent\n"), status: 65, message: "does not exist"),
    // get and erase
    Hostile(name: "get: a malformed line", arguments: ["get"], input: .text("token\(leak)\n"), status: 65, message: "Line 1"),
    Hostile(name: "get: unknown keys are ignored", arguments: ["get", "--format", "kv"], input: .text("future_key=\(leak)\n"), status: 0, message: ""),
    Hostile(name: "get: a kind that does not match", arguments: ["get"], input: .text("kind=api_key\n"), status: 1, message: "not the requested kind"),
    Hostile(name: "erase: an empty request", arguments: ["erase"], input: .text(""), status: 65, message: "refuses an empty request"),
    Hostile(name: "erase: a malformed line", arguments: ["erase"], input: .text("codex_home\n"), status: 65, message: "Line 1"),
    Hostile(name: "erase: a token that does not match", arguments: ["erase"], input: .text("token=at-\(leak)\n"), status: 1, message: "not the given token"),
    // the encrypted file
    Hostile(name: "file: truncated sealed file", arguments: ["get"], backend: "file", setup: .truncateSealed, status: 65, message: "sealed credential file"),
    Hostile(name: "file: sealed file of random bytes", arguments: ["get"], backend: "file", setup: .randomSealed, status: 65, message: "not a sealed credential file"),
    Hostile(name: "file: absurd scrypt parameters", arguments: ["get"], backend: "file", setup: .absurdScrypt, status: 65, message: "outside the accepted bounds"),
    Hostile(name: "file: a symlink where the file should be", arguments: ["get"], backend: "file", setup: .symlinkSealed, status: 78, message: "symbolic link"),
    Hostile(name: "file: a directory where the file should be", arguments: ["get"], backend: "file", setup: .directorySealed, status: 74, message: "not a regular file"),
    Hostile(name: "file: login onto a directory", arguments: ["login", "--with-access-token"], input: .text("at-\(leak)"), backend: "file", setup: .directorySealed, status: 74, message: "directory"),
    Hostile(name: "file: a sealed file others can read", arguments: ["get"], backend: "file", setup: .looseSealed, status: 78, message: "chmod 600"),
    Hostile(name: "file: the key file is gone", arguments: ["get"], backend: "file", setup: .removeKeyFile, status: 66, message: "does not exist"),
    Hostile(name: "file: the key file was replaced", arguments: ["get"], backend: "file", setup: .replaceKeyFile, status: 77, message: "key file does not open"),
    Hostile(name: "file: wrong passphrase", arguments: ["get"], backend: "file", setup: .passphraseSealed, status: 77, message: "does not open"),
    Hostile(name: "file: a Codex home others can write", arguments: ["login", "--with-access-token"], input: .text("at-\(leak)"), backend: "file", setup: .openCodexHome, status: 78, message: "chmod 700"),
]

@Suite("End to end: hostile input")
struct HostileInputTests {
    @Test func thereAreAtLeastFortyCases() {
        #expect(hostileCases.count >= 40)
    }

    @Test(arguments: hostileCases)
    func hostileInputIsRefusedAndNothingIsLost(_ hostile: Hostile) throws {
        let sandbox = try KeyringSandbox(hostile.backend == "file" ? .none : .gnomeKeyring)
        let home = try sandbox.makeCodexHome()
        var env = ["CODEX_HOME": home, "CODEX_CREDENTIAL_BACKEND": hostile.backend]
        let stored = TestTokens.personal()
        let sealed = home + "/credentials.sealed"
        let keyFile = sandbox.home.path + "/.local/share/codex-credential-helper/file.key"
        if case .passphraseSealed = hostile.setup {
            env["CODEX_CREDENTIAL_PASSPHRASE"] = "the right one"
            // Nothing cached: while a key is cached, a passphrase given is not checked again (see KeyCacheTests).
            env["CODEX_CREDENTIAL_KEY_CACHE_TIMEOUT"] = "0"
        }
        try #require(try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(stored), environment: env).status == 0)

        switch hostile.setup {
        case .none: break
        case .truncateSealed:
            let bytes = try Data(contentsOf: URL(fileURLWithPath: sealed))
            try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: sealed))
        case .randomSealed:
            try Data((0..<400).map { _ in UInt8.random(in: 0...255) }).write(to: URL(fileURLWithPath: sealed))
        case .absurdScrypt:
            var bytes = Array("CCHSEALD".utf8) + [1, 1, 1, 40, 0, 0, 0, 8, 0, 0, 0, 1, 16]
            bytes += Array(repeating: 0xAB, count: 16 + 8 + 80)
            try Data(bytes).write(to: URL(fileURLWithPath: sealed))
        case .symlinkSealed:
            try FileManager.default.moveItem(atPath: sealed, toPath: sealed + ".real")
            try FileManager.default.createSymbolicLink(atPath: sealed, withDestinationPath: sealed + ".real")
        case .directorySealed:
            try FileManager.default.removeItem(atPath: sealed)
            try FileManager.default.createDirectory(atPath: sealed, withIntermediateDirectories: false)
        case .looseSealed:
            chmod(sealed, 0o644)
        case .removeKeyFile:
            try FileManager.default.removeItem(atPath: keyFile)
        case .replaceKeyFile:
            try Data(repeating: 9, count: 32).write(to: URL(fileURLWithPath: keyFile))
            chmod(keyFile, 0o600)
        case .passphraseSealed:
            env["CODEX_CREDENTIAL_PASSPHRASE"] = "a wrong one"
        case .openCodexHome:
            chmod(home, 0o777)
        }
        if hostile.backend == "file" { chmod(sealed, hostile.setup == .looseSealed ? 0o644 : 0o600) }
        if case .directorySealed = hostile.setup { chmod(sealed, 0o700) }

        let before = try snapshot(sandbox, sealed: sealed)
        let stdin: StandardInput
        switch hostile.input {
        case let .text(text): stdin = .text(text)
        case let .bytes(bytes): stdin = .bytes(Data(bytes))
        case let .flood(count): stdin = .bytes(Data(repeating: UInt8(ascii: "a"), count: count))
        }
        let result = try helper(hostile.arguments, in: sandbox, stdin: stdin, environment: env, deadline: 30)

        #expect(result.status == hostile.status, "\(result)")
        #expect(hostile.message.isEmpty || result.err.contains(hostile.message), "\(result.err)")
        #expect(!result.err.contains(leak) && !result.out.contains(leak), "hostile input echoed back")
        #expect(!result.err.contains(stored), "the stored token leaked into stderr")
        if hostile.arguments.first != "get" || hostile.status != 0 {
            #expect(!result.out.contains(stored), "the stored token leaked into stdout")
        }
        #expect(try snapshot(sandbox, sealed: sealed) == before, "the stored credential changed")
        #expect(helperProcesses(mentioning: home).isEmpty, "a helper process was left behind")
        if hostile.setup == .openCodexHome { chmod(home, 0o700) }
    }

    /// The keyring items and the sealed file, byte for byte.
    func snapshot(_ sandbox: KeyringSandbox, sealed: String) throws -> String {
        var state = ""
        if (try? sandbox.defaultCollection()).map({ !$0.isEmpty }) == true {
            state += try sandbox.codexItems().map { item in
                let attributes = item.attributes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                return "\(item.path) \(item.label) \(attributes) \(item.secret ?? "locked")"
            }.joined(separator: "\n")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: sealed, isDirectory: &isDirectory) {
            state += isDirectory.boolValue ? "\ndirectory" : "\n" + ((try? Data(contentsOf: URL(fileURLWithPath: sealed)))?.base64EncodedString() ?? "unreadable")
        }
        return state
    }
}

/// Processes whose command line mentions `text` (a sandbox path): none may outlive a test.
func helperProcesses(mentioning text: String) -> [String] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.filter { $0.allSatisfy(\.isNumber) }.compactMap { pid -> String? in
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ"),
            let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe"),
            exe == TestPaths.helperBinary, data.range(of: Data(text.utf8)) != nil
        else { return nil }
        return pid
    }
}
