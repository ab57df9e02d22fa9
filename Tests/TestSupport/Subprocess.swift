import Foundation

/// What a finished child process did.
public struct ProcessResult: CustomStringConvertible {
    public var status: Int32
    /// True when the child died of a signal (then `status` is the signal number).
    public var signaled: Bool
    /// True when the harness had to kill the child at its deadline: the child hung.
    public var timedOut: Bool
    public var stdout: Data
    public var stderr: Data

    public var out: String { String(decoding: stdout, as: UTF8.self) }
    public var err: String { String(decoding: stderr, as: UTF8.self) }

    public var description: String {
        "status=\(status) signaled=\(signaled) timedOut=\(timedOut)\nstdout: \(out)\nstderr: \(err)"
    }
}

/// How the child's standard input is set up.
public enum StandardInput {
    case bytes(Data)
    case text(String)
    case devNull
    /// File descriptor 0 closed outright, as some callers leave it.
    case closed
}

/// A child process started with posix_spawn: exactly the given environment, no signal blocked, stdin/stdout/stderr
/// as asked. (Not Foundation's Process: on Linux its run() was seen crashing in memcpy when many tests spawn at once,
/// and its waitUntilExit() spins.) A dedicated thread waits for it, so that `wait(timeout:)` never polls.
public final class ChildProcess: @unchecked Sendable {
    public enum Stream { case pipe, null, closed }

    public let pid: pid_t
    /// Our ends of the pipes: write to `input`, read `output` and `errors`. -1 where there is no pipe.
    public private(set) var input: Int32 = -1
    public private(set) var output: Int32 = -1
    public private(set) var errors: Int32 = -1
    private let exited = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var waitStatus: Int32?
    private static let spawnLock = NSLock()

    public init(_ executable: String, _ arguments: [String], environment: [String: String], stdin: Stream = .null,
                stdout: Stream = .pipe, stderr: Stream = .pipe) throws {
        // One spawn at a time: pipes are made close-on-exec after pipe(), and a child spawned by another thread in
        // between would inherit our ends and keep them open.
        ChildProcess.spawnLock.lock()
        defer { ChildProcess.spawnLock.unlock() }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var childEnds: [Int32] = []
        var ourEnds: [Int32] = []
        func setUp(_ stream: Stream, target: Int32, childReads: Bool) -> Int32 {
            switch stream {
            case .closed:
                posix_spawn_file_actions_addclose(&actions, target)
                return -1
            case .null:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", childReads ? O_RDONLY : O_WRONLY, 0)
                return -1
            case .pipe:
                var fds: [Int32] = [0, 0]
                pipe(&fds)
                for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
                let (child, ours) = childReads ? (fds[0], fds[1]) : (fds[1], fds[0])
                posix_spawn_file_actions_adddup2(&actions, child, target)
                childEnds.append(child)
                ourEnds.append(ours)
                return ours
            }
        }
        let inFD = setUp(stdin, target: 0, childReads: true)
        let outFD = setUp(stdout, target: 1, childReads: false)
        let errFD = setUp(stderr, target: 2, childReads: false)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // As a shell starts its children: nothing blocked, every signal at its default action.
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigfillset(&defaults)
        sigdelset(&defaults, SIGKILL)
        sigdelset(&defaults, SIGSTOP)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, &argv, &envp)
        childEnds.forEach { close($0) }
        guard status == 0 else {
            ourEnds.forEach { close($0) }
            throw SandboxError.failed("cannot start \(executable): \(String(cString: strerror(status)))")
        }
        self.pid = pid
        (input, output, errors) = (inFD, outFD, errFD)
        let child = pid
        Thread { [self] in
            var raw: Int32 = 0
            while waitpid(child, &raw, 0) == -1 && errno == EINTR {}
            lock.lock()
            waitStatus = raw
            lock.unlock()
            exited.signal()
        }.start()
    }

    public var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return waitStatus == nil
    }

    /// The raw wait status once the child has exited; nil if it is still running after `timeout` seconds.
    @discardableResult
    public func wait(timeout: TimeInterval = .infinity) -> Int32? {
        if timeout == .infinity {
            exited.wait()
            exited.signal()
        } else if exited.wait(timeout: .now() + timeout) == .success {
            exited.signal()
        }
        lock.lock()
        defer { lock.unlock() }
        return waitStatus
    }

    public func signal(_ signal: Int32) { kill(pid, signal) }

    /// Exit status or signal number, and which of the two.
    public var result: (status: Int32, signaled: Bool)? { wait(timeout: 0).map(ChildProcess.decode) }

    /// Writes `data` to the child's stdin and closes it.
    public func send(_ data: Data) {
        guard input >= 0 else { return }
        feed(input, data)
        input = -1
    }

    deinit {
        for fd in [input, output, errors] where fd >= 0 { close(fd) }
    }

    public static func decode(_ raw: Int32) -> (status: Int32, signaled: Bool) {
        let signal = raw & 0x7F
        return signal == 0 ? ((raw >> 8) & 0xFF, false) : (signal, true)
    }
}

