import CredentialCore
import Foundation
import TestSupport
import Testing

@Suite("End to end: help, usage and the terminal prompt")
struct CommandLineTests {
    @Test(arguments: ["login", "logout", "get", "store", "erase"])
    func everyCommandHasHelpWithExamples(_ command: String) throws {
        let sandbox = try KeyringSandbox(.none)
        let result = try helper([command, "--help"], in: sandbox)
        #expect(result.status == 0)
        #expect(result.out.contains("EXAMPLES:"))
        #expect(result.out.contains("--codex-home"))
        #expect(result.out.contains("--timeout"))
    }

    @Test func rootHelpListsExitStatuses() throws {
        let sandbox = try KeyringSandbox(.none)
        let result = try helper(["--help"], in: sandbox)
        for status in ["0 ", "1 ", "64", "65", "69", "75", "77"] {
            #expect(result.out.contains("\n  \(status)"), "exit status \(status) missing from --help")
        }
    }

    @Test(arguments: [
        ["login"], ["login", "--with-access-token", "--with-api-key"], ["get", "--format", "yaml"], ["nonsense"],
        ["get", "--timeout", "0"], ["login", "--with-access-token", "--expires-in", "1d", "--expires-at", "2030-01-01"],
    ])
    func usageErrorsExit64(_ arguments: [String]) throws {
        let sandbox = try KeyringSandbox(.none)
        let result = try helper(arguments, in: sandbox, stdin: .text("at-x"))
        #expect(result.status == 64, "\(result)")
        #expect(!result.err.isEmpty)
    }

    /// A credential put on the command line by mistake is refused as a usage error (64), and the error does not
    /// repeat it (the argument parser's message would): it says where a credential goes instead.
    @Test(arguments: [
        ["login", "TOKEN"], ["login", "--with-access-token", "TOKEN"], ["get", "--format", "TOKEN"], ["help", "TOKEN"],
        ["store", "--codex-home", "/nonexistent", "TOKEN"],
    ])
    func aCredentialOnTheCommandLineIsNotRepeated(_ arguments: [String]) throws {
        let sandbox = try KeyringSandbox(.none)
        for token in [TestTokens.personal(), TestTokens.apiKey()] {
            let result = try helper(arguments.map { $0 == "TOKEN" ? token : $0 }, in: sandbox)
            #expect(result.status == 64, "\(result)")
            #expect(!result.err.contains(token) && !result.out.contains(token), "\(result)")
            #expect(result.err.contains("<redacted>"), "\(result)")
        }
    }

    @Test func terminalPromptHidesTheTokenAndRestoresTheTerminal() throws {
        let sandbox = try KeyringSandbox()
        let home = try sandbox.makeCodexHome()
        let token = TestTokens.personal()
        let script = TestPaths.repositoryRoot + "/Tests/Support/pty_prompt.py"
        let result = try runProcess(TestPaths.systemPython, [script, TestPaths.helperBinary, home, token, String(TestTiming.scale)],
                                    environment: sandbox.environment, deadline: 30 * Double(TestTiming.scale))
        #expect(result.status == 0, "\(result)")
        let report = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any] ?? [:]
        #expect(report["prompted"] as? Bool == true, "\(report)")
        #expect(report["echoed_token"] as? Bool == false, "the token appeared on the terminal")
        #expect(report["login_status"] as? Int == 0, "\(report)")
        #expect(report["echo_restored_after_ctrl_c"] as? Bool == true, "\(report)")
        #expect(report["ctrl_c_signal"] as? Int == Int(SIGINT), "\(report)")
        // `login 2>log`: the prompt is on the terminal itself, and an empty Enter says what to do at a prompt.
        #expect(report["prompted_with_stderr_redirected"] as? Bool == true, "\(report)")
        #expect(report["empty_enter_status"] as? Int == 65, "\(report)")
        #expect((report["empty_enter_message"] as? String ?? "").contains("Nothing was entered; paste the token at the prompt"),
                "\(report)")
        // A wrong passphrase typed at the terminal is asked for again; the right one then opens the file.
        #expect(report["passphrase_asked_again"] as? Bool == true, "\(report)")
        #expect(report["passphrase_second_try_status"] as? Int == 0, "\(report)")
        #expect(report["passphrase_second_try_token"] as? Bool == true, "\(report)")
        let items = try sandbox.codexItems()
        #expect(items.first?.secret == #"{"OPENAI_API_KEY":null,"personal_access_token":"\#(token)"}"#)
    }
}

@Suite("Documentation in step with the code")
struct DocumentationTests {
    /// Every exit status the code can produce is in README's table and in --help, and nothing else is.
    @Test func exitStatusTablesMatchTheCode() throws {
        let readme = try String(contentsOfFile: TestPaths.repositoryRoot + "/README.md", encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "## Exit status").dropFirst().first)
        let rows = section.components(separatedBy: "\n## ").first ?? ""
        let documented = Set(rows.split(separator: "\n").compactMap { line -> Int32? in
            guard line.hasPrefix("| ") else { return nil }
            return Int32(line.dropFirst(2).prefix { $0.isNumber })
        })
        let sandbox = try KeyringSandbox(.none)
        let help = try helper(["--help"], in: sandbox).out
        let inHelp = Set(help.components(separatedBy: "EXIT STATUS:").last!.split(separator: "\n").compactMap {
            Int32($0.trimmingCharacters(in: .whitespaces).prefix { $0.isNumber })
        })
        let fromCode = Set([0] + HelperError.Code.allCases.map(\.exitStatus))
        #expect(documented == fromCode, "README: \(documented.sorted()) code: \(fromCode.sorted())")
        #expect(inHelp == fromCode, "--help: \(inHelp.sorted()) code: \(fromCode.sorted())")
    }
}

