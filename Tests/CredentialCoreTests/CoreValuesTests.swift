import CredentialCore
import Testing

@Suite("Hashes and Codex homes")
struct CodexHomeTests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        (String(repeating: "a", count: 1000), "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"),
    ])
    func sha256MatchesFIPSVectors(_ input: String, _ digest: String) {
        #expect(Digest.sha256Hex(Array(input.utf8)) == digest)
    }

    /// The contract's test vectors.
    @Test(arguments: [
        ("/home/alice/.codex", "cli|186293cbcd01a1e8"),
        ("/home/ci/codex-home", "cli|33c2d23a2a321bc3"),
    ])
    func accountNameMatchesContract(_ path: String, _ account: String) {
        #expect(CodexHome.accountName(forPath: path) == account)
        #expect(CodexHome(path: path).account == account)
    }

    @Test func defaultIsHomeDotCodexEvenWhenMissing() throws {
        let home = try CodexHome.resolve(explicit: nil, environment: ["HOME": "/nonexistent-home-for-test"])
        #expect(home.path == "/nonexistent-home-for-test/.codex")
        #expect(home.account == CodexHome.accountName(forPath: "/nonexistent-home-for-test/.codex"))
    }

    @Test func emptyCodexHomeMeansUnset() throws {
        let home = try CodexHome.resolve(explicit: nil, environment: ["HOME": "/h", "CODEX_HOME": ""])
        #expect(home.path == "/h/.codex")
    }

    @Test func codexHomeIsCanonicalized() throws {
        // /proc/self/cwd is a symlink; "/tmp/." normalises to /tmp.
        let home = try CodexHome.resolve(explicit: nil, environment: ["CODEX_HOME": "/tmp/./"])
        #expect(home.path == "/tmp")
        let viaFlag = try CodexHome.resolve(explicit: "/usr/../tmp", environment: ["CODEX_HOME": "/ignored"])
        #expect(viaFlag.path == "/tmp")
    }

    @Test func explicitHomeMustExist() {
        let error = #expect(throws: HelperError.self) {
            try CodexHome.resolve(explicit: nil, environment: ["CODEX_HOME": "/does/not/exist"])
        }
        #expect(error?.code == .usage)
        #expect(error?.message.contains("does not exist") == true)
    }

    @Test func explicitHomeMustBeADirectory() {
        let error = #expect(throws: HelperError.self) {
            try CodexHome.resolve(explicit: "/etc/hostname", environment: [:], errorCode: .badInput)
        }
        #expect(error?.code == .badInput)
    }
}

@Suite("Times and durations")
struct TimestampTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", 0),
        ("2026-12-31T23:59:59Z", 1_798_761_599),
        ("2026-12-31", 1_798_675_200),
        ("2024-02-29T12:00:00+02:00", 1_709_200_800),
        ("2024-02-29T12:00:00.123-01:30", 1_709_213_400),
        ("2000-03-01t00:00:00z", 951_868_800),
    ])
    func parsesRFC3339(_ text: String, _ seconds: Int64) {
        #expect(Timestamp(rfc3339: text)?.secondsSinceEpoch == seconds)
    }

    @Test(arguments: ["", "2026-13-01", "2026-02-30", "2025-02-29T00:00:00Z", "2026-12-31T24:00:00Z", "2026-12-31T10:00:00",
                      "2026-12-31 10:00:00Z", "tomorrow", "2026-1-1", "2026-12-31T10:00:00+2:00", "2026-12-31T10:00:00Zjunk"])
    func refusesOtherText(_ text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test(arguments: [0, 951_868_800, 1_709_200_800, 1_798_761_599, 4_102_444_800] as [Int64])
    func formatsAndRoundTrips(_ seconds: Int64) {
        let time = Timestamp(secondsSinceEpoch: seconds)
        #expect(Timestamp(rfc3339: time.rfc3339) == time)
        #expect(time.rfc3339.hasSuffix("Z"))
        #expect(time.rfc3339.count == 20)
    }

    @Test(arguments: [("12h", 43_200), ("30d", 2_592_000), ("90d", 7_776_000), ("2w", 1_209_600), ("1d12h", 129_600),
                      ("45min", 2_700), ("1h30min", 5_400), ("10s", 10)] as [(String, Int64)])
    func parsesDurations(_ text: String, _ seconds: Int64) {
        #expect(DurationText.seconds(text) == seconds)
    }

    /// Time left as a person reads it: never "in 29 days" right after 30d, never "in 0 days" with time left.
    @Test(arguments: [(30 * 86_400 - 5, "in 30 days"), (29 * 86_400 + 50_000, "in 30 days"), (2 * 86_400, "in 2 days"),
                      (86_400, "in 24 hours"), (3 * 3600 + 100, "in 3 hours"), (90 * 60, "in 90 minutes"), (60, "in 1 minute"),
                      (30, "in under a minute")] as [(Int64, String)])
    func timeLeftReadsAsAPersonWould(_ seconds: Int64, _ text: String) {
        #expect(timeLeftText(seconds) == text)
    }

    /// `m` alone is refused: minutes to some, months to others.
    @Test(arguments: ["", "30", "d", "0d", "-1d", "1y", "30 d", "1d12", "999999999d", "1m", "45m", "1mo", "2mins", "min"])
    func refusesBadDurations(_ text: String) {
        #expect(DurationText.seconds(text) == nil)
    }
}

