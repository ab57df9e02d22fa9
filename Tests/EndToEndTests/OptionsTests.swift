import Foundation
import TestSupport
import Testing

/// The command line as a newcomer meets it: options before `--` are options, an unknown option is reported first
/// (with the parser's suggestion), rotate takes what login takes and keeps what it should, durations say their
/// units, `version` and `help TOPIC`.
@Suite("End to end: options, rotate's reminders, durations, version, help topics")
struct OptionsTests {
    @Test(arguments: [["exec", "--help"], ["exec", "-h"]])
    func execHelpIsHelp(_ arguments: [String]) throws {
        let sandbox = try KeyringSandbox(.none)
        let result = try helper(arguments, in: sandbox)
        #expect(result.status == 0, "\(result)")
        #expect(result.out.contains("OVERVIEW: Run a command with the stored credential"))
    }

    @Test func aMisspeltExecOptionIsAUsageErrorWithASuggestion() throws {
        let sandbox = try KeyringSandbox(.none)
        let result = try helper(["exec", "--timout", "3", "--", "true"], in: sandbox)
        #expect(result.status == 64, "\(result)")
        #expect(result.err.contains("Unknown option '--timout'. Did you mean '--timeout'?"), "\(result.err)")
        #expect(!result.err.contains("command not found"))
    }

