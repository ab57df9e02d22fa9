import Foundation
import TestSupport
import Testing

/// Starts the helper without waiting for it.
func startHelper(_ arguments: [String], in sandbox: KeyringSandbox, input: String?, environment: [String: String]) throws
    -> ChildProcess
{
    let process = try ChildProcess(
        TestPaths.helperBinary, arguments, environment: sandbox.environment.merging(environment) { $1 },
        stdin: input == nil ? .null : .pipe, stdout: .null, stderr: .null)
    if let input { process.send(Data(input.utf8)) }
    return process
}

/// Waits for a process at most `seconds`; kills it and returns nil if it is still running then.
func wait(_ process: ChildProcess, atMost seconds: TimeInterval) -> Int32? {
    guard let raw = process.wait(timeout: seconds) else {
        process.signal(SIGKILL)
        process.wait()
        return nil
    }
    return ChildProcess.decode(raw).status
}

@Suite("End to end: the keyring crashing, the bus vanishing, the provider failing, the helper killed")
struct KeyringFaultTests {
    @Test func keyringKilledDuringStoreAndGet() throws {
        let sandbox = try KeyringSandbox()
        let home = try sandbox.makeCodexHome()
        let env = ["CODEX_HOME": home, "CODEX_CREDENTIAL_BACKEND": "secret-service"]
        var current = TestTokens.personal()
        try #require(try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(current), environment: env).status == 0)
        var outcomes: [Int32: Int] = [:]
        for round in 0..<12 {
            let next = TestTokens.personal()
            let store = try startHelper(["store", "--timeout", "2"], in: sandbox, input: "token=\(next)\n", environment: env)
            let get = try startHelper(["get", "--format", "token", "--timeout", "2"], in: sandbox, input: nil, environment: env)
            usleep(UInt32.random(in: 0...40_000))
            sandbox.killKeyring()
            let storeStatus = wait(store, atMost: 10)
            let getStatus = wait(get, atMost: 10)
            #expect(storeStatus != nil && getStatus != nil, "round \(round): a helper hung after the keyring died")
            for status in [storeStatus, getStatus].compactMap({ $0 }) {
                #expect([0, 69, 75].contains(status), "round \(round): status \(status) is not a clear keyring error")
                outcomes[status, default: 0] += 1
            }
            try sandbox.restartKeyring()
            let items = try sandbox.codexItems()
            #expect(items.count == 1, "round \(round): \(items.count) items")
            let secret = items.first?.secret ?? ""
            let holdsOld = secret.contains(current)
            let holdsNew = secret.contains(next)
            #expect(holdsOld || holdsNew, "round \(round): the keyring holds neither credential")
            if holdsNew { current = next }
        }
        #expect(outcomes.keys.contains { $0 != 0 }, "no helper call was ever cut off (\(outcomes)): the kill came too late")
    }

    @Test func busVanishingMidCallIsUnavailableNotATimeout() throws {
        let sandbox = try KeyringSandbox(.hanging)
        let get = try startHelper(["get", "--backend", "secret-service", "--timeout", "20"], in: sandbox, input: nil,
                                  environment: [:])
        usleep(500_000)
        sandbox.killBus()
        let status = wait(get, atMost: 10)
        #expect(status == 69, "the helper noticed the bus going away (69), not its 20 s timeout (75) or a hang (nil)")
    }

    @Test func providerAnsweringWithErrorsIsUnavailable() throws {
        let sandbox = try KeyringSandbox(.failing)
        let home = try sandbox.makeCodexHome()
        let strict = try helper(["login", "--with-access-token", "--backend", "secret-service", "--codex-home", home],
                                in: sandbox, stdin: .text(TestTokens.personal()), deadline: 10)
        #expect(strict.status == 69, "\(strict)")
        #expect(strict.err.contains("failed"))
        // The provider's text is shown with its control characters escaped: no screen cleared, no forged line.
        #expect(!strict.stderr.contains(0x1B), "\(strict.err)")
        #expect(strict.err.contains("always fails\\u{1b}[2J\\u{a}codex-credential-helper: Stored OK"), "\(strict.err)")
        #expect(!strict.err.split(separator: "\n").contains { $0.hasPrefix("codex-credential-helper: Stored OK") })
        let token = TestTokens.personal()
        let auto = try helper(["login", "--with-access-token", "--codex-home", home], in: sandbox, stdin: .text(token), deadline: 10)
        #expect(auto.status == 0, "auto falls back to the file: \(auto)")
        #expect(try helper(["get", "--format", "token", "--codex-home", home], in: sandbox, deadline: 10).out == token + "\n")
    }

    @Test func helperKilledDuringAKeyringStoreLeavesOldOrNew() throws {
        let sandbox = try KeyringSandbox()
        let home = try sandbox.makeCodexHome()
        let env = ["CODEX_HOME": home, "CODEX_CREDENTIAL_BACKEND": "secret-service"]
        var current = TestTokens.personal()
        try #require(try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(current), environment: env).status == 0)
        var sawOld = 0
        var sawNew = 0
        for round in 0..<25 {
            let next = TestTokens.personal()
            let store = try startHelper(["store"], in: sandbox, input: "token=\(next)\n", environment: env)
            usleep(UInt32.random(in: 0...30_000))
            store.signal(SIGKILL)
            store.wait()
            let items = try sandbox.codexItems()
            #expect(items.count == 1, "round \(round)")
            let get = try helper(["get", "--format", "token"], in: sandbox, environment: env)
            #expect(get.status == 0, "round \(round): \(get)")
            if get.out == next + "\n" {
                sawNew += 1
                current = next
            } else {
                #expect(get.out == current + "\n", "round \(round): neither credential")
                sawOld += 1
            }
        }
        #expect(sawOld > 0, "no kill interrupted a store")
    }
}
