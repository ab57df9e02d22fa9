import Foundation
import TestSupport
import Testing

/// Every file under `root` whose bytes contain `needle`: the token must be in no file in plaintext.
func filesContaining(_ needle: String, under root: URL) -> [String] {
    guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
    var hits: [String] = []
    let pattern = Data(needle.utf8)
    for case let url as URL in walker {
        if let data = try? Data(contentsOf: url), data.range(of: pattern) != nil { hits.append(url.path) }
    }
    return hits
}

func permissions(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]) as? NSNumber)?.intValue ?? -1
}

@Suite("End to end: backend choice and the encrypted file")
struct BackendChoiceTests {
    @Test func noSessionBusFallsBackToTheFileLoudly() throws {
        let sandbox = try KeyringSandbox(.none)
        let home = try sandbox.makeCodexHome()
        let token = TestTokens.personal()
        let noBus = ["DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"]
        let login = try helper(["login", "--with-access-token", "--codex-home", home], in: sandbox, stdin: .text(token),
                               removing: noBus)
        #expect(login.status == 0, "\(login)")
        #expect(login.err.contains("not usable (no D-Bus session bus)"))
        #expect(login.err.components(separatedBy: "\(home)/credentials.sealed").count == 2,
                "where the credential went is said once: \(login.err)")
        #expect(login.err.contains("Note: its expiry is not known"), "information is not a warning: \(login.err)")
        #expect(login.err.contains("Codex does not read the encrypted file"))
        #expect(!login.err.contains(token))
        #expect(permissions(home + "/credentials.sealed") == 0o600)
        let keyFile = sandbox.home.path + "/.local/share/codex-credential-helper/file.key"
        #expect(permissions(keyFile) == 0o600)
        #expect(filesContaining(token, under: sandbox.root).isEmpty, "the token is nowhere in plaintext")

        let get = try helper(["get", "--codex-home", home], in: sandbox, removing: noBus)
        #expect(get.status == 0, "\(get)")
        #expect(get.out.contains("token=\(token)\n"))
        #expect(get.out.contains("backend=file\n"))
        #expect(get.err.isEmpty, "reading needs no notice")