    /// What gh users type: the unknown option is what the person reads, not the choice between the two flags.
    @Test func anUnknownLoginOptionIsReportedFirst() throws {
        let sandbox = try KeyringSandbox(.none)
        let result = try helper(["login", "--with-token"], in: sandbox, stdin: .text("at-whatever"))
        #expect(result.status == 64, "\(result)")
        #expect(result.err.hasPrefix("codex-credential-helper: Unknown option '--with-token'"),
                "one style for every error, the program's name first: \(result.err)")
        #expect(!result.err.contains("Error:"))
        #expect(!result.err.contains("Choose one of"))
    }

    @Test func rotateKeepsTheNameAndRemindsOnlyWhenAnOldDifferentCredentialWasReplaced() throws {
        let sandbox = try KeyringSandbox(.none)
        let home = try sandbox.makeCodexHome()
        let env = ["CODEX_HOME": home, "CODEX_CREDENTIAL_BACKEND": "file"]
        let first = TestTokens.personal()
        let nothingStored = try helper(["rotate", "--with-access-token"], in: sandbox, stdin: .text(first), environment: env)
        #expect(nothingStored.status == 0, "\(nothingStored)")
        #expect(!nothingStored.err.contains("revoke"), "nothing was replaced: \(nothingStored.err)")

        let named = try helper(["login", "--with-access-token", "--name", "release-ci"], in: sandbox, stdin: .text(first),
                               environment: env)
        #expect(named.status == 0, "\(named)")
        let second = TestTokens.personal()
        let rotated = try helper(["rotate", "--with-access-token"], in: sandbox, stdin: .text(second), environment: env)
        #expect(rotated.status == 0, "\(rotated)")
        #expect(rotated.err.contains("Stored the personal access token 'release-ci'"), "\(rotated.err)")
        #expect(rotated.err.contains("Now revoke the old personal access token 'release-ci'"), "\(rotated.err)")
        let get = try helper(["get"], in: sandbox, environment: env)
        #expect(get.out.contains("token=\(second)\n") && get.out.contains("name=release-ci\n"), "\(get.out)")

        let same = try helper(["rotate"], in: sandbox, stdin: .text(second), environment: env)
        #expect(same.status == 0, "\(same)")
        #expect(!same.err.contains("revoke"), "the live token must not be revoked: \(same.err)")

        let both = try helper(["rotate", "--with-access-token", "--with-api-key"], in: sandbox, stdin: .text(second),
                              environment: env)
        #expect(both.status == 64, "\(both)")
    }

    @Test func durationsSayTheirUnitsAndRefuseAnAmbiguousM() throws {
        let sandbox = try KeyringSandbox(.none)
        let home = try sandbox.makeCodexHome()
        let env = ["CODEX_HOME": home, "CODEX_CREDENTIAL_BACKEND": "file"]
        let ambiguous = try helper(["login", "--with-access-token", "--expires-in", "1m"], in: sandbox,
                                   stdin: .text(TestTokens.personal()), environment: env)
        #expect(ambiguous.status == 64, "\(ambiguous)")
        #expect(ambiguous.err.contains("units: s (seconds), min (minutes), h (hours), d (days), w (weeks)"), "\(ambiguous.err)")
        #expect(ambiguous.err.contains("'m' is refused as ambiguous"))
        let minutes = try helper(["login", "--with-access-token", "--expires-in", "90min"], in: sandbox,
                                 stdin: .text(TestTokens.personal()), environment: env)
        #expect(minutes.status == 0, "\(minutes)")
        let get = try helper(["get"], in: sandbox, environment: env)
        let expiry = get.out.split(separator: "\n").first { $0.hasPrefix("expires_at=") }.map { String($0.dropFirst(11)) }
        let date = try #require(expiry.flatMap { ISO8601DateFormatter().date(from: $0) }, "\(get.out)")
        #expect(abs(date.timeIntervalSinceNow - 90 * 60) < 300, "90min is 90 minutes: \(date)")
        let warn = try helper(["status", "--warn-within", "2m"], in: sandbox, environment: env)
        #expect(warn.status == 64 && warn.err.contains("units:"), "\(warn)")
    }

    /// As `gh auth status`: 0 only with a usable credential, 67 when it has expired, 1 when nothing is stored.
    @Test func statusExitsWithTheCredentialsState() throws {
        let sandbox = try KeyringSandbox(.none)
        let home = try sandbox.makeCodexHome()
        let env = ["CODEX_HOME": home, "CODEX_CREDENTIAL_BACKEND": "file"]
        #expect(try helper(["status"], in: sandbox, environment: env).status == 1)
        let expired = TestTokens.jwt(claims: #"{"exp":\#(Int(Date().timeIntervalSince1970) + 2)}"#)
        try #require(try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(expired), environment: env).status == 0)
        Thread.sleep(forTimeInterval: 3)
        let stale = try helper(["status"], in: sandbox, environment: env)
        #expect(stale.status == 67, "\(stale)")
        #expect(stale.out.contains("EXPIRED"))
        try #require(try helper(["login", "--with-access-token", "--expires-in", "30d"], in: sandbox,
                                stdin: .text(TestTokens.personal()), environment: env).status == 0)
        let fresh = try helper(["status"], in: sandbox, environment: env)
        #expect(fresh.status == 0, "\(fresh)")
        #expect(fresh.out.contains("(in 30 days)"), "right after --expires-in 30d: \(fresh.out)")
    }

    /// A Codex home that does not exist is diagnosed by status (exit 1, what to do), not refused as a usage error.
    @Test func statusDiagnosesAMissingCodexHome() throws {
        let sandbox = try KeyringSandbox(.none)
        let status = try helper(["status"], in: sandbox, environment: ["CODEX_HOME": sandbox.root.path + "/no-such-home"])
        #expect(status.status == 1, "\(status)")
        #expect(status.out.contains("Codex home      not usable: The Codex home directory"), "\(status.out)")
        #expect(status.out.contains("mkdir -p"), "\(status.out)")
    }

    /// CODEX_ACCESS_TOKEN wins over any stored login in Codex: login warns, logout says it is still set.
    @Test func theAccessTokenVariableIsMentioned() throws {
        let sandbox = try KeyringSandbox(.none)
        let home = try sandbox.makeCodexHome()
        let env = ["CODEX_HOME": home, "CODEX_CREDENTIAL_BACKEND": "file", "CODEX_ACCESS_TOKEN": TestTokens.personal()]
        let login = try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(TestTokens.personal()), environment: env)
        #expect(login.status == 0 && login.err.contains("CODEX_ACCESS_TOKEN is set in this environment"), "\(login)")
        let logout = try helper(["logout"], in: sandbox, environment: env)
        #expect(logout.status == 0 && logout.err.contains("CODEX_ACCESS_TOKEN is still set"), "\(logout)")
    }

    /// Completion: directories after --codex-home, files after --file and --passphrase-file (bash, zsh, fish), and
    /// commands on PATH for the word after `exec --`.
    @Test func completionsOfferPathsAndCommands() throws {
        let sandbox = try KeyringSandbox(.none)
        let bash = try helper(["--generate-completion-script", "bash"], in: sandbox).out
        #expect(bash.contains("'--codex-home')\n        __codex-credential-helper_add_completions -d"))
        #expect(bash.contains("'--passphrase-file')\n        __codex-credential-helper_add_completions -f"))
        #expect(bash.contains("'--file')\n        __codex-credential-helper_add_completions -f"))
        #expect(bash.contains("---completion exec -- positional@0"))
        let zsh = try helper(["--generate-completion-script", "zsh"], in: sandbox).out
        #expect(zsh.contains("--codex-home[") && zsh.contains(":_files -/"), "zsh completes directories")
        let fish = try helper(["--generate-completion-script", "fish"], in: sandbox).out
        #expect(fish.contains("-l 'codex-home'") && fish.contains("-rfa '(__codex-credential-helper_complete_directories)'"),
                "fish completes directories")
        let commands = try helper(["---completion", "exec", "--", "positional@0", "3", "3",
                                   "codex-credential-helper", "exec", "--", "tru"], in: sandbox)
        #expect(commands.out.split(separator: "\n").contains("true"), "\(commands)")
    }

    @Test func versionIsACommand() throws {
        let sandbox = try KeyringSandbox(.none)
        let result = try helper(["version"], in: sandbox)
        #expect(result.status == 0, "\(result)")
        #expect(result.out.hasPrefix("codex-credential-helper 0."), "\(result.out)")
        #expect(result.out.contains("\nlibsecret: /"), "\(result.out)")
        #expect(result.out.contains("built with libsecret "), "\(result.out)")
    }

    @Test func anUnknownHelpTopicIsAUsageError() throws {
        let sandbox = try KeyringSandbox(.none)
        let unknown = try helper(["help", "nosuch"], in: sandbox)
        #expect(unknown.status == 64, "\(unknown)")
        #expect(unknown.err.contains("Unknown help topic 'nosuch'"), "\(unknown.err)")
        let known = try helper(["help", "login"], in: sandbox)
        #expect(known.status == 0 && known.out.contains("OVERVIEW: Store a Codex access token"), "\(known)")
    }
}