@Suite("Codex config.toml")
struct CodexConfigTests {
    @Test(arguments: [
        ("", nil, false),
        (#"cli_auth_credentials_store = "keyring""#, "keyring", true),
        ("cli_auth_credentials_store='auto'\n", "auto", true),
        ("model = \"o3\"\ncli_auth_credentials_store = \"file\" # default\n", "file", false),
        ("  cli_auth_credentials_store =\t\"ephemeral\"", "ephemeral", false),
        ("[profiles.x]\ncli_auth_credentials_store = \"keyring\"\n", nil, false),
        ("# cli_auth_credentials_store = \"keyring\"\n", nil, false),
        ("cli_auth_credentials_store_extra = \"keyring\"\n", nil, false),
    ] as [(String, String?, Bool)])
    func readsTheStoreSetting(_ toml: String, _ store: String?, _ readsKeyring: Bool) {
        let config = CodexConfig(toml: toml)
        #expect(config.credentialsStore == store)
        #expect(config.readsKeyring == readsKeyring)
    }

    /// What a TOML parser tells apart that a line scanner could not.
    @Test func aKeyInATableADuplicateAndAnInvalidFileAreEachWhatTheyAre() {
        #expect(CodexConfig(toml: "[profiles.ci]\ncli_auth_credentials_store = \"keyring\"\n").setting == .insideTable("profiles.ci"))
        #expect(CodexConfig(toml: "cli_auth_credentials_store = 1\n").setting == .notAString)
        guard case .invalid(let why) = CodexConfig(toml: "cli_auth_credentials_store = \"file\"\ncli_auth_credentials_store = \"keyring\"\n").setting
        else { Issue.record("a duplicate key must make the file invalid"); return }
        #expect(why.hasPrefix("line 2"), "\(why)")
        #expect(CodexConfig.advice(CodexConfig(toml: "cli_auth_credentials_store = \"file\"\n"), path: "c")?
                    .contains("change that value to \"keyring\"") == true)
        #expect(CodexConfig.advice(CodexConfig(toml: "cli_auth_credentials_store = \"auto\"\n"), path: "c") == nil)
    }

    /// Setting the key keeps every other line; the result parses and means what was asked.
    @Test(arguments: [
        ("", "cli_auth_credentials_store = \"keyring\"\n"),
        ("model = \"o3\"\n", "model = \"o3\"\ncli_auth_credentials_store = \"keyring\"\n"),
        ("# top\ncli_auth_credentials_store = \"file\" # was\n[a]\nx = 1\n",
         "# top\ncli_auth_credentials_store = \"keyring\"\n[a]\nx = 1\n"),
        ("model = \"o3\"\n\n[profiles.x]\ncli_auth_credentials_store = \"file\"\n",
         "model = \"o3\"\n\ncli_auth_credentials_store = \"keyring\"\n\n[profiles.x]\ncli_auth_credentials_store = \"file\"\n"),
    ] as [(String, String)])
    func settingTheStoreKeepsEveryOtherLine(_ before: String, _ after: String) throws {
        let result = try CodexConfig.setting("keyring", in: before)
        #expect(result == after)
        #expect(CodexConfig(toml: result).setting == .value("keyring"))
    }

    @Test func anInvalidFileIsNotChanged() {
        let error = #expect(throws: HelperError.self) { try CodexConfig.setting("keyring", in: "a = 1\na = 2\n") }
        #expect(error?.code == .badInput)
        #expect(error?.message.contains("not valid TOML") == true)
    }
}