/// Writes all of `data` to `fd`, then closes it. A child that stops reading early gets EPIPE, not us a signal.
public func feed(_ fd: Int32, _ data: Data) {
    signal(SIGPIPE, SIG_IGN)
    data.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                break
            }
            offset += written
        }
    }
    close(fd)
}

/// Runs a program with exactly `environment`, drains stdout and stderr while it runs (so a large output cannot
/// deadlock it), and kills it if it outlives `deadline` seconds.
public func runProcess(
    _ executable: String, _ arguments: [String], environment: [String: String], stdin: StandardInput = .devNull,
    deadline: TimeInterval = 60
) throws -> ProcessResult {
    let stdinStream: ChildProcess.Stream
    switch stdin {
    case .bytes, .text: stdinStream = .pipe
    case .devNull: stdinStream = .null
    case .closed: stdinStream = .closed
    }
    let child = try ChildProcess(executable, arguments, environment: environment, stdin: stdinStream)
    // Blocking reads and writes run on threads of their own: on GCD's small global pool, a busy parallel test run
    // starves them, and a finished child would look hung.
    let collected = Collected()
    let outFD = child.output
    let errFD = child.errors
    let outReader = BlockingTask { collected.setOut(drain(outFD)) }
    let errReader = BlockingTask { collected.setErr(drain(errFD)) }
    outReader.start()
    errReader.start()
    var writer: BlockingTask?
    switch stdin {
    case let .bytes(bytes):
        writer = BlockingTask { child.send(bytes) }
    case let .text(text):
        writer = BlockingTask { child.send(Data(text.utf8)) }
    default:
        break
    }
    writer?.start()
    var timedOut = false
    var raw = child.wait(timeout: deadline)
    if raw == nil {
        timedOut = true
        child.signal(SIGKILL)
        raw = child.wait()
    }
    _ = outReader.wait(timeout: .infinity)
    _ = errReader.wait(timeout: .infinity)
    _ = writer?.wait(timeout: .infinity)
    let (status, signaled) = ChildProcess.decode(raw ?? 0)
    return ProcessResult(status: status, signaled: signaled, timedOut: timedOut, stdout: collected.out, stderr: collected.err)
}

/// Reads a descriptor to end of file, retrying on EINTR (Foundation's readDataToEndOfFile traps on it).
private func drain(_ fd: Int32) -> Data {
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count > 0 {
            data.append(contentsOf: buffer[0..<count])
        } else if count == 0 || errno != EINTR {
            return data
        }
    }
}

/// A blocking job on a dedicated thread, with a timed wait for it to finish.
private final class BlockingTask: @unchecked Sendable {
    private let body: () -> Void
    private let done = DispatchSemaphore(value: 0)
    private var finished = false
    private let lock = NSLock()