/// logout and list tell the truth about each store: removed, nothing there, or not checked and why.
@Suite("End to end: logout and list per store")
struct PerStoreTruthTests {
    /// No session bus under auto: the keyring is "not checked (no D-Bus session bus)", the file copy is removed,
    /// and the exit status is 0 (no keyring exists for this session).
    @Test func logoutWithoutASessionBusSaysNotChecked() throws {
        let sandbox = try KeyringSandbox(.none)
        let home = try sandbox.makeCodexHome()
        let noBus = ["CODEX_HOME": home, "XDG_RUNTIME_DIR": sandbox.root.path]
        let login = try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(TestTokens.personal()),
                               environment: noBus, removing: ["DBUS_SESSION_BUS_ADDRESS"])
        #expect(login.status == 0, "\(login)")
        let list = try helper(["list", "--json"], in: sandbox, environment: noBus, removing: ["DBUS_SESSION_BUS_ADDRESS"])
        #expect(list.out.contains("not checked (no D-Bus session bus)"), "\(list.out)")
        let logout = try helper(["logout"], in: sandbox, environment: noBus, removing: ["DBUS_SESSION_BUS_ADDRESS"])
        #expect(logout.status == 0, "\(logout)")
        #expect(logout.err.contains("The Secret Service keyring: not checked (no D-Bus session bus)."), "\(logout.err)")
        #expect(logout.err.contains("Removed the credential for \(home) from the encrypted file"), "\(logout.err)")
        #expect(!logout.err.contains("Not logged in"))
        let again = try helper(["logout"], in: sandbox, environment: noBus, removing: ["DBUS_SESSION_BUS_ADDRESS"])
        #expect(again.status == 0 && again.err.contains("The encrypted file: nothing stored for \(home)."), "\(again)")
        #expect(!again.err.contains("Not logged in"), "the keyring was not checked: \(again.err)")
    }

    /// A keyring item behind a locked collection, and a file copy: logout erases the file copy, says the keyring was
    /// not checked, and exits with the keyring's status (77); the item is still there.
    @Test func logoutWithALockedKeyringErasesTheRestAndFails() throws {
        let sandbox = try KeyringSandbox()
        let home = try sandbox.makeCodexHome()
        let env = ["CODEX_HOME": home]
        try #require(try helper(["login", "--with-access-token", "--backend", "secret-service"], in: sandbox,
                                stdin: .text(TestTokens.personal()), environment: env).status == 0)
        try #require(try helper(["login", "--with-access-token", "--backend", "file"], in: sandbox,
                                stdin: .text(TestTokens.personal()), environment: env).status == 0)
        try #require(try sandbox.inspector(["lock-default"]).status == 0)
        let status = try helper(["status"], in: sandbox, environment: env)
        #expect(status.out.contains("locked; no unlock prompt can be answered from here"), "advice that works: \(status.out)")
        #expect(!status.out.contains("--unlock"))
        let logout = try helper(["logout"], in: sandbox, environment: env)
        #expect(logout.status == 77, "\(logout)")
        #expect(logout.err.contains("The Secret Service keyring: not checked ("), "\(logout.err)")
        #expect(logout.err.contains("Removed the credential for \(home) from the encrypted file"), "\(logout.err)")
        #expect(!logout.err.contains("Not logged in"))
        #expect(!FileManager.default.fileExists(atPath: home + "/credentials.sealed"))
        #expect(try sandbox.codexItems().count == 1, "the locked item is still there")
    }
}

