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

/// Runs a program with exactly `environment`, drains stdout and stderr while it runs (so a large output cannot
/// deadlock it), and kills it if it outlives `deadline` seconds.
public func runProcess(
    _ executable: String, _ arguments: [String], environment: [String: String], stdin: StandardInput = .devNull,
    deadline: TimeInterval = 60
) throws -> ProcessResult {
    let process = Process()
    var arguments = arguments
    var executable = executable
    if case .closed = stdin {
        // Foundation cannot close a child's fd 0; a shell can.
        arguments = ["-c", "exec \"$0\" \"$@\" <&-", executable] + arguments
        executable = "/bin/sh"
    }
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = environment
    let outPipe = Pipe()
    let errPipe = Pipe()
    process.standardOutput = outPipe
    process.standardError = errPipe
    var inPipe: Pipe?
    switch stdin {
    case .bytes, .text:
        inPipe = Pipe()
        process.standardInput = inPipe
    case .devNull, .closed:
        process.standardInput = FileHandle.nullDevice
    }

    // Blocking reads and waits run on threads of their own: on GCD's small global pool, a busy parallel test
    // run starves them, and a finished child would look hung.
    let collected = Collected()
    let outReader = BlockingTask { collected.setOut(outPipe.fileHandleForReading.readDataToEndOfFile()) }
    let errReader = BlockingTask { collected.setErr(errPipe.fileHandleForReading.readDataToEndOfFile()) }
    // A child inherits the signal mask of the thread that spawns it, and test-runner threads block signals: start
    // the child with none blocked, as a shell would, so that it dies of the signals it is sent.
    var empty = sigset_t()
    var previous = sigset_t()
    sigemptyset(&empty)
    pthread_sigmask(SIG_SETMASK, &empty, &previous)
    defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
    try process.run()
    outReader.start()
    errReader.start()
    var writerTask: BlockingTask?
    if let inPipe {
        let data: Data
        switch stdin {
        case let .bytes(bytes): data = bytes
        case let .text(text): data = Data(text.utf8)
        default: data = Data()
        }
        let writer = inPipe.fileHandleForWriting
        // The child may stop reading early (a size limit); a broken pipe is then expected, not fatal.
        signal(SIGPIPE, SIG_IGN)
        writerTask = BlockingTask {
            try? writer.write(contentsOf: data)
            try? writer.close()
        }
        writerTask?.start()
    }
    let waiter = BlockingTask { process.waitUntilExit() }
    waiter.start()
    var timedOut = false
    if !waiter.wait(timeout: deadline) {
        timedOut = true
        kill(process.processIdentifier, SIGKILL)
        _ = waiter.wait(timeout: .infinity)
    }
    _ = outReader.wait(timeout: .infinity)
    _ = errReader.wait(timeout: .infinity)
    // A child that exits without reading its input leaves the writer blocked on a full pipe: unblock it.
    if let inPipe, let writerTask, !writerTask.wait(timeout: 5) {
        try? inPipe.fileHandleForReading.close()
        _ = writerTask.wait(timeout: .infinity)
    }
    return ProcessResult(
        status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
        timedOut: timedOut, stdout: collected.out, stderr: collected.err)
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
    public static func personal() -> String {
        "at-" + (0..<40).map { _ in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".randomElement()! }
            .map(String.init).joined()
    }
}
