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
        Case(mode: "hangup", status: 69, message: "Cannot reach the D-Bus session bus (The connection is closed); no "
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

    /// A session bus run by another user (one who took over a stale socket path, say): the helper checks the bus's
    /// peer (SO_PEERCRED) before anything goes out, refuses with 69 and says why; auto uses the file. Running a bus
    /// as another user needs root.
    @Test(.enabled(if: getuid() == 0, "running a bus as another user needs root"))
    func aBusRunByAnotherUserIsRefused() throws {
        let sandbox = try KeyringSandbox(.none)
        let home = try sandbox.makeCodexHome()
        let directory = sandbox.root.appendingPathComponent("foreign")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        chown(directory.path, 65534, 65534)
        chmod(sandbox.root.path, 0o755)
        let config = directory.appendingPathComponent("bus.conf")
        try """
        <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
         "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
        <busconfig>
          <type>session</type>
          <listen>unix:path=\(directory.path)/bus</listen>
          <auth>EXTERNAL</auth>
          <policy context="default">
            <allow user="*"/><allow own="*"/><allow send_destination="*"/><allow receive_sender="*"/>
          </policy>
        </busconfig>
        """.write(to: config, atomically: true, encoding: .utf8)
        chmod(config.path, 0o644)
        let bus = try ChildProcess(
            "/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/dbus-daemon",
                                 "--config-file=\(config.path)", "--nofork", "--print-address=1"],
            environment: ["PATH": "/usr/bin:/bin"], stdin: .null, stdout: .pipe, stderr: .null)
        defer {
            bus.signal(SIGKILL)
            _ = bus.wait(timeout: 5)
        }
        var address = Data()
        var byte: UInt8 = 0
        while !address.contains(0x0A), read(bus.output, &byte, 1) == 1 { address.append(byte) }
        let env = ["DBUS_SESSION_BUS_ADDRESS": String(decoding: address, as: UTF8.self)
                       .trimmingCharacters(in: .whitespacesAndNewlines), "CODEX_HOME": home]
        try #require(env["DBUS_SESSION_BUS_ADDRESS"]?.hasPrefix("unix:") == true, "the foreign bus did not start")

        let token = TestTokens.personal()
        let strict = try helper(["login", "--with-access-token", "--backend", "secret-service", "--verbose"], in: sandbox,
                                stdin: .text(token), environment: env)
        #expect(strict.status == 69, "\(strict)")
        #expect(strict.err.contains("is run by another user (uid 65534), not by you"), "\(strict.err)")
        #expect(!strict.err.contains("searching the keyring"), "nothing was asked of that bus")
        let auto = try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(token), environment: env)
        #expect(auto.status == 0, "\(auto)")
        #expect(auto.err.contains("the session bus belongs to another user"), "\(auto.err)")
        #expect(FileManager.default.fileExists(atPath: home + "/credentials.sealed"))
    }
}