/// Two copies that disagree are said, not served silently.
@Suite("End to end: a keyring copy and a file copy that differ")
struct DisagreeingCopiesTests {
    @Test func getExecAndStatusWarnWhenTheCopiesDiffer() throws {
        let sandbox = try KeyringSandbox()
        let home = try sandbox.makeCodexHome()
        let env = ["CODEX_HOME": home]
        let inKeyring = TestTokens.personal()
        let inFile = TestTokens.personal()
        try #require(try helper(["login", "--with-access-token", "--backend", "secret-service"], in: sandbox,
                                stdin: .text(inKeyring), environment: env).status == 0)
        try #require(try helper(["login", "--with-access-token", "--backend", "file"], in: sandbox,
                                stdin: .text(inFile), environment: env).status == 0)
        let get = try helper(["get", "--format", "token"], in: sandbox, environment: env)
        #expect(get.status == 0 && [inFile + "\n", inKeyring + "\n"].contains(get.out), "\(get)")
        #expect(get.err.contains("Warning: the Secret Service keyring and the encrypted file hold different credentials"),
                "\(get.err)")
        #expect(!get.err.contains(inKeyring) && !get.err.contains(inFile))
        let exec = try helper(["exec", "--", "true"], in: sandbox, environment: env)
        #expect(exec.status == 0 && exec.err.contains("hold different credentials"), "\(exec)")
        let status = try helper(["status"], in: sandbox, environment: env)
        #expect(status.out.contains("WARNING: the keyring and the encrypted file hold different credentials"), "\(status.out)")
    }

    /// A login that falls back to the file while the keyring holds an item it could not replace says that Codex
    /// keeps reading that one.
    @Test func aFallbackOverALockedKeyringItemSaysCodexKeepsReadingIt() throws {
        let sandbox = try KeyringSandbox()
        let home = try sandbox.makeCodexHome()
        let env = ["CODEX_HOME": home]
        try #require(try helper(["login", "--with-access-token", "--backend", "secret-service"], in: sandbox,
                                stdin: .text(TestTokens.personal()), environment: env).status == 0)
        try #require(try sandbox.inspector(["lock-default"]).status == 0)
        let login = try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(TestTokens.personal()),
                               environment: env)
        #expect(login.status == 0, "\(login)")
        #expect(login.err.contains("for \(home) in the encrypted file"), "\(login.err)")
        #expect(login.err.contains("Codex will keep reading the older credential in the keyring"), "\(login.err)")
    }
}

