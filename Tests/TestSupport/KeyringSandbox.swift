import Foundation

/// A private D-Bus session bus with (optionally) a real gnome-keyring-daemon on it, in a throwaway HOME.
///
/// Each sandbox has its own bus: no service activation (so nothing starts behind the test's back), its own
/// HOME, XDG_RUNTIME_DIR and keyring files. `environment` is the complete environment for a child process.
public final class KeyringSandbox: @unchecked Sendable {
    public enum Provider {
        /// gnome-keyring-daemon with its login collection unlocked (the password is `password`).
        case gnomeKeyring
        /// A bus with nobody owning org.freedesktop.secrets.
        case none
        /// A D-Bus service that owns org.freedesktop.secrets and never answers.
        case hanging
        /// A D-Bus service that owns org.freedesktop.secrets and answers every call with an error.
        case failing
        /// An in-memory Secret Service that offers only the "plain" session algorithm.
        case plainOnly
        /// plain-only, refusing every write of an item's attributes (InvalidArgs).
        case refuseAttributes
        /// plain-only, with its collection named as KWallet names one: path '…/collection/Default_20keyring', label
        /// 'Default keyring'.
        case escapedCollection
        /// The same, asking for a prompt to be answered before it deletes an item (see secret_service.py).
        case confirmDelete
        /// The same, with a prompt that fails (IsLocked).
        case confirmDeleteFails
        /// The same, with a prompt that waits for a person nobody is; `dismissals` (a file under root) gets a line
        /// for each Dismiss.
        case confirmDeleteWaits
        /// KeePassXC (its Secret Service integration) with a database whose root group is exposed, unlocked, under
        /// an Xvfb display of the sandbox's own.
        case keepassxc(KeePassXCSettings = KeePassXCSettings())
    }

    /// KeePassXC's [FdoSecrets] settings (see ../shared/secret-service-providers.md).
    public struct KeePassXCSettings: Sendable {
        /// Ask a person before a new client reads an item (KeePassXC's default is on).
        public var confirmAccess = false
        /// Ask a person before an item is deleted.
        public var confirmDelete = false
        /// A search on a locked database asks to unlock it (on), or finds nothing (off).
        public var unlockBeforeSearch = true

        public init(confirmAccess: Bool = false, confirmDelete: Bool = false, unlockBeforeSearch: Bool = true) {
            self.confirmAccess = confirmAccess
            self.confirmDelete = confirmDelete
            self.unlockBeforeSearch = unlockBeforeSearch
        }
    }

    /// The real providers every keyring flow is tested against.
    public static let realProviders: [Provider] = [.gnomeKeyring, .keepassxc()]

    public static let password = "sandbox-password"

    public let root: URL
    public let home: URL
    public let runtimeDirectory: URL
    public private(set) var busAddress = ""
    /// The X display of the sandbox's own Xvfb (KeePassXC only), e.g. ":3".
    public private(set) var display: String?
    /// Whether the provider is KeePassXC.
    public var isKeePassXC: Bool { display != nil }
    private var processes: [ChildProcess] = []

