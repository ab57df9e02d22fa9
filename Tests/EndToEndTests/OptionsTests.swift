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
        #expect(result.err.contains("Unknown option '--with-token'"), "\(result.err)")
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
