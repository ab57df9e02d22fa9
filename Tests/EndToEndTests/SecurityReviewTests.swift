import Foundation
import TestSupport
import Testing

/// The findings of the security review, each as it was reproduced against the built binary.
@Suite("End to end: security review findings")
struct SecurityReviewTests {
    /// A stored record whose token has a line break or a NUL in it (another tool wrote it): bad stored data (65) in
    /// every get format, the token never printed, and no trap (which would print memory).
    @Test(arguments: ["at-first\nsecond", "at-nul\u{0}after", "at-tab\tafter"])
    func aStoredTokenThatBreaksTheRulesIs65InEveryFormat(_ token: String) throws {
        let sandbox = try KeyringSandbox()
        let home = try sandbox.makeCodexHome()
        let account = try codexAccount(home)
        let attributes = #"{"service":"Codex Auth","username":"\#(account)","target":"default","application":"rust-keyring"}"#
        let record = String(decoding: try JSONSerialization.data(
            withJSONObject: ["OPENAI_API_KEY": NSNull(), "personal_access_token": token], options: [.sortedKeys]),
            as: UTF8.self)
        try #require(try sandbox.inspector(["create", attributes, record]).status == 0)
        for format in ["kv", "token", "codex-json"] {
            let get = try helper(["get", "--format", format], in: sandbox, environment: ["CODEX_HOME": home])
            #expect(get.status == 65, "\(format): \(get)")
            #expect(!get.signaled)
            #expect(get.out.isEmpty, "\(format) printed: \(get.out)")
            #expect(get.err.contains("has a token with whitespace or a control character in it"), "\(get.err)")
            #expect(!get.err.contains("at-first") && !get.err.contains("at-nul") && !get.err.contains("at-tab"))
        }
    }

    /// A `name` attribute with a line break (written by another tool, fingerprint matching): left out of kv output,
    /// never a trap; the credential itself is served.
    @Test func aNameWithALineBreakIsLeftOut() throws {
        let sandbox = try KeyringSandbox()
        let home = try sandbox.makeCodexHome()
        let account = try codexAccount(home)
        let token = TestTokens.personal()
        let fingerprint = String(try runProcess("/usr/bin/sha256sum", [], environment: [:], stdin: .text(token)).out.prefix(16))
        let attributes = try JSONSerialization.data(withJSONObject: [
            "service": "Codex Auth", "username": account, "target": "default", "application": "rust-keyring",
            "fingerprint": fingerprint, "name": "evil\nname=forged",
        ])
        try #require(try sandbox.inspector(["create", String(decoding: attributes, as: UTF8.self),
                                            #"{"OPENAI_API_KEY":null,"personal_access_token":"\#(token)"}"#]).status == 0)
        let get = try helper(["get"], in: sandbox, environment: ["CODEX_HOME": home])
        #expect(get.status == 0, "\(get)")
        #expect(get.out.contains("token=\(token)\n"))
        #expect(!get.out.contains("name="), "\(get.out)")
    }

