import Foundation
import TestSupport
import Testing

@Suite("End to end: the get/store/erase protocol")
struct ProtocolTests {
    @Test(arguments: KeyringSandbox.realProviders)
    func storeGetEraseThroughTheProtocol(_ provider: KeyringSandbox.Provider) throws {
        let sandbox = try KeyringSandbox(provider)
        let home = try sandbox.makeCodexHome()
        let token = TestTokens.personal()
        let store = try helper(["store"], in: sandbox, stdin: .text("codex_home=\(home)\ntoken=\(token)\nexpires_at=2099-01-01T00:00:00Z\nfuture_key=ignored\n\n"))
        #expect(store.status == 0, "\(store)")
        #expect(store.out.isEmpty)
        #expect(!store.err.contains(token))
        let items = try sandbox.codexItems()
        try #require(items.count == 1)
        #expect(items[0].attributes["expires_at"] == "2099-01-01T00:00:00Z")

        // Codex runs token commands with stdin closed; /dev/null is the other common case.
        for stdin in [StandardInput.closed, .devNull] {
            let get = try helper(["get", "--format", "token"], in: sandbox, stdin: stdin, environment: ["CODEX_HOME": home], deadline: 5)
            #expect(get.status == 0, "\(get)")
            #expect(get.out == token + "\n")
            #expect(get.err.isEmpty)
        }
        let byRequest = try helper(["get"], in: sandbox, stdin: .text("codex_home=\(home)\n"))
        #expect(byRequest.out.contains("token=\(token)\n"))
        #expect(byRequest.out.contains("expires_at=2099-01-01T00:00:00Z\n"))
        let wrongKind = try helper(["get"], in: sandbox, stdin: .text("codex_home=\(home)\nkind=api_key\n"))
        #expect(wrongKind.status == 1)
        #expect(wrongKind.out.isEmpty)

        let empty = try helper(["erase"], in: sandbox, stdin: .text(""), environment: ["CODEX_HOME": home])
        #expect(empty.status == 65)
        #expect(empty.err.contains("refuses an empty request"))
        #expect(try sandbox.codexItems().count == 1)

        let mismatch = try helper(["erase"], in: sandbox, stdin: .text("codex_home=\(home)\ntoken=at-other\n"))
        #expect(mismatch.status == 1)
        #expect(try sandbox.codexItems().count == 1)

        let erase = try helper(["erase"], in: sandbox, stdin: .text("codex_home=\(home)\n"))
        #expect(erase.status == 0, "\(erase)")
        #expect(try sandbox.codexItems().isEmpty)
        let eraseAgain = try helper(["erase"], in: sandbox, stdin: .text("codex_home=\(home)\n"))
        #expect(eraseAgain.status == 1)

        let notFound = try helper(["get"], in: sandbox, stdin: .closed, environment: ["CODEX_HOME": home])
        #expect(notFound.status == 1)
        #expect(notFound.out.isEmpty)
        #expect(notFound.err.split(separator: "\n").count == 1, "one line on stderr")
    }

    /// A closed stdin is opened on /dev/null before anything else is opened: otherwise a file the helper opens (a
    /// library loaded while the request is read) takes descriptor 0 and is read as the request. Seen: 4 of 100 keyring
    /// gets with stdin closed failed with "contains a NUL byte". The command `exec` runs shows what descriptor 0 is.
    @Test func aClosedStdinIsDevNullNotTheNextFileOpened() throws {
        let sandbox = try KeyringSandbox()
        let home = try sandbox.makeCodexHome()
        let env = ["CODEX_HOME": home]
        let token = TestTokens.personal()
        try #require(try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(token), environment: env).status == 0)
        let result = try helper(["exec", "--", "readlink", "/proc/self/fd/0"], in: sandbox, stdin: .closed, environment: env)
        #expect(result.status == 0, "\(result)")
        #expect(result.out == "/dev/null\n")
    }

    @Test func malformedInputIsRefusedWithTheLineNumberAndNothingChanges() throws {
        let sandbox = try KeyringSandbox()
        let home = try sandbox.makeCodexHome()
        let token = TestTokens.personal()
        try #require(try helper(["store"], in: sandbox, stdin: .text("codex_home=\(home)\ntoken=\(token)\n")).status == 0)
        let before = try sandbox.codexItems()
        let leak = "LEAK" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let cases: [(String, Data, String)] = [
            ("store", Data("codex_home=\(home)\ntoken \(leak)\n".utf8), "Line 2: has no '='"),
            ("store", Data("codex_home=\(home)\ntoken=at-\(leak)\r\n".utf8), "Line 2: contains a carriage return"),
            ("store", Data("codex_home=\(home)\ntoken=at-\(leak)\ntoken=at-\(leak)x\n".utf8), "Line 3: repeats the key 'token'"),
            ("store", Data("codex_home=\(home)\nTOKEN=at-\(leak)\n".utf8), "Line 2: has a key that is not lowercase"),
            ("store", Data("codex_home=\(home)\n=at-\(leak)\n".utf8), "Line 2: has an empty key"),
            ("store", Data("codex_home=\(home)\ntoken=at-\(leak)".utf8) + Data([0]) + Data("\n".utf8), "Line 2: contains a NUL byte"),
            ("store", Data("codex_home=\(home)\ntoken=at-\(leak)".utf8) + Data([0xFF, 0xFE]) + Data("\n".utf8), "Line 2: is not valid UTF-8"),
            ("store", Data("codex_home=\(home)\ntoken=at-\(leak)\(String(repeating: "a", count: 70_000))\n".utf8), "Line 2: longer than 64 KiB"),
            ("store", Data("codex_home=\(home)\ntoken=sk-\(leak)\n".utf8), "Platform API key"),
            ("erase", Data("codex_home=\(home)\nno equals sign \(leak)\n".utf8), "Line 2: has no '='"),
            ("get", Data("codex_home=\(home)\n\u{7}bad=\(leak)\n".utf8), "Line 2: has a key"),
        ]
        for (command, input, message) in cases {
            let result = try helper([command], in: sandbox, stdin: .bytes(input))
            #expect(result.status == 65, "\(command) \(message): \(result)")
            #expect(result.err.contains(message), "\(result.err)")
            #expect(!result.err.contains(leak))
            #expect(result.out.isEmpty)
        }
        #expect(try sandbox.codexItems() == before, "nothing was stored or erased")
    }

    @Test func hugeInputIsCutOffAtTheLimit() throws {
        let sandbox = try KeyringSandbox(.none)
        // 100 MiB offered; the helper stops reading after 1 MiB and fails cleanly.
        let line = Data(("k=" + String(repeating: "v", count: 1000) + "\n").utf8)
        var big = Data()
        for index in 0..<2000 {
            var key = ""
            var n = index
            repeat { key = String(UnicodeScalar(UInt8(97 + n % 26))) + key; n /= 26 } while n > 0
            big.append(Data(key.utf8) + line.dropFirst(1))
        }
        let result = try helper(["store"], in: sandbox, stdin: .bytes(big))
        #expect(result.status == 65)
        #expect(result.err.contains("larger than 1 MiB"))
        let login = try helper(["login", "--with-access-token"], in: sandbox, stdin: .bytes(Data(repeating: 0x61, count: 100 * 1024 * 1024)))
        #expect(login.status == 65)
        #expect(login.err.contains("over 1 MiB"))
    }
}
