import Foundation
import TestSupport
import Testing

/// A full disk and a read-only Codex home, made for real in a private mount namespace (`unshare -rm`: a user
/// namespace, so no root is needed), around the encrypted-file backend.
@Suite("End to end: full disk and read-only Codex home")
struct FilesystemFaultTests {
    /// Runs `script` with sh inside a new mount namespace; `$H` is the helper binary, `$C` the Codex home.
    func inNamespace(_ sandbox: KeyringSandbox, home: String, _ script: String) throws -> ProcessResult {
        try runProcess(
            "/usr/bin/unshare", ["-rm", "sh", "-c", script, "sh"],
            environment: sandbox.environment.merging([
                "H": TestPaths.helperBinary, "C": home, "CODEX_HOME": home, "CODEX_CREDENTIAL_BACKEND": "file",
            ]) { $1 }, deadline: 60)
    }

    @Test func fullDiskFailsCleanlyAndKeepsTheOldCredential() throws {
        let sandbox = try KeyringSandbox(.none)
        let home = try sandbox.makeCodexHome()
        let old = TestTokens.personal()
        let new = TestTokens.personal()
        let result = try inNamespace(sandbox, home: home, """
            set -u
            mount -t tmpfs -o size=12k,mode=0700 tmpfs "$C" || exit 90
            printf %s '\(old)' | "$H" login --with-access-token 2>/dev/null || exit 91
            # Fill what is left of the disk.
            dd if=/dev/zero of="$C/filler" bs=1k count=64 2>/dev/null
            printf %s '\(new)' | "$H" login --with-access-token
            echo "status=$?"
            echo "stored=$("$H" get --format token)"
            ls -a "$C" | grep -c tmp- || true
            """)
        #expect(result.out.contains("status=74"), "\(result)")
        #expect(result.err.contains("No space left on device"), "\(result.err)")
        #expect(result.err.contains("Nothing was changed"))
        #expect(result.out.contains("stored=\(old)\n"), "the old credential survives a full disk")
        #expect(result.out.hasSuffix("0\n"), "no temporary file left behind: \(result.out)")
        #expect(!result.err.contains(new))
    }

    @Test func readOnlyCodexHomeFailsCleanly() throws {
        let sandbox = try KeyringSandbox(.none)
        let home = try sandbox.makeCodexHome()
        let old = TestTokens.personal()
        try #require(try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(old),
                                environment: ["CODEX_HOME": home, "CODEX_CREDENTIAL_BACKEND": "file"]).status == 0)
        let new = TestTokens.personal()
        let result = try inNamespace(sandbox, home: home, """
            mount --bind "$C" "$C" && mount -o remount,bind,ro "$C" || exit 90
            printf %s '\(new)' | "$H" login --with-access-token
            echo "login=$?"
            printf 'token=%s\\n' '\(new)' | "$H" store
            echo "store=$?"
            "$H" logout
            echo "logout=$?"
            echo "stored=$("$H" get --format token)"
            """)
        #expect(result.out.contains("login=74"), "\(result)")
        #expect(result.out.contains("store=74"))
        #expect(result.out.contains("logout=74"))
        #expect(result.err.contains("Read-only file system"))
        #expect(result.out.contains("stored=\(old)\n"))
        #expect(!result.err.contains(new))
    }
}
