import Foundation
import TestSupport
import Testing

/// The environment `exec` gave a child, parsed from `env -0`.
func parseEnvironment(_ data: Data) -> [String: String] {
    var result: [String: String] = [:]
    for entry in data.split(separator: 0) {
        let text = String(decoding: entry, as: UTF8.self)
        guard let equals = text.firstIndex(of: "=") else { continue }
        result[String(text[..<equals])] = String(text[text.index(after: equals)...])
    }
    return result
}

@Suite("End to end: exec, rotate, list, expiry, precedence")
struct AutomationTests {
    /// Both backends, each in its own sandbox: the keyring, and the encrypted file.
    static let backends = ["secret-service", "file"]

    @Test(arguments: backends)
    func execPassesTheRightVariableAndRemovesTheOthers(_ backend: String) throws {
        let sandbox = try KeyringSandbox()
        let home = try sandbox.makeCodexHome()
        var env = ["CODEX_HOME": home, "CODEX_CREDENTIAL_BACKEND": backend]
        let token = TestTokens.personal()
        try #require(try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(token), environment: env).status == 0)

        env["CODEX_API_KEY"] = "sk-stale"
        env["OPENAI_API_KEY"] = "sk-stale-too"
        env["CODEX_ACCESS_TOKEN"] = "at-stale"
        env["CODEX_CREDENTIAL_PASSPHRASE"] = "not-for-children"
        env["KEEP_ME"] = "kept"
        let result = try helper(["exec", "--", "env", "-0"], in: sandbox, environment: env)
        #expect(result.status == 0, "\(result)")
        let child = parseEnvironment(result.stdout)
        #expect(child["CODEX_ACCESS_TOKEN"] == token)
        #expect(child["CODEX_API_KEY"] == nil)
        #expect(child["OPENAI_API_KEY"] == nil)
        #expect(child["CODEX_CREDENTIAL_PASSPHRASE"] == nil)
        #expect(child["KEEP_ME"] == "kept")
        #expect(child["CODEX_CREDENTIAL_HELPER_EXEC"] == home)
        #expect(!result.err.contains(token))

        // An API key goes into CODEX_API_KEY instead.
        let key = TestTokens.apiKey()
        try #require(try helper(["login", "--with-api-key"], in: sandbox, stdin: .text(key), environment: env).status == 0)
        let apiKey = parseEnvironment(try helper(["exec", "--", "env", "-0"], in: sandbox, environment: env).stdout)
        #expect(apiKey["CODEX_API_KEY"] == key)
        #expect(apiKey["CODEX_ACCESS_TOKEN"] == nil)
    }

    @Test func execPassesExitStatusesAndSignalsAndKeepsTheTokenOutOfArgv() throws {
        let sandbox = try KeyringSandbox()
        let home = try sandbox.makeCodexHome()
        let env = ["CODEX_HOME": home]
        let token = TestTokens.personal()
        try #require(try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(token), environment: env).status == 0)

        for status in [0, 3, 255] {
            let result = try helper(["exec", "--", "sh", "-c", "exit \(status)"], in: sandbox, environment: env)
            #expect(result.status == Int32(status))
            #expect(!result.signaled)
        }
        let killed = try helper(["exec", "--", "sh", "-c", "kill -TERM $$"], in: sandbox, environment: env)
        #expect(killed.signaled, "the helper became the command, so it died of the command's signal")
        #expect(killed.status == SIGTERM)

        // The command line the child sees is exactly the one given; the token is only in its environment.
        let argv = try helper(["exec", "--", "sh", "-c", "tr '\\0' '\\n' < /proc/$$/cmdline; echo; echo \"$CODEX_ACCESS_TOKEN\" | wc -c"],
                              in: sandbox, environment: env)
        #expect(!argv.out.split(separator: "\n").dropLast().contains { $0.contains(token) }, "\(argv.out)")
        #expect(argv.out.hasSuffix("\(token.count + 1)\n"))

        let missing = try helper(["exec", "--", "no-such-command-anywhere"], in: sandbox, environment: env)
        #expect(missing.status == 127)
        #expect(missing.err.contains("command not found"))
        let notExecutable = sandbox.home.path + "/not-executable"
        try "#!/bin/sh\n".write(toFile: notExecutable, atomically: true, encoding: .utf8)
        chmod(notExecutable, 0o644)
        let cannot = try helper(["exec", "--", notExecutable], in: sandbox, environment: env)
        #expect(cannot.status == 126, "\(cannot)")

        let nested = try helper(["exec", "--", TestPaths.helperBinary, "exec", "--", "true"], in: sandbox, environment: env)
        #expect(nested.status == 64)
        #expect(nested.err.contains("Already inside"))
        let usage = try helper(["exec"], in: sandbox, environment: env)
        #expect(usage.status == 64)
    }

