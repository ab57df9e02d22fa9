import CredentialCore
import Foundation
import TestSupport
import Testing

/// The kernel-keyring cache of passphrase-derived keys: scrypt once, then the cached key for the same file and the
/// same passphrase; a different passphrase, logout and the timeout clear it; the credential survives every failure.
@Suite("End to end: the kernel keyring caches the passphrase-derived key")
struct KeyCacheTests {
    let passphrase = "correct horse battery staple"

    /// The /proc/keys line of the cache entry for `home`'s sealed file, if the kernel lists one.
    func cacheEntry(_ home: String) -> String? {
        let description = "codex-credential-helper:file-key:"
            + hexString(CredentialCore.SHA256.hash(Array((home + "/credentials.sealed").utf8)).prefix(16))
        let keys = (try? String(contentsOfFile: "/proc/keys", encoding: .utf8)) ?? ""
        return keys.split(separator: "\n").first { $0.contains(description + ":") }.map(String.init)
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
        let entry = try #require(cacheEntry(home), "no cache entry in /proc/keys")
        #expect(entry.contains(" 3f000000 "), "readable by its possessors only: \(entry)")
        #expect(entry.hasSuffix(": 97"), "salt and parameters hash, key, passphrase tag: \(entry)")

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

        // A different passphrase does not ride on the cache: it is derived, refused, and the entry is cleared.
        let wrong = try get(home, in: sandbox, passphrase: "not the passphrase")
        #expect(wrong.status == 77, "\(wrong)")
        #expect(wrong.out.isEmpty)
        #expect(wrong.err.contains("The passphrase does not open"))
        #expect(wrong.err.contains("cleared the cached key"))
        #expect(cacheEntry(home) == nil, "a wrong passphrase clears the entry")
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
}