    /// A fatal signal ends the helper quietly: the Swift runtime's crash handler, which prints the bytes around
    /// every register (a token among them), is not installed.
    @Test(arguments: [SIGSEGV, SIGILL, SIGBUS, SIGABRT])
    func aCrashPrintsNoMemory(_ fatal: Int32) throws {
        let sandbox = try KeyringSandbox(.none)
        let home = try sandbox.makeCodexHome()
        // `login` waits on a pipe that stays open; then the signal arrives as a crash would.
        let child = try ChildProcess(
            TestPaths.helperBinary, ["login", "--with-access-token", "--backend", "file", "--codex-home", home],
            environment: sandbox.environment, stdin: .pipe, stdout: .pipe, stderr: .pipe)
        usleep(300_000)
        child.signal(fatal)
        _ = child.wait(timeout: 20)
        var stderr = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(child.errors, &buffer, buffer.count)
            if count <= 0 { break }
            stderr.append(contentsOf: buffer[0..<count])
        }
        let result = try #require(child.result)
        #expect(result.signaled && result.status == fatal, "\(result)")
        #expect(stderr.isEmpty, "the crash printed: \(String(decoding: stderr.prefix(600), as: UTF8.self))")
    }

    /// `exec` marks the passphrase descriptor close-on-exec once it has read it: the command cannot read it.
    @Test func execDoesNotHandTheCommandThePassphraseDescriptor() throws {
        let sandbox = try KeyringSandbox(.none)
        let home = try sandbox.makeCodexHome()
        let passphraseFile = sandbox.root.appendingPathComponent("passphrase").path
        try "correct horse battery staple\n".write(toFile: passphraseFile, atomically: true, encoding: .utf8)
        chmod(passphraseFile, 0o600)
        let token = TestTokens.personal()
        let login = try helper(["login", "--with-access-token", "--backend", "file", "--key-mode", "passphrase",
                                "--passphrase-file", passphraseFile, "--codex-home", home], in: sandbox, stdin: .text(token))
        try #require(login.status == 0, "\(login)")
        let script = #""$0" exec --backend file --key-mode passphrase --passphrase-fd 3 --codex-home "$1" -- "#
            + #"sh -c 'cat /proc/self/fd/3 2>/dev/null || echo no-descriptor' 3<"$2""#
        let run = try runProcess("/bin/sh", ["-c", script, TestPaths.helperBinary, home, passphraseFile],
                                 environment: sandbox.environment)
        #expect(run.status == 0, "\(run)")
        #expect(run.out == "no-descriptor\n", "the command read: \(run.out)")
    }

    /// A FIFO where config.toml belongs: the helper does not wait for a writer; login finishes within its bound.
    @Test func aFIFOForConfigTOMLDoesNotHang() throws {
        let sandbox = try KeyringSandbox(.none)
        let home = try sandbox.makeCodexHome()
        try #require(mkfifo(home + "/config.toml", 0o600) == 0)
        let started = Date()
        let login = try helper(["login", "--with-access-token", "--backend", "file", "--timeout", "2", "--codex-home", home],
                               in: sandbox, stdin: .text(TestTokens.personal()), deadline: 30)
        #expect(login.status == 0, "\(login)")
        #expect(Date().timeIntervalSince(started) < 2 + 8 * Double(TestTiming.scale))
    }

    /// --passphrase-file is held to the key file's rules, checked on the opened descriptor: no symbolic link, a
    /// regular file, this user's, not readable by others.
    @Test func thePassphraseFileIsHeldToTheKeyFilesRules() throws {
        let sandbox = try KeyringSandbox(.none)
        let home = try sandbox.makeCodexHome()
        let real = sandbox.root.appendingPathComponent("passphrase").path
        try "correct horse battery staple\n".write(toFile: real, atomically: true, encoding: .utf8)
        chmod(real, 0o600)
        let link = sandbox.root.appendingPathComponent("passphrase-link").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        let fifo = sandbox.root.appendingPathComponent("passphrase-fifo").path
        try #require(mkfifo(fifo, 0o600) == 0)
        let loose = sandbox.root.appendingPathComponent("passphrase-loose").path
        try "correct horse battery staple\n".write(toFile: loose, atomically: true, encoding: .utf8)
        chmod(loose, 0o644)
        let cases: [(String, Int32, String)] = [
            (link, 78, "is a symbolic link; refusing to follow it"),
            (fifo, 74, "is not a regular file"),
            (loose, 78, "is accessible by other users (mode 0644)"),
        ]
        for (path, status, message) in cases {
            let login = try helper(["login", "--with-access-token", "--backend", "file", "--key-mode", "passphrase",
                                    "--passphrase-file", path, "--codex-home", home],
                                   in: sandbox, stdin: .text(TestTokens.personal()), deadline: 30)
            #expect(login.status == status, "\(path): \(login)")
            #expect(login.err.contains(message), "\(login.err)")
        }
        if getuid() == 0 {
            let others = sandbox.root.appendingPathComponent("passphrase-others").path
            try "correct horse battery staple\n".write(toFile: others, atomically: true, encoding: .utf8)
            chmod(others, 0o600)
            chown(others, 65534, 65534)
            let login = try helper(["login", "--with-access-token", "--backend", "file", "--key-mode", "passphrase",
                                    "--passphrase-file", others, "--codex-home", home],
                                   in: sandbox, stdin: .text(TestTokens.personal()))
            #expect(login.status == 78, "\(login)")
            #expect(login.err.contains("belongs to another user (uid 65534)"), "\(login.err)")
        }
    }

    /// `exec` passes its environment on byte for byte (a Latin-1 value, duplicate entries, an entry without '='),
    /// apart from the variables it sets or removes.
    @Test func execPassesTheEnvironmentOnByteForByte() throws {
        let sandbox = try KeyringSandbox(.none)
        let home = try sandbox.makeCodexHome()
        let token = TestTokens.personal()
        try #require(try helper(["login", "--with-access-token", "--backend", "file", "--codex-home", home], in: sandbox,
                                stdin: .text(token)).status == 0)
        // execve with exactly these entries (Python's os.execve would take a dictionary), the command printing its
        // own environment as the kernel handed it over.
        let script = """
            import ctypes, os, sys
            env = [b"LATIN1_VAR=caf\\xe9", b"DUP=1", b"DUP=2", b"NOEQUALS", b"CODEX_API_KEY=sk-stale",
                   b"HOME=" + os.environ["HOME"].encode(), b"XDG_RUNTIME_DIR=" + os.environ["XDG_RUNTIME_DIR"].encode(),
                   b"PATH=/usr/bin:/bin"]
            argv = [sys.argv[1].encode(), b"exec", b"--backend", b"file", b"--codex-home", sys.argv[2].encode(), b"--",
                    b"/bin/cat", b"/proc/self/environ"]
            Array = lambda items: (ctypes.c_char_p * (len(items) + 1))(*items, None)
            ctypes.CDLL(None).execve(argv[0], Array(argv), Array(env))
            sys.exit("execve failed")
            """
        let run = try runProcess(TestPaths.systemPython, ["-c", script, TestPaths.helperBinary, home],
                                 environment: sandbox.environment)
        #expect(run.status == 0, "\(run)")
        let entries = run.stdout.split(separator: 0, omittingEmptySubsequences: false).map { Data($0) }
        let expectedInOrder = [Data("LATIN1_VAR=caf".utf8) + Data([0xE9]), Data("DUP=1".utf8), Data("DUP=2".utf8),
                               Data("NOEQUALS".utf8)]
        #expect(entries.filter { expectedInOrder.contains($0) } == expectedInOrder, "\(entries.map { String(decoding: $0, as: UTF8.self) })")
        #expect(entries.contains(Data("CODEX_ACCESS_TOKEN=\(token)".utf8)))
        #expect(!entries.contains { $0.starts(with: Data("CODEX_API_KEY=".utf8)) }, "a stale credential variable is removed")
    }
}