    @Test func expiredCredentialsAreRefusedByExecAndGet() throws {
        let sandbox = try KeyringSandbox()
        let home = try sandbox.makeCodexHome()
        let account = try codexAccount(home)
        // A Codex-written agent identity whose JWT expired (the helper itself would refuse to store it).
        let jwt = TestTokens.agentIdentity(expiresAt: Date(timeIntervalSince1970: 1_700_000_000))
        let attributes = #"{"service":"Codex Auth","username":"\#(account)","target":"default","application":"rust-keyring"}"#
        try #require(try sandbox.inspector(["create", attributes, #"{"auth_mode":"agentIdentity","OPENAI_API_KEY":null,"agent_identity":"\#(jwt)"}"#]).status == 0)
        let env = ["CODEX_HOME": home]
        let marker = sandbox.home.path + "/ran"
        let exec = try helper(["exec", "--", "touch", marker], in: sandbox, environment: env)
        #expect(exec.status == 67, "\(exec)")
        #expect(exec.err.contains("expired at 2023-11-14T22:13:20Z"))
        #expect(exec.err.contains("rotate"))
        #expect(!FileManager.default.fileExists(atPath: marker), "nothing ran")
        let get = try helper(["get", "--format", "token"], in: sandbox, environment: env)
        #expect(get.status == 67)
        #expect(get.out.isEmpty)
        let inspect = try helper(["get", "--allow-expired"], in: sandbox, environment: env)
        #expect(inspect.status == 0)
        #expect(inspect.out.contains("expires_at=2023-11-14T22:13:20Z\n"))

        // A personal access token whose recorded expiry passes (file backend).
        let fileHome = try sandbox.makeCodexHome()
        let fileEnv = ["CODEX_HOME": fileHome, "CODEX_CREDENTIAL_BACKEND": "file"]
        let login = try helper(["login", "--with-access-token", "--expires-in", "1s"], in: sandbox,
                               stdin: .text(TestTokens.personal()), environment: fileEnv)
        #expect(login.status == 0)
        #expect(login.err.contains("Warning: that is within 7 days"))
        Thread.sleep(forTimeInterval: 2.1)
        #expect(try helper(["exec", "--", "true"], in: sandbox, environment: fileEnv).status == 67)
        let status = try helper(["status"], in: sandbox, environment: fileEnv)
        #expect(status.out.contains("EXPIRED at"))
    }