    init(_ body: @escaping () -> Void) { self.body = body }

    func start() {
        let thread = Thread { [self] in
            body()
            done.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// True when the job finished within `timeout` seconds. Once true, later waits return true at once.
    func wait(timeout: TimeInterval) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if finished { return true }
        let result = timeout == .infinity ? { done.wait(); return DispatchTimeoutResult.success }()
            : done.wait(timeout: .now() + timeout)
        finished = result == .success
        return finished
    }
}

private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var _out = Data()
    private var _err = Data()
    func setOut(_ data: Data) { lock.lock(); _out = data; lock.unlock() }
    func setErr(_ data: Data) { lock.lock(); _err = data; lock.unlock() }
    var out: Data { lock.lock(); defer { lock.unlock() }; return _out }
    var err: Data { lock.lock(); defer { lock.unlock() }; return _err }
}

/// How much slower than usual this run is allowed to be: `CODEX_TEST_TIME_SCALE` (`make sanitize` sets it, since
/// every process, the helper included, runs under a sanitizer there). Only bounds that exist because of the machine's
/// speed are scaled; none of the helper's own contracts are.
public enum TestTiming {
    public static let scale: Int = {
        Int(ProcessInfo.processInfo.environment["CODEX_TEST_TIME_SCALE"] ?? "") .map { max(1, $0) } ?? 1
    }()
}

/// Paths the tests need.
public enum TestPaths {
    /// The repository root (this file is Tests/TestSupport/Subprocess.swift).
    public static let repositoryRoot: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }()

    /// The built helper, beside the test bundle (or CODEX_CREDENTIAL_HELPER_BIN).
    public static let helperBinary: String = {
        if let override = ProcessInfo.processInfo.environment["CODEX_CREDENTIAL_HELPER_BIN"], !override.isEmpty {
            return override
        }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // On Linux the test runner is <build>/<config>/<package>PackageTests.xctest.
        if directory.lastPathComponent.hasSuffix(".xctest") { directory = directory.deletingLastPathComponent() }
        return directory.appendingPathComponent("codex-credential-helper").path
    }()

    public static let inspector = repositoryRoot + "/Tests/Support/secret_service.py"
    public static let keepassxcSupport = repositoryRoot + "/Tests/Support/keepassxc.py"
    /// Debian's Python, which has python3-dbus and python3-gi (the first python3 on PATH may not).
    public static let systemPython = "/usr/bin/python3"
}

/// Builds unsigned JWT-shaped tokens for the classifier: header and claims are real base64url JSON.
public enum TestTokens {
    public static func jwt(claims: String, header: String = #"{"alg":"EdDSA","typ":"JWT"}"#) -> String {
        base64url(Data(header.utf8)) + "." + base64url(Data(claims.utf8)) + "." + base64url(Data("signature".utf8))
    }

    public static func agentIdentity(expiresAt: Date) -> String {
        jwt(claims: #"{"exp":\#(Int(expiresAt.timeIntervalSince1970)),"iat":1700000000,"account_id":"acc-1","#
            + #""chatgpt_user_id":"user-1","email":"ci@example.invalid","plan_type":"enterprise"}"#)
    }

    public static func base64url(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A random personal access token, distinct per call, so that a leak is attributable.
    public static func personal() -> String { "at-" + randomCharacters(40) }

    /// A random Platform API key (`sk-proj-…`), distinct per call.
    public static func apiKey() -> String { "sk-proj-" + randomCharacters(40) }

    private static func randomCharacters(_ count: Int) -> String {
        (0..<count).map { _ in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".randomElement()! }
            .map(String.init).joined()
    }
}

/// Bytes from a hex string ("00ff..."), for test vectors.
public func bytes(hex: String) -> [UInt8] {
    stride(from: 0, to: hex.count, by: 2).map {
        let start = hex.index(hex.startIndex, offsetBy: $0)
        return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
    }
}