/// `status --json`: an interface (documented in README).
@Suite("End to end: status --json")
struct StatusJSONTests {
    func stores(_ result: ProcessResult) throws -> [String: [String: Any]] {
        let object = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result)")
        let list = try #require(object["stores"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: list.map { ($0["store"] as? String ?? "?", $0) })
    }

    @Test func oneObjectPerStoreCheckedOrNotAndNeverASecret() throws {
        let sandbox = try KeyringSandbox()
        let home = try sandbox.makeCodexHome()
        let token = TestTokens.personal()
        try #require(try helper(["login", "--with-access-token", "--name", "ci", "--expires-in", "30d"], in: sandbox,
                                stdin: .text(token), environment: ["CODEX_HOME": home]).status == 0)
        let status = try helper(["status", "--json"], in: sandbox, environment: ["CODEX_HOME": home])
        #expect(status.status == 0, "\(status)")
        #expect(!status.out.contains(token))
        let byStore = try stores(status)
        #expect(byStore["keyring"]?["checked"] as? Bool == true)
        let credential = try #require(byStore["keyring"]?["credential"] as? [String: Any], "\(status.out)")
        #expect(credential["kind"] as? String == "personal_access_token")
        #expect(credential["name"] as? String == "ci")
        #expect((credential["fingerprint"] as? String)?.count == 16)
        #expect(credential["expired"] as? Bool == false)
        #expect(byStore["file"]?["checked"] as? Bool == true && byStore["file"]?["credential"] is NSNull)
        #expect(byStore["environment"]?["credential"] is NSNull)

        // No session bus: the keyring is not checked, and says why; the environment's token is fingerprinted.
        let noBus = try helper(["status", "--json"], in: sandbox,
                               environment: ["CODEX_HOME": home, "XDG_RUNTIME_DIR": sandbox.root.path,
                                             "CODEX_ACCESS_TOKEN": token],
                               removing: ["DBUS_SESSION_BUS_ADDRESS"])
        let unchecked = try stores(noBus)
        #expect(unchecked["keyring"]?["checked"] as? Bool == false, "\(noBus.out)")
        #expect(unchecked["keyring"]?["why"] as? String == "no D-Bus session bus", "\(noBus.out)")
        #expect((unchecked["environment"]?["credential"] as? [String: Any])?["fingerprint"] as? String
                == credential["fingerprint"] as? String)
        #expect(!noBus.out.contains(token))
        #expect(try #require(try JSONSerialization.jsonObject(with: status.stdout) as? [String: Any])["codex"]
                .flatMap { ($0 as? [String: Any])?["plaintext_auth_json"] } is NSNull, "no auth.json: null")
    }

    /// Codex's own unencrypted auth.json is reported (what it holds, never the secret) until it is gone.
    @Test func aPlaintextAuthJSONIsReportedInTextAndJSON() throws {
        let sandbox = try KeyringSandbox()
        let home = try sandbox.makeCodexHome()
        let key = TestTokens.apiKey()
        // As Codex writes it: pretty-printed, two-space indentation, no trailing newline.
        try "{\n  \"auth_mode\": \"apikey\",\n  \"OPENAI_API_KEY\": \"\(key)\"\n}"
            .write(toFile: home + "/auth.json", atomically: true, encoding: .utf8)
        let text = try helper(["status"], in: sandbox, environment: ["CODEX_HOME": home])
        #expect(text.status == 1, "nothing in the helper's own stores: \(text)")
        let line = try #require(text.out.split(separator: "\n").first { $0.hasPrefix("Plaintext") }, "\(text.out)")
        #expect(line.contains("\(home)/auth.json: Codex's own unencrypted copy of the API key"), "\(line)")
        #expect(!text.out.contains(key) && !text.err.contains(key))

        let json = try helper(["status", "--json"], in: sandbox, environment: ["CODEX_HOME": home])
        #expect(!json.out.contains(key))
        let object = try #require(try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any], "\(json)")
        let copy = try #require((object["codex"] as? [String: Any])?["plaintext_auth_json"] as? [String: Any], "\(json.out)")
        #expect(copy["path"] as? String == home + "/auth.json")
        #expect(copy["kind"] as? String == "api_key")
        let digest = try runProcess("/usr/bin/sha256sum", [], environment: [:], stdin: .text(key)).out.prefix(16)
        #expect(copy["fingerprint"] as? String == String(digest))
        #expect(copy["problem"] is NSNull)

        try "not json".write(toFile: home + "/auth.json", atomically: true, encoding: .utf8)
        let damaged = try helper(["status"], in: sandbox, environment: ["CODEX_HOME": home])
        #expect(damaged.out.contains("\(home)/auth.json: present, not a Codex auth record"), "\(damaged.out)")

        try #require(try helper(["logout"], in: sandbox, environment: ["CODEX_HOME": home]).status == 0)
        let after = try helper(["status"], in: sandbox, environment: ["CODEX_HOME": home])
        #expect(!after.out.contains("Plaintext"), "\(after.out)")
    }
}