        let logout = try helper(["logout", "--codex-home", home], in: sandbox, removing: noBus)
        #expect(logout.status == 0)
        #expect(!FileManager.default.fileExists(atPath: home + "/credentials.sealed"))
        let gone = try helper(["get", "--codex-home", home], in: sandbox, removing: noBus)
        #expect(gone.status == 1)
    }

    @Test func busWithoutProviderFallsBackToTheFile() throws {
        let sandbox = try KeyringSandbox(.none)
        let home = try sandbox.makeCodexHome()
        let store = try helper(["store"], in: sandbox, stdin: .text("codex_home=\(home)\ntoken=at-nobody-home\n"))
        #expect(store.status == 0, "\(store)")
        #expect(store.err.contains("no Secret Service provider"))
        #expect(store.err.split(separator: "\n").count == 1, "one line: why, and where the credential went")
        #expect(try helper(["get", "--format", "token", "--codex-home", home], in: sandbox).out == "at-nobody-home\n")
        let strict = try helper(["get", "--backend", "secret-service", "--codex-home", home], in: sandbox)
        #expect(strict.status == 69)
    }

    @Test func lockedKeyringFallsBackUnderAutoAndIs77UnderSecretService() throws {
        let sandbox = try KeyringSandbox()
        let home = try sandbox.makeCodexHome()
        try #require(try sandbox.inspector(["lock-default"]).status == 0)
        let token = TestTokens.personal()
        let strict = try helper(["login", "--with-access-token", "--backend", "secret-service", "--codex-home", home],
                                in: sandbox, stdin: .text(token), environment: ["DISPLAY": ":99"], deadline: 10)
        #expect(strict.status == 77, "\(strict)")
        let auto = try helper(["login", "--with-access-token", "--codex-home", home], in: sandbox, stdin: .text(token),
                              environment: ["DISPLAY": ":99"], deadline: 10)
        #expect(auto.status == 0, "\(auto)")
        // No display server at :99: gnome-keyring's unlock prompt cannot be shown and ends dismissed.
        #expect(auto.err.contains("the keyring's prompt to unlock collection 'login' was dismissed"), "\(auto.err)")
        #expect(FileManager.default.fileExists(atPath: home + "/credentials.sealed"))
        #expect(try sandbox.codexItems().isEmpty)
        let get = try helper(["get", "--format", "token", "--codex-home", home], in: sandbox, deadline: 10)
        #expect(get.out == token + "\n", "auto reads the file copy while the keyring is locked: \(get)")
    }

    @Test func hungProviderFallsBackWithinTheTimeout() throws {
        let sandbox = try KeyringSandbox(.hanging)
        let home = try sandbox.makeCodexHome()
        let token = TestTokens.personal()
        let login = try helper(["login", "--with-access-token", "--timeout", "1", "--codex-home", home], in: sandbox,
                               stdin: .text(token), deadline: 10)
        #expect(login.status == 0, "\(login)")
        #expect(login.err.contains("did not answer within 1 s"))
        #expect(filesContaining(token, under: sandbox.root).isEmpty)
        // auto still answers from the file within the timeout; the keyring alone reports the hang.
        let get = try helper(["get", "--format", "token", "--timeout", "1", "--codex-home", home], in: sandbox, deadline: 10)
        #expect(get.status == 0, "\(get)")
        #expect(get.out == token + "\n")
        let strict = try helper(["get", "--backend", "secret-service", "--timeout", "1", "--codex-home", home], in: sandbox,
                                deadline: 10)
        #expect(strict.status == 75)
        let empty = try sandbox.makeCodexHome()
        let nothing = try helper(["get", "--timeout", "1", "--codex-home", empty], in: sandbox, deadline: 10)
        #expect(nothing.status == 75, "with no file copy, a keyring that may hold it but hung is reported: \(nothing)")
    }

    @Test func keyringLoginAfterAFileFallbackRemovesTheOlderFileCopy() throws {
        let sandbox = try KeyringSandbox()
        let home = try sandbox.makeCodexHome()
        let old = TestTokens.personal()
        try #require(try helper(["login", "--with-access-token", "--backend", "file", "--codex-home", home], in: sandbox,
                                stdin: .text(old)).status == 0)
        let new = TestTokens.personal()
        let login = try helper(["login", "--with-access-token", "--codex-home", home], in: sandbox, stdin: .text(new))
        #expect(login.status == 0)
        #expect(login.err.contains("removed the older copy in the encrypted file"))
        #expect(!FileManager.default.fileExists(atPath: home + "/credentials.sealed"))
        #expect(try helper(["get", "--format", "token", "--codex-home", home], in: sandbox).out == new + "\n")
    }

    @Test func newerCopyWinsWhenBothBackendsHoldOne() throws {
        let sandbox = try KeyringSandbox()
        let home = try sandbox.makeCodexHome()
        let older = TestTokens.personal()
        let newer = TestTokens.personal()
        try #require(try helper(["store", "--backend", "secret-service"], in: sandbox,
                                stdin: .text("codex_home=\(home)\ntoken=\(older)\ncreated_at=2026-01-01T00:00:00Z\n")).status == 0)
        try #require(try helper(["store", "--backend", "file"], in: sandbox,
                                stdin: .text("codex_home=\(home)\ntoken=\(newer)\ncreated_at=2026-02-01T00:00:00Z\n")).status == 0)
        let get = try helper(["get", "--codex-home", home], in: sandbox)
        #expect(get.out.contains("token=\(newer)\n"))
        #expect(get.out.contains("backend=file\n"))
        let logout = try helper(["logout", "--codex-home", home], in: sandbox)
        #expect(logout.status == 0)
        #expect(try sandbox.codexItems().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: home + "/credentials.sealed"))
    }

    @Test func passphraseModeFromEnvironmentFileAndDescriptor() throws {
        let sandbox = try KeyringSandbox(.none)
        let home = try sandbox.makeCodexHome()
        let token = TestTokens.personal()
        // The key cache off: this test is about where the passphrase comes from (KeyCacheTests covers the cache).
        let env = ["CODEX_CREDENTIAL_BACKEND": "file", "CODEX_HOME": home, "CODEX_CREDENTIAL_KEY_CACHE_TIMEOUT": "0"]
        let login = try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(token),
                               environment: env.merging(["CODEX_CREDENTIAL_PASSPHRASE": "correct horse battery"]) { $1 })
        #expect(login.status == 0, "\(login)")
        #expect(login.err.contains("passphrase mode"))
        #expect(!FileManager.default.fileExists(atPath: sandbox.home.path + "/.local/share/codex-credential-helper/file.key"))

        let none = try helper(["get"], in: sandbox, environment: env)
        #expect(none.status == 77)
        #expect(none.err.contains("CODEX_CREDENTIAL_PASSPHRASE"))
        let wrong = try helper(["get"], in: sandbox, environment: env.merging(["CODEX_CREDENTIAL_PASSPHRASE": "wrong"]) { $1 })
        #expect(wrong.status == 77)
        #expect(wrong.err.contains("does not open"))

        let passphraseFile = sandbox.home.path + "/passphrase"
        try "correct horse battery\n".write(toFile: passphraseFile, atomically: true, encoding: .utf8)
        chmod(passphraseFile, 0o644)
        let loose = try helper(["get", "--passphrase-file", passphraseFile], in: sandbox, environment: env)
        #expect(loose.status == 78, "\(loose)")
        chmod(passphraseFile, 0o600)
        let fromFile = try helper(["get", "--format", "token", "--passphrase-file", passphraseFile], in: sandbox, environment: env)
        #expect(fromFile.out == token + "\n", "\(fromFile)")

        let fromDescriptor = try runProcess(
            "/bin/sh", ["-c", "exec 3<\"$1\"; exec \"$0\" get --format token --passphrase-fd 3", TestPaths.helperBinary, passphraseFile],
            environment: sandbox.environment.merging(env) { $1 })
        #expect(fromDescriptor.out == token + "\n", "\(fromDescriptor)")
        #expect(filesContaining(token, under: sandbox.root).isEmpty)
    }

    @Test(arguments: KeyringSandbox.realProviders)
    func statusReportsBackendsAndCheckPasses(_ provider: KeyringSandbox.Provider) throws {
        let sandbox = try KeyringSandbox(provider)
        let home = try sandbox.makeCodexHome()
        let token = TestTokens.personal()
        try #require(try helper(["login", "--with-access-token", "--expires-in", "30d", "--codex-home", home], in: sandbox,
                                stdin: .text(token)).status == 0)
        let status = try helper(["status", "--codex-home", home], in: sandbox)
        #expect(status.status == 0, "\(status)")
        let collection = sandbox.isKeePassXC ? "codex" : "login"  // KeePassXC names it after the database file
        #expect(status.out.contains("usable: default collection '\(collection)', unlocked"), "\(status.out)")
        #expect(status.out.contains("personal access token in the Secret Service keyring"))
        #expect(status.out.contains("(in 29 days)") || status.out.contains("(in 30 days)"))
        #expect(status.out.contains("does not read the keyring"))
        #expect(!status.out.contains(token) && !status.err.contains(token), "status never prints a secret")

        for backend in ["secret-service", "file"] {
            let check = try helper(["status", "--check", "--backend", backend, "--codex-home", home], in: sandbox)
            #expect(check.status == 0, "\(backend): \(check)")
            #expect(check.out.contains("Check: write    ok"))
            #expect(check.out.contains("Check: read     ok"))
            #expect(check.out.contains("Check: erase    ok"))
        }
        #expect(try sandbox.codexItems().count == 1, "the check leaves only the real credential")
        #expect(try FileManager.default.contentsOfDirectory(atPath: home).filter { $0.contains("check") }.isEmpty)

        let none = try KeyringSandbox(.none)
        let strict = try helper(["status", "--backend", "secret-service"], in: none)
        #expect(strict.status == 69)
        #expect(strict.out.contains("not usable: no Secret Service provider"))
        let auto = try helper(["status", "--check"], in: none)
        #expect(auto.status == 0, "auto works through the file: \(auto)")
        #expect(auto.out.contains("auto stores in the encrypted file"))
    }
}