    @Test(arguments: KeyringSandbox.realProviders)
    func listShowsEveryHomeInBothBackendsWithoutSecrets(_ provider: KeyringSandbox.Provider) throws {
        let sandbox = try KeyringSandbox(provider)
        let homes = try (0..<3).map { _ in try sandbox.makeCodexHome() }
        var tokens: [String] = []
        for (index, home) in homes.enumerated() {
            let token = TestTokens.personal()
            tokens.append(token)
            let backend = index == 2 ? "file" : "secret-service"
            let login = try helper(["login", "--with-access-token", "--name", "job-\(index)", "--expires-in", "30d",
                                    "--backend", backend, "--codex-home", home], in: sandbox, stdin: .text(token))
            try #require(login.status == 0, "\(login)")
        }
        let jwt = TestTokens.agentIdentity(expiresAt: Date(timeIntervalSince1970: 4_102_444_800))
        let jwtHome = try sandbox.makeCodexHome()
        try #require(try helper(["login", "--with-access-token", "--codex-home", jwtHome], in: sandbox, stdin: .text(jwt)).status == 0)

        let table = try helper(["list"], in: sandbox)
        #expect(table.status == 0, "\(table)")
        for (index, home) in homes.enumerated() {
            let line = table.out.split(separator: "\n").first { $0.contains(home) }
            #expect(line?.contains("job-\(index)") == true, "\(table.out)")
            #expect(line?.contains(index == 2 ? " file " : " secret-service ") == true, "\(line ?? "")")
        }
        #expect(table.out.contains("2100-01-01T00:00:00Z"), "the JWT's expiry")
        for token in tokens + [jwt] { #expect(!table.out.contains(token) && !table.err.contains(token)) }

        let json = try helper(["list", "--json"], in: sandbox)
        let entries = try #require(try JSONSerialization.jsonObject(with: json.stdout) as? [[String: Any]])
        #expect(entries.count == 4)
        #expect(Set(entries.compactMap { $0["backend"] as? String }) == ["secret-service", "file"])
        #expect(Set(entries.compactMap { $0["codex_home"] as? String }) == Set(homes + [jwtHome]))
        #expect(entries.allSatisfy { $0["expired"] as? Bool == false })
        #expect(entries.contains { $0["kind"] as? String == "agent_identity" && $0["expires_at"] as? String == "2100-01-01T00:00:00Z" })
        for token in tokens + [jwt] { #expect(!json.out.contains(token)) }
    }

    @Test(arguments: backends)
    func rotateCommitsOnlyWhenTheSmokeTestPasses(_ backend: String) throws {
        let sandbox = try KeyringSandbox()
        let home = try sandbox.makeCodexHome()
        let env = ["CODEX_HOME": home, "CODEX_CREDENTIAL_BACKEND": backend]
        let old = TestTokens.personal()
        try #require(try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(old), environment: env).status == 0)

        // A failing smoke test: the old credential stays and its exit status is passed through.
        let rejected = TestTokens.personal()
        let seen = sandbox.home.path + "/seen"
        let failing = try helper(["rotate", "--smoke-test", "printf %s \"$CODEX_ACCESS_TOKEN\" > \(seen); exit 42"], in: sandbox,
                                 stdin: .text(rejected), environment: env)
        #expect(failing.status == 42, "\(failing)")
        #expect(failing.err.contains("smoke test failed"))
        #expect(try String(contentsOfFile: seen, encoding: .utf8) == rejected, "the smoke test ran with the new token")
        #expect(try helper(["get", "--format", "token"], in: sandbox, environment: env).out == old + "\n")

        // Readers running during a passing rotation see the old or the new token, never nothing.
        let new = TestTokens.personal()
        let stop = ConcurrentResults<Bool>(1)
        let readerResults = ConcurrentResults<[String]>(4)
        let readers = DispatchGroup()
        for reader in 0..<4 {
            readers.enter()
            Thread {
                var seenTokens: [String] = []
                while stop.values[0] != true {
                    let get = try? runProcess(TestPaths.helperBinary, ["get", "--format", "token"],
                                              environment: sandbox.environment.merging(env) { $1 }, deadline: 30)
                    seenTokens.append(get.map { $0.status == 0 ? $0.out : "status \($0.status): \($0.err)" } ?? "failed")
                }
                readerResults.set(reader, seenTokens)
                readers.leave()
            }.start()
        }
        let passing = try helper(["rotate", "--expires-in", "30d", "--smoke-test", "test -n \"$CODEX_ACCESS_TOKEN\""], in: sandbox,
                                 stdin: .text(new), environment: env)
        Thread.sleep(forTimeInterval: 0.3)
        stop.set(0, true)
        readers.wait()
        #expect(passing.status == 0, "\(passing)")
        #expect(passing.err.contains("smoke test passed"))
        #expect(passing.err.contains("Now revoke the old personal access token"), "\(passing.err)")
        #expect(try helper(["get", "--format", "token"], in: sandbox, environment: env).out == new + "\n")
        let observed = readerResults.values.compactMap { $0 }.flatMap { $0 }
        #expect(!observed.isEmpty)
        for value in observed { #expect(value == old + "\n" || value == new + "\n", "a reader saw: \(value)") }
        if backend == "secret-service" { #expect(try sandbox.codexItems().count == 1) }
    }

    @Test func tokenCommandContractAndEnvironmentPrecedence() throws {
        let sandbox = try KeyringSandbox()
        let home = try sandbox.makeCodexHome()
        let env = ["CODEX_HOME": home]
        let stored = TestTokens.personal()
        try #require(try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(stored), environment: env).status == 0)

        // As Codex runs a token command: stdin closed, trimmed stdout, a 5 s budget (the harness kills at 5 s).
        let command = try helper(["get", "--format", "token", "--timeout", "3"], in: sandbox, stdin: .closed,
                                 environment: env, deadline: 5)
        #expect(command.status == 0)
        #expect(command.out.trimmingCharacters(in: .whitespacesAndNewlines) == stored)
        let none = try helper(["get", "--format", "token"], in: sandbox, stdin: .closed,
                              environment: ["CODEX_HOME": try sandbox.makeCodexHome()], deadline: 5)
        #expect(none.status != 0)
        #expect(none.out.isEmpty)
        #expect(none.err.split(separator: "\n").count == 1)

        let fromEnvironment = TestTokens.personal()
        let precedence = try helper(["get"], in: sandbox,
                                    environment: env.merging(["CODEX_ACCESS_TOKEN": " \(fromEnvironment)\n"]) { $1 })
        #expect(precedence.out.contains("token=\(fromEnvironment)\n"))
        #expect(precedence.out.contains("backend=environment\n"))
        let noEnv = try helper(["get", "--no-env"], in: sandbox, environment: env.merging(["CODEX_ACCESS_TOKEN": fromEnvironment]) { $1 })
        #expect(noEnv.out.contains("token=\(stored)\n"))
        let empty = try helper(["get"], in: sandbox, environment: env.merging(["CODEX_ACCESS_TOKEN": "  "]) { $1 })
        #expect(empty.out.contains("backend=secret-service\n"), "an empty variable means unset")

        let status = try helper(["status"], in: sandbox, environment: env.merging(["CODEX_ACCESS_TOKEN": fromEnvironment]) { $1 })
        #expect(status.out.contains("differs from the stored credential"))
        #expect(!status.out.contains(fromEnvironment) && !status.out.contains(stored))
    }
}
