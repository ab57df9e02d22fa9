import Foundation
import TestSupport
import Testing

/// Command lines of every process on the machine that mention `text`.
func commandLines(containing text: String) -> [String] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.filter { $0.allSatisfy(\.isNumber) }.compactMap { pid in
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), data.range(of: Data(text.utf8)) != nil
        else { return nil }
        return pid
    }
}

@Suite("End to end: secret hygiene")
struct SecretHygieneTests {
    /// Every command, error paths included, with tracing on: the token appears only on the stdout of `get` and in the
    /// environment of `exec`'s child; never in argv, stderr, a trace line, or any file in plaintext.
    @Test(arguments: ["secret-service", "file"])
    func theTokenIsNowhereItShouldNotBe(_ backend: String) throws {
        let sandbox = try KeyringSandbox(backend == "file" ? .none : .gnomeKeyring)
        let home = try sandbox.makeCodexHome()
        let token = TestTokens.personal()
        let next = TestTokens.personal()
        let env = ["CODEX_HOME": home, "CODEX_CREDENTIAL_BACKEND": backend, "CODEX_CREDENTIAL_TRACE": "1"]

        // While a login holds the token in memory (stdin still open), no command line anywhere carries it.
        let pending = try ChildProcess(TestPaths.helperBinary, ["login", "--with-access-token"],
                                       environment: sandbox.environment.merging(env) { $1 }, stdin: .pipe)
        _ = pending.input >= 0 ? write(pending.input, token, token.utf8.count) : 0
        usleep(200_000)
        #expect(commandLines(containing: token).isEmpty, "a command line carries the token")
        let limits = (try? String(contentsOfFile: "/proc/\(pending.pid)/limits", encoding: .utf8)) ?? ""
        #expect(limits.split(separator: "\n").contains { $0.hasPrefix("Max core file size") && $0.contains(" 0 ") },
                "core dumps are not disabled: \(limits)")
        pending.send(Data())
        #expect(pending.wait(timeout: 30).map { ChildProcess.decode($0).status } == 0)

        var printed: [ProcessResult] = []
        var quiet: [ProcessResult] = []
        func run(_ arguments: [String], _ stdin: StandardInput = .devNull, prints: Bool = false) throws {
            let result = try helper(arguments, in: sandbox, stdin: stdin, environment: env)
            if prints { printed.append(result) } else { quiet.append(result) }
        }
        try run(["get"], prints: true)
        try run(["get", "--format", "token"], prints: true)
        try run(["get", "--format", "codex-json"], prints: true)
        try run(["exec", "--", "sh", "-c", "test -n \"$CODEX_ACCESS_TOKEN\""])
        try run(["list"])
        try run(["list", "--json"])
        try run(["status"])
        try run(["status", "--check"])
        try run(["login", "--with-api-key"], .text(token))
        try run(["store"], .text("token=\(token)\nkind=api_key\n"))
        try run(["store"], .text("token=\(token)\ntoken=\(token)\n"))
        try run(["store"], .text("token=\(token)\r\n"))
        try run(["erase"], .text("token=at-not-this-one\n"))
        try run(["rotate", "--smoke-test", "exit 3"], .text(next))
        try run(["rotate", "--smoke-test", "true"], .text(next))
        try run(["get", "--format", "token"], prints: true)
        try run(["store"], .text("token=\(token)\nexpires_at=2099-01-01T00:00:00Z\n"))
        try run(["erase"], .text("token=\(token)\n"))
        try run(["logout"])

        for result in quiet {
            #expect(!result.out.contains(token) && !result.out.contains(next), "stdout carried a token: \(result.out)")
        }
        for result in quiet + printed {
            #expect(!result.err.contains(token) && !result.err.contains(next), "stderr or the trace carried a token")
            #expect(result.err.contains("[trace]"), "tracing was on")
        }
        #expect(printed.allSatisfy { $0.status == 0 })
        #expect(filesContaining(token, under: sandbox.root).isEmpty)
        #expect(filesContaining(next, under: sandbox.root).isEmpty)
        #expect(filesContaining(token, under: URL(fileURLWithPath: "/tmp")).isEmpty, "the token is in a file under /tmp")
    }

    @Test func modesAreExactWhateverTheUmask() throws {
        let sandbox = try KeyringSandbox(.none)
        let home = sandbox.home.path + "/fresh-codex-home"
        for mask in ["000", "022", "077"] {
            try? FileManager.default.removeItem(atPath: home)
            try? FileManager.default.removeItem(atPath: sandbox.home.path + "/.local")
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: false)
            let result = try runProcess(
                "/bin/sh", ["-c", "umask \(mask); printf %s at-umask-check | exec \"$0\" login --with-access-token --backend file",
                            TestPaths.helperBinary],
                environment: sandbox.environment.merging(["CODEX_HOME": home]) { $1 })
            #expect(result.status == 0, "\(result)")
            let data = sandbox.home.path + "/.local/share/codex-credential-helper"
            #expect(permissions(home + "/credentials.sealed") == 0o600, "umask \(mask)")
            #expect(permissions(home + "/credentials.sealed.lock") & 0o077 == 0, "umask \(mask)")
            #expect(permissions(data + "/file.key") == 0o600, "umask \(mask)")
            #expect(permissions(data) == 0o700, "umask \(mask)")
            #expect(permissions(data + "/homes") == 0o600, "umask \(mask)")
        }
    }
}