/// Codex set up in one step: configure-codex and login --configure-codex.
@Suite("End to end: configure-codex")
struct ConfigureCodexTests {
    @Test func configureCodexCreatesChangesAndRefuses() throws {
        let sandbox = try KeyringSandbox(.none)
        let home = try sandbox.makeCodexHome()
        let path = home + "/config.toml"
        let created = try helper(["configure-codex", "--codex-home", home], in: sandbox)
        #expect(created.status == 0, "\(created)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "cli_auth_credentials_store = \"keyring\"\n")
        #expect(permissions(path) == 0o600)

        let original = "# my settings\nmodel = \"o3\"\ncli_auth_credentials_store = \"file\"\n\n[profiles.ci]\nmodel = \"o4\"\n"
        try original.write(toFile: path, atomically: true, encoding: .utf8)
        let advice = try helper(["status", "--codex-home", home], in: sandbox)
        #expect(advice.out.contains("sets cli_auth_credentials_store = \"file\"; change that value to \"keyring\""),
                "in place, never 'add': \(advice.out)")
        let changed = try helper(["configure-codex", "--codex-home", home, "--store", "auto"], in: sandbox)
        #expect(changed.status == 0, "\(changed)")
        #expect(try String(contentsOfFile: path, encoding: .utf8)
                == original.replacingOccurrences(of: "\"file\"", with: "\"auto\""))
        #expect(try String(contentsOfFile: path + ".bak", encoding: .utf8) == original)

        try "cli_auth_credentials_store = \"file\"\ncli_auth_credentials_store = \"keyring\"\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let duplicate = try helper(["configure-codex", "--codex-home", home], in: sandbox)
        #expect(duplicate.status == 65, "\(duplicate)")
        #expect(duplicate.err.contains("not valid TOML (line 2"), "\(duplicate.err)")
    }

    @Test func loginConfiguresCodexInTheSameStep() throws {
        let sandbox = try KeyringSandbox()
        let home = try sandbox.makeCodexHome()
        try "model = \"o3\"\n\n[profiles.x]\nmodel = \"o4\"\n".write(toFile: home + "/config.toml", atomically: true, encoding: .utf8)
        let login = try helper(["login", "--with-access-token", "--configure-codex", "--codex-home", home], in: sandbox,
                               stdin: .text(TestTokens.personal()))
        #expect(login.status == 0, "\(login)")
        #expect(!login.err.contains("Codex will not read the keyring"), "\(login.err)")
        #expect(try String(contentsOfFile: home + "/config.toml", encoding: .utf8)
                == "model = \"o3\"\n\ncli_auth_credentials_store = \"keyring\"\n\n[profiles.x]\nmodel = \"o4\"\n")
    }
}
