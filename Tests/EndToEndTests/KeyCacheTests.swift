import CSystemShims
import CredentialCore
import Foundation
import TestSupport
import Testing

/// The kernel-keyring cache of passphrase-derived keys: scrypt once, then the cached key for the same file and the
/// same passphrase; a different passphrase, logout and the timeout clear it; the credential survives every failure.
@Suite("End to end: the kernel keyring caches the passphrase-derived key")
struct KeyCacheTests {
    let passphrase = "correct horse battery staple"

    /// The cache entry for `home`'s sealed file as this process finds it (it possesses the same session or
    /// user-session keyring as the helpers it runs): its permissions and payload length, or nil when there is none.
    /// (Not /proc/keys, whose list of possessed keys comes and goes once the user-session keyring holds many keys.)
    func cacheEntry(_ home: String) -> (permissions: UInt32, length: Int)? {
        let description = "codex-credential-helper:file-key:"
            + hexString(CredentialCore.Digest.sha256(Array((home + "/credentials.sealed").utf8)).prefix(16))
        let keyring = csystem_key_session_keyring()
        guard keyring >= 0 else { return nil }
        let key = csystem_key_find(keyring, description)
        guard key >= 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: 512)
        guard csystem_key_describe(key, &buffer, buffer.count) > 0 else { return nil }
        let fields = String(cString: buffer).split(separator: ";")
        guard fields.count >= 4, let permissions = UInt32(fields[3], radix: 16) else { return nil }
        return (permissions, csystem_key_read(key, nil, 0))
    }

    func login(_ home: String, in sandbox: KeyringSandbox, token: String, extra: [String: String] = [:]) throws
        -> ProcessResult
    {
        try helper(["login", "--with-access-token", "--backend", "file", "--codex-home", home, "--verbose"], in: sandbox,
                   stdin: .text(token), environment: ["CODEX_CREDENTIAL_PASSPHRASE": passphrase].merging(extra) { $1 })
    }

    func get(_ home: String, in sandbox: KeyringSandbox, passphrase: String?, extra: [String: String] = [:]) throws
        -> ProcessResult
    {
        var environment = extra
        if let passphrase { environment["CODEX_CREDENTIAL_PASSPHRASE"] = passphrase }
        return try helper(["get", "--format", "token", "--backend", "file", "--codex-home", home, "--verbose"],
                          in: sandbox, environment: environment)
    }

    @Test func repeatedGetsSkipScryptUntilAWrongPassphraseOrLogout() throws {
        let sandbox = try KeyringSandbox(.none)
        let home = try sandbox.makeCodexHome()
        let token = TestTokens.personal()
        let stored = try login(home, in: sandbox, token: token)
        #expect(stored.status == 0, "\(stored)")
        if stored.err.contains("no kernel keyring") {
            // No keyrings here (a seccomp filter, or a kernel without them): nothing cached, everything still works.
            let first = try get(home, in: sandbox, passphrase: passphrase)
            #expect(first.status == 0 && first.out == token + "\n", "\(first)")
            #expect(first.err.contains("deriving the key with scrypt"))
            Issue.record("this machine offers no kernel keyring, so the cache itself was not exercised")
            return
        }
        #expect(stored.err.contains("cached the derived key in the kernel keyring for 900 s"), "\(stored.err)")
        let entry = try #require(cacheEntry(home), "no cache entry in the session keyring")
        #expect(entry.permissions == 0x3f00_0000, "readable by its possessors only: \(String(entry.permissions, radix: 16))")
        #expect(entry.length == 65, "version, salt and parameters hash, key; nothing of the passphrase: \(entry.length) bytes")

        // Repeated gets: the cached key, no scrypt.
        for _ in 0..<2 {
            let again = try get(home, in: sandbox, passphrase: passphrase)
            #expect(again.status == 0 && again.out == token + "\n", "\(again)")
            #expect(again.err.contains("key from the kernel keyring"), "\(again.err)")
            #expect(!again.err.contains("deriving the key with scrypt"))
            #expect(!again.err.contains(passphrase) && !again.err.contains(token))
        }
        // Nobody at a terminal and no passphrase given: the cached key still opens the file.
        let unattended = try get(home, in: sandbox, passphrase: nil)
        #expect(unattended.status == 0 && unattended.out == token + "\n", "\(unattended)")

        // A passphrase given while the key is cached is not checked again (nothing in the entry could check it
        // without helping someone test guesses at it), as with an agent.
        let other = try get(home, in: sandbox, passphrase: "not the passphrase")
        #expect(other.status == 0 && other.out == token + "\n", "\(other)")
        #expect(other.err.contains("the passphrase given is not checked while the key is cached"), "\(other.err)")

        // With nothing cached, a wrong passphrase is derived and refused (77); the credential stays.
        try #require(cacheEntry(home) != nil)
        let description = "codex-credential-helper:file-key:"
            + hexString(CredentialCore.Digest.sha256(Array((home + "/credentials.sealed").utf8)).prefix(16))
        #expect(csystem_key_invalidate(csystem_key_find(csystem_key_session_keyring(), description)) == 0)
        let wrong = try get(home, in: sandbox, passphrase: "not the passphrase")
        #expect(wrong.status == 77, "\(wrong)")
        #expect(wrong.out.isEmpty)
        #expect(wrong.err.contains("The passphrase does not open"))
        #expect(cacheEntry(home) == nil, "a wrong passphrase caches nothing")
        let noKey = try get(home, in: sandbox, passphrase: nil)
        #expect(noKey.status == 77, "no cache and no passphrase: \(noKey)")

        // The credential survived; the right passphrase derives it again and caches it again.
        let right = try get(home, in: sandbox, passphrase: passphrase)
        #expect(right.status == 0 && right.out == token + "\n", "\(right)")
        #expect(right.err.contains("deriving the key with scrypt"))
        #expect(cacheEntry(home) != nil)

        // logout clears it.
        let logout = try helper(["logout", "--backend", "file", "--codex-home", home], in: sandbox)
        #expect(logout.status == 0, "\(logout)")
        #expect(cacheEntry(home) == nil, "logout clears the entry")
    }

    @Test func aNewLoginReplacesTheEntryForTheNewFile() throws {
        let sandbox = try KeyringSandbox(.none)
        let home = try sandbox.makeCodexHome()
        let first = TestTokens.personal()
        let second = TestTokens.personal()
        #expect(try login(home, in: sandbox, token: first).status == 0)
        guard cacheEntry(home) != nil else { Issue.record("no kernel keyring here"); return }
        #expect(try login(home, in: sandbox, token: second).status == 0)
        let get = try get(home, in: sandbox, passphrase: passphrase)
        #expect(get.status == 0 && get.out == second + "\n", "\(get)")
        #expect(get.err.contains("key from the kernel keyring"), "the new file's salt, cached by the second login")
    }

    @Test func theTimeoutIsTheKernelsAndZeroTurnsTheCacheOff() throws {
        let sandbox = try KeyringSandbox(.none)
        let home = try sandbox.makeCodexHome()
        let token = TestTokens.personal()
        let off = ["CODEX_CREDENTIAL_KEY_CACHE_TIMEOUT": "0"]
        #expect(try login(home, in: sandbox, token: token, extra: off).status == 0)
        #expect(cacheEntry(home) == nil, "timeout 0: nothing cached")
        let uncached = try get(home, in: sandbox, passphrase: passphrase, extra: off)
        #expect(uncached.status == 0 && uncached.err.contains("deriving the key with scrypt"), "\(uncached)")
        #expect(cacheEntry(home) == nil)

        let short = ["CODEX_CREDENTIAL_KEY_CACHE_TIMEOUT": "1"]
        let cached = try get(home, in: sandbox, passphrase: passphrase, extra: short)
        #expect(cached.status == 0, "\(cached)")
        guard cached.err.contains("for 1 s") else { Issue.record("no kernel keyring here: \(cached.err)"); return }
        Thread.sleep(forTimeInterval: 2.5)
        let expired = try get(home, in: sandbox, passphrase: passphrase)
        #expect(expired.status == 0 && expired.out == token + "\n", "\(expired)")
        #expect(expired.err.contains("deriving the key with scrypt"), "the kernel dropped the entry after 1 s")

        for bad in ["-1", "soon", "86401"] {
            let refused = try get(home, in: sandbox, passphrase: passphrase, extra: ["CODEX_CREDENTIAL_KEY_CACHE_TIMEOUT": bad])
            #expect(refused.status == 64, "\(bad): \(refused)")
            #expect(refused.err.contains("CODEX_CREDENTIAL_KEY_CACHE_TIMEOUT must be"))
        }
    }

    /// A process with no session keyring of its own (here: one that joined the user-session keyring, as a CI job,
    /// cron or a container without pam_keyinit has only that one) caches nothing: the user-session keyring is shared
    /// with every other process of the user that has none. `status` says so.
    @Test func noCacheWithoutASessionKeyringOfItsOwn() throws {
        let sandbox = try KeyringSandbox(.none)
        let home = try sandbox.makeCodexHome()
        let token = TestTokens.personal()
        let userSession = "_uid_ses.\(getuid())"
        func inUserSession(_ arguments: [String], stdin: StandardInput = .devNull) throws -> ProcessResult {
            try runProcess("/usr/bin/keyctl", ["session", userSession, TestPaths.helperBinary] + arguments,
                           environment: sandbox.environment.merging(["CODEX_CREDENTIAL_PASSPHRASE": passphrase]) { $1 },
                           stdin: stdin)
        }
        let login = try inUserSession(["login", "--with-access-token", "--backend", "file", "--codex-home", home, "--verbose"],
                                      stdin: .text(token))
        #expect(login.status == 0, "\(login)")
        #expect(login.err.contains("no session keyring of this process's own"), "\(login.err)")
        #expect(!login.err.contains("cached the derived key"))
        let get = try inUserSession(["get", "--format", "token", "--backend", "file", "--codex-home", home, "--verbose"])
        #expect(get.status == 0 && get.out == token + "\n", "\(get)")
        #expect(get.err.contains("deriving the key with scrypt"), "\(get.err)")
        let status = try inUserSession(["status", "--backend", "file", "--codex-home", home])
        #expect(status.out.contains("Key cache       passphrase-derived keys: off: this process has no session keyring of its own"),
                "\(status.out)")
        let inSession = try helper(["status", "--backend", "file", "--codex-home", home], in: sandbox)
        #expect(inSession.out.contains("Key cache       passphrase-derived keys: on"), "\(inSession.out)")
    }
}
