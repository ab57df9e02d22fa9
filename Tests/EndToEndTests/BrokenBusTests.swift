import Foundation
import TestSupport
import Testing

/// The helper's D-Bus connection (GDBus, under libsecret) against session buses that misbehave below the Secret
/// Service: one that never answers the authentication, one that refuses it, one that sends bytes that are not a
/// message, one that hangs up.
/// Each ends with its own clear error within --timeout, never a hang, and the file copy still answers under auto.
@Suite("End to end: a broken session bus")
struct BrokenBusTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var mode: String
        var status: Int32
        var message: String
        var testDescription: String { mode }
    }

    @Test(arguments: [
        Case(mode: "silent", status: 75, message: "did not answer within 2 s while connecting to the session bus"),
        Case(mode: "rejected", status: 69, message: "(Exhausted all available authentication mechanisms"),
        Case(mode: "garbage", status: 69, message: "GLib reported: GLib-GIO: _g_dbus_worker_do_read_cb: error determining "
             + "bytes needed: Unable to determine message blob length - given blob is malformed."),
        Case(mode: "hangup", status: 69, message: "while connecting to the session bus (The connection is closed); no "
             + "keyring is available"),
    ])
    func aBrokenBusGivesAClearErrorInTime(_ broken: Case) throws {
        let sandbox = try KeyringSandbox(.none)
        let home = try sandbox.makeCodexHome()
        let socket = sandbox.runtimeDirectory.appendingPathComponent("broken-bus").path
        let bus = try ChildProcess(TestPaths.systemPython, [TestPaths.repositoryRoot + "/Tests/Support/fake_bus.py", socket,
                                                             broken.mode], environment: sandbox.environment,
                                 stdout: .null, stderr: .null)
        defer {
            bus.signal(SIGKILL)
            _ = bus.wait(timeout: 5)
        }
        let started = Date()
        while !FileManager.default.fileExists(atPath: socket) {
            guard Date().timeIntervalSince(started) < 10 * Double(TestTiming.scale), bus.isRunning else {
                Issue.record("the fake bus did not start")
                return
            }
            usleep(10_000)
        }
        let env = ["DBUS_SESSION_BUS_ADDRESS": "unix:path=" + socket, "CODEX_HOME": home]
        let token = TestTokens.personal()
        let fileLogin = try helper(["login", "--with-access-token", "--backend", "file"], in: sandbox,
                                   stdin: .text(token), environment: env)
        #expect(fileLogin.status == 0, "\(fileLogin)")

        let strict = try helper(["get", "--format", "token", "--backend", "secret-service", "--timeout", "2"], in: sandbox,
                                environment: env)
        #expect(strict.status == broken.status, "\(strict)")
        #expect(strict.err.contains(broken.message), "\(strict.err)")
        #expect(strict.out.isEmpty)

        // Under auto the keyring failure is noted and the file answers.
        let auto = try helper(["get", "--format", "token", "--timeout", "2"], in: sandbox, environment: env)
        #expect(auto.status == 0 && auto.out == token + "\n", "\(auto)")
    }
}