    public init(_ provider: Provider = .gnomeKeyring) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("cch-sandbox-\(UUID().uuidString)")
        home = root.appendingPathComponent("home")
        runtimeDirectory = root.appendingPathComponent("run")
        for directory in [home, runtimeDirectory] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            chmod(directory.path, 0o700)
        }
        do {
            try startBus()
            switch provider {
            case .gnomeKeyring: try startGnomeKeyring()
            case .none: break
            case .hanging: try startTestDouble("hang")
            case .failing: try startTestDouble("fail")
            case .plainOnly: try startTestDouble("plain-only")
            case .refuseAttributes: try startTestDouble("refuse-attributes")
            case .escapedCollection: try startTestDouble("escaped-collection")
            case .confirmDelete: try startTestDouble("confirm-delete")
            case .confirmDeleteFails: try startTestDouble("confirm-delete-fails")
            case .confirmDeleteWaits: try startTestDouble("confirm-delete-waits", dismissals.path)
            case .keepassxc(let settings): try startKeePassXC(settings)
            }
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    /// The full environment for a child: nothing leaks in from the test runner (no DISPLAY, no real HOME).
    public var environment: [String: String] {
        [
            "HOME": home.path,
            "XDG_RUNTIME_DIR": runtimeDirectory.path,
            "DBUS_SESSION_BUS_ADDRESS": busAddress,
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
        ]
    }

    /// The environment of a program that shows windows on the sandbox's display (KeePassXC, xdotool).
    public var desktopEnvironment: [String: String] {
        var environment = self.environment
        environment["DISPLAY"] = display ?? ""
        environment["TMPDIR"] = root.appendingPathComponent("tmp").path
        return environment
    }

    /// A fresh directory under HOME, to serve as a CODEX_HOME.
    public func makeCodexHome(_ name: String = "codex-\(UUID().uuidString.prefix(8))") throws -> String {
        let url = home.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    /// Runs the inspector (`Tests/Support/secret_service.py`) against this bus.
    @discardableResult
    public func inspector(_ arguments: [String]) throws -> ProcessResult {
        try runProcess(TestPaths.systemPython, [TestPaths.inspector] + arguments, environment: environment, deadline: 30)
    }

    /// Every item (in every collection) with `service = Codex Auth`, read over D-Bus without the helper.
    public func codexItems() throws -> [KeyringItem] {
        let result = try inspector(["items", "Codex Auth"])
        guard result.status == 0, !result.timedOut else { throw SandboxError.failed("items: \(result)") }
        let decoded = try JSONDecoder().decode(ItemListing.self, from: result.stdout)
        return decoded.items
    }

    public func defaultCollection() throws -> String {
        try inspector(["default-collection"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func stop() {
        for process in processes.reversed() where process.isRunning {
            process.signal(SIGKILL)
            process.wait()
        }
        processes.removeAll()
        try? FileManager.default.removeItem(at: root)
    }

    // MARK: - Start-up

    private func track(_ process: ChildProcess) {
        processes.append(process)
        SandboxReaper.register(process.pid)
    }

    private func startBus() throws {
        let config = root.appendingPathComponent("session.conf")
        let socket = runtimeDirectory.appendingPathComponent("bus").path
        try """
        <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
         "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
        <busconfig>
          <type>session</type>
          <listen>unix:path=\(socket)</listen>
          <auth>EXTERNAL</auth>
          <policy context="default">
            <allow send_destination="*" eavesdrop="true"/>
            <allow eavesdrop="true"/>
            <allow own="*"/>
          </policy>
          <!-- A session bus's limits (as /usr/share/dbus-1/session.conf), not the system bus's low defaults. -->
          <limit name="max_incoming_bytes">1000000000</limit>
          <limit name="max_outgoing_bytes">1000000000</limit>
          <limit name="max_message_size">1000000000</limit>
          <limit name="auth_timeout">240000</limit>
          <limit name="max_completed_connections">100000</limit>
          <limit name="max_incomplete_connections">10000</limit>
          <limit name="max_connections_per_user">100000</limit>
          <limit name="max_names_per_connection">50000</limit>
          <limit name="max_match_rules_per_connection">50000</limit>
          <limit name="max_replies_per_connection">50000</limit>
        </busconfig>
        """.write(to: config, atomically: true, encoding: .utf8)
        let process = try ChildProcess(
            "/usr/bin/dbus-daemon", ["--config-file=\(config.path)", "--nofork", "--print-address=1"],
            environment: ["PATH": "/usr/bin:/bin"], stdin: .null, stdout: .pipe, stderr: .null)
        track(process)
        busAddress = try firstLine(of: process.output, from: "dbus-daemon")
    }

    /// Kills gnome-keyring-daemon outright (SIGKILL), as a crash would.
    public func killKeyring() {
        guard let keyring = keyringProcess, keyring.isRunning else { return }
        keyring.signal(SIGKILL)
        keyring.wait()
    }

    /// Starts gnome-keyring-daemon again on the same HOME: it reloads the login keyring from disk and unlocks it.
    public func restartKeyring() throws {
        killKeyring()
        try startGnomeKeyring()
    }

    /// Kills the session bus itself.
    public func killBus() {
        guard let bus = processes.first, bus.isRunning else { return }
        bus.signal(SIGKILL)
        bus.wait()
    }

    private var keyringProcess: ChildProcess?

    private func startGnomeKeyring() throws {
        let process = try ChildProcess(
            "/usr/bin/gnome-keyring-daemon", ["--foreground", "--unlock", "--components=secrets"],
            environment: environment, stdin: .pipe, stdout: .null, stderr: .null)
        track(process)
        keyringProcess = process
        process.send(Data(KeyringSandbox.password.utf8))
        let ready = try inspector(["wait-ready"])
        guard ready.status == 0 else { throw SandboxError.failed("gnome-keyring did not come up: \(ready)") }
    }

    /// KeePassXC: an Xvfb display, a database made with keepassxc-cli whose root group is exposed, the settings,
    /// then KeePassXC itself with the database password on stdin; ready once its collection is unlocked.
    private func startKeePassXC(_ settings: KeePassXCSettings) throws {
        let tmp = root.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        chmod(tmp.path, 0o700)
        let xvfb = try ChildProcess(
            "/usr/bin/Xvfb", ["-displayfd", "1", "-nolisten", "tcp", "-screen", "0", "1280x800x24"],
            environment: ["PATH": "/usr/bin:/bin"], stdin: .null, stdout: .pipe, stderr: .null)
        track(xvfb)
        display = ":" + (try firstLine(of: xvfb.output, from: "Xvfb"))
        let database = root.appendingPathComponent("codex.kdbx").path
        try keepassxcSupport(["make-db", database, KeyringSandbox.password])
        try keepassxcSupport([
            "settings", home.appendingPathComponent(".config").path,
            "ConfirmAccessItem=\(settings.confirmAccess)", "ConfirmDeleteItem=\(settings.confirmDelete)",
            "UnlockBeforeSearch=\(settings.unlockBeforeSearch)",
        ])
        let process = try ChildProcess(
            "/usr/bin/keepassxc", ["--pw-stdin", database], environment: desktopEnvironment, stdin: .pipe,
            stdout: .null, stderr: .null)
        track(process)
        process.send(Data((KeyringSandbox.password + "\n").utf8))
        try keepassxcSupport(["wait-ready"])
    }

    /// Runs Tests/Support/keepassxc.py with the sandbox's desktop environment.
    @discardableResult
    public func keepassxcSupport(_ arguments: [String], deadline: TimeInterval = 60) throws -> ProcessResult {
        let result = try runProcess(
            TestPaths.systemPython, [TestPaths.keepassxcSupport] + arguments, environment: desktopEnvironment,
            deadline: deadline)
        guard result.status == 0, !result.timedOut else { throw SandboxError.failed("keepassxc.py \(arguments[0]): \(result)") }
        return result
    }

    /// Where the `confirmDeleteWaits` double records the prompts it was asked to dismiss.
    public var dismissals: URL { root.appendingPathComponent("dismissals") }

    private func startTestDouble(_ mode: String, _ arguments: String...) throws {
        let process = try ChildProcess(
            TestPaths.systemPython, [TestPaths.inspector, mode] + arguments, environment: environment, stdin: .null,
            stdout: .pipe,
            stderr: .null)
        track(process)
        _ = try firstLine(of: process.output, from: "the test double")
    }

    /// Waits for a child's first line of output (its ready signal).
    private func firstLine(of fd: Int32, from name: String) throws -> String {
        var line = Data()
        var byte: UInt8 = 0
        while !line.contains(0x0A) {
            let count = read(fd, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { throw SandboxError.failed("\(name) exited before it was ready") }
            line.append(byte)
        }
        return String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

public enum SandboxError: Error, CustomStringConvertible {
    case failed(String)
    public var description: String {
        switch self {
        case let .failed(text): return text
        }
    }
}

/// One keyring item as the inspector sees it over D-Bus.
public struct KeyringItem: Decodable, Equatable {
    public var path: String
    public var collection: String
    public var label: String
    public var attributes: [String: String]
    public var locked: Bool
    public var secret: String?
    public var content_type: String?
}

private struct ItemListing: Decodable {
    var default_collection: String
    var items: [KeyringItem]
}

/// Kills every daemon a sandbox started when the test process exits, even for sandboxes that are never
/// deinitialised (a shared one held in a static), so that no gnome-keyring or dbus-daemon outlives the tests.
enum SandboxReaper {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var pids: [pid_t] = []
    nonisolated(unsafe) private static var installed = false

    static func register(_ pid: pid_t) {
        lock.lock()
        defer { lock.unlock() }
        pids.append(pid)
        if !installed {
            installed = true
            atexit { SandboxReaper.killAll() }
        }
    }

    static func killAll() {
        lock.lock()
        let all = pids
        pids.removeAll()
        lock.unlock()
        for pid in all.reversed() { kill(pid, SIGKILL) }
    }
}
