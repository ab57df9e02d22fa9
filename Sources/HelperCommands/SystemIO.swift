import CSystemShims
import CredentialCore

#if canImport(Glibc)
import Glibc
#endif

/// What every run of the helper does first.
public enum HelperProcess {
    /// No core dumps (RLIMIT_CORE 0) and not dumpable (PR_SET_DUMPABLE 0): a crash or a debugger attach by another
    /// process of the same user cannot lift a token out of memory, and /proc/self/environ is root-only.
    public static func harden() {
        openClosedStandardDescriptors()
        getrlimit(coreResource, &originalCoreLimit)
        // Only the soft limit: the hard limit stays, so that the command `exec` runs gets back what we were given.
        var none = rlimit(rlim_cur: 0, rlim_max: originalCoreLimit.rlim_max)
        setrlimit(coreResource, &none)
        let dumping = csystem_disable_dumping()
        // The Swift runtime's crash handler prints a backtrace with the bytes around every register to stderr: a
        // token in memory would be printed with it (not being dumpable does not stop a process reading its own
        // memory). A crash ends the process with its signal instead, quietly (no core file either: limit 0 above).
        for fatal in [SIGQUIT, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGTRAP, SIGSYS] { signal(fatal, SIG_DFL) }
        let trace = (getenv("CODEX_CREDENTIAL_TRACE").map { String(cString: $0) } ?? "").lowercased()
        if trace == "1" || trace == "true" || CommandLine.arguments.contains("--verbose") {
            Trace.shared.enable(writingTo: FileDescriptorWriter(fd: 2))
        }
        // Only the subcommand's name: argv never holds a secret, but the trace says so by construction.
        let command = CommandLine.arguments.dropFirst().first { !$0.hasPrefix("-") } ?? "-"
        Trace.shared.log(
            "codex-credential-helper \(CodexCredentialHelper.version) \(command), pid \(getpid()), core dumps off, "
                + (dumping == 0 ? "not dumpable" : "PR_SET_DUMPABLE failed"))
    }

    /// A standard descriptor the caller closed (Codex runs token commands with stdin closed) is opened on /dev/null,
    /// as OpenSSH's sanitise_stdfd does. Otherwise the next file the process opens takes its number (a library the
    /// keyring loads on a thread of its own while the request is read, the lock file, the sealed file), and the
    /// request would be read from that file, or the answer written into it. Reading /dev/null gives the empty
    /// request a closed stdin gives; writing to it drops the output as writing to a closed descriptor does.
    private static func openClosedStandardDescriptors() {
        for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
            let opened = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY)
            if opened >= 0 && opened != fd {
                dup2(opened, fd)
                close(opened)
            }
        }
    }

    private static let coreResource = __rlimit_resource_t(RLIMIT_CORE.rawValue)
    nonisolated(unsafe) private static var originalCoreLimit = rlimit()

    /// Gives a command we start the core-file limit we were started with. (Not being dumpable is reset by execve
    /// anyway.) Runs `body` with it, then takes it away again.
    static func withOriginalCoreLimit<R>(_ body: () -> R) -> R {
        var current = rlimit()
        getrlimit(coreResource, &current)
        setrlimit(coreResource, &originalCoreLimit)
        defer { setrlimit(coreResource, &current) }
        return body()
    }

    static var isDumpable: Bool { csystem_is_dumpable() != 0 }
}

/// The one file that touches the real standard streams, the terminal and the process environment.
/// Everything below the commands receives these as values.
enum SystemIO {
    static func environment() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }

    /// One variable of the process environment, without building the whole dictionary.
    static func environmentValue(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

    static func helperEnvironment() -> HelperEnvironment {
        HelperEnvironment(variables: environment(), output: FileDescriptorWriter(fd: 1), errors: FileDescriptorWriter(fd: 2))
    }

    static var stdinIsTerminal: Bool { isatty(0) == 1 }
    static var stderrIsTerminal: Bool { isatty(2) == 1 }

    /// Reads standard input to end of file, at most `limit + 1` bytes. A closed descriptor reads as empty,
    /// since Codex runs token commands with stdin closed.
    static func readStandardInput(limit: Int) throws(HelperError) -> [UInt8] {
        do {
            return try Syscall.readAll(0, limit: limit)
        } catch {
            if error.rawValue == EBADF { return [] }
            throw HelperError(.ioError, "Cannot read standard input: \(error).")
        }
    }

    /// The get/store/erase request on standard input. A terminal is not read (a person typing `get` would otherwise
    /// face a silent wait); nor is a closed descriptor.
    static func readRequest() throws(HelperError) -> WireRequest {
        var reader: any ByteReader = stdinIsTerminal ? ArrayReader([]) : FileDescriptorReader(fd: 0)
        return try WireFormat.readRequest(from: &reader)
    }

    /// Prompts on stderr and reads one line from the terminal on stdin with echo off. The terminal is restored
    /// on every exit path: normal return, error, and SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGTSTP.
    /// A hidden prompt on the controlling terminal itself (as ssh and sudo do), so that `login 2>log` still shows
    /// it; on standard input and standard error where there is no /dev/tty.
    static func promptHidden(_ prompt: String, limit: Int) throws(HelperError) -> [UInt8] {
        if let terminal = try? Syscall.open("/dev/tty", O_RDWR | O_NOCTTY) {
            defer { Syscall.close(terminal) }
            return try promptHidden(prompt, limit: limit, input: terminal, output: terminal)
        }
        return try promptHidden(prompt, limit: limit, input: 0, output: 2)
    }

    /// The same on the controlling terminal (`/dev/tty`), for when stdin carries data (a passphrase asked for
    /// while the token arrives on a pipe). nil when there is no terminal.
    static func promptOnTerminal(_ prompt: String, limit: Int) throws(HelperError) -> [UInt8]? {
        guard let fd = try? Syscall.open("/dev/tty", O_RDWR | O_NOCTTY) else { return nil }
        defer { Syscall.close(fd) }
        return try promptHidden(prompt, limit: limit, input: fd, output: fd)
    }

    static var hasTerminal: Bool {
        guard let fd = try? Syscall.open("/dev/tty", O_RDWR | O_NOCTTY) else { return false }
        Syscall.close(fd)
        return true
    }

    private static func promptHidden(_ prompt: String, limit: Int, input: Int32, output: Int32) throws(HelperError)
        -> [UInt8]
    {
        guard csystem_terminal_hide_input(input) == 0 else {
            csystem_terminal_restore()
            throw HelperError(.ioError, "Cannot turn off echo on the terminal: \(Errno.current).")
        }
        defer {
            csystem_terminal_restore()
            FileDescriptorWriter(fd: output).write("\n")
        }
        FileDescriptorWriter(fd: output).write(prompt)
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while line.count <= limit {
            let count = read(input, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 || byte == 0x0A || byte == 0x04 { break }
            line.append(byte)
        }
        byte = 0
        return line
    }

    /// Reads a passphrase from a file descriptor (`--passphrase-fd`), to end of file; one trailing newline dropped.
    /// The descriptor is then marked close-on-exec, so that `exec`'s command cannot read it.
    static func readPassphrase(fd: Int32) throws(HelperError) -> [UInt8] {
        do {
            let passphrase = trimmingNewline(try Syscall.readAll(fd, limit: 64 * 1024))
            try Syscall.setCloseOnExec(fd)
            return passphrase
        } catch {
            throw HelperError(.usage, "Cannot read the passphrase from file descriptor \(fd): \(error).")
        }
    }

    static func trimmingNewline(_ bytes: [UInt8]) -> [UInt8] {
        var bytes = bytes
        if bytes.last == 0x0A { bytes.removeLast() }
        if bytes.last == 0x0D { bytes.removeLast() }
        return bytes
    }
}

final class FileDescriptorWriter: ByteWriter {
    let fd: Int32
    init(fd: Int32) { self.fd = fd }
    func write(_ bytes: [UInt8]) {
        // A closed or broken stream is not worth failing over: the exit status still tells the caller.
        try? Syscall.writeAll(fd, bytes)
    }
}

struct FileDescriptorReader: ByteReader {
    let fd: Int32
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(HelperError) -> Int {
        do {
            return try Syscall.read(fd, into: buffer)
        } catch {
            if error.rawValue == EBADF { return 0 }
            throw HelperError(.ioError, "Cannot read standard input: \(error).")
        }
    }
}

// MARK: - Running commands (exec, rotate's smoke test)

extension SystemIO {
    /// The variables that carry a Codex credential, or a secret of the helper's: removed from a child's environment
    /// so that only the credential the helper puts there is seen.
    static let credentialVariables = ["CODEX_ACCESS_TOKEN", "CODEX_API_KEY", "OPENAI_API_KEY", "CODEX_CREDENTIAL_PASSPHRASE"]
    /// Set in the child by `exec`, to the Codex home, so that a nested `exec` is noticed.
    static let execMarker = "CODEX_CREDENTIAL_HELPER_EXEC"

    static func childEnvironment(variable: String, token: String, codexHome: String) -> [[UInt8]] {
        // The process's own environment as it came: every entry's bytes as they are, in order, duplicates and entries
        // without '=' included (as aws-vault exec and op run pass it), less the credential variables and the two this
        // sets; then those two.
        let removed = Set(credentialVariables + [variable, execMarker])
        var entries: [[UInt8]] = []
        var index = 0
        while let entry = environ[index] {
            let bytes = Array(UnsafeRawBufferPointer(start: entry, count: strlen(entry)))
            let name = bytes.prefix { $0 != UInt8(ascii: "=") }
            if !removed.contains(String(decoding: name, as: UTF8.self)) { entries.append(bytes) }
            index += 1
        }
        entries.append(Array("\(variable)=\(token)".utf8))
        entries.append(Array("\(execMarker)=\(codexHome)".utf8))
        return entries
    }

    /// Shell completion after `exec --`: the commands on PATH for the command's own word, the files of the current
    /// directory after it.
    static func completions(_ arguments: [String], _ index: Int, _ prefix: String) -> [String] {
        let separator = arguments.firstIndex(of: "--")
        if let separator, index == separator + 1 {
            var names: Set<String> = []
            let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
            for directory in path.split(separator: ":") {
                for name in Syscall.directoryEntries(String(directory)) where name.hasPrefix(prefix) {
                    if access(String(directory) + "/" + name, X_OK) == 0 { names.insert(name) }
                }
            }
            return names.sorted()
        }
        let slash = prefix.lastIndex(of: "/")
        let directory = slash.map { String(prefix[...$0]) } ?? ""
        let stem = slash.map { String(prefix[prefix.index(after: $0)...]) } ?? prefix
        return Syscall.directoryEntries(directory.isEmpty ? "." : directory).filter { $0.hasPrefix(stem) }
            .map { directory + $0 }.sorted()
    }

    /// Finds `command` as a shell would: a name with a slash as it is, otherwise the first executable match in PATH.
    static func resolve(_ command: String, path: String?) throws(HelperError) -> String {
        if command.contains("/") { return command }
        var sawNonExecutable = false
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + command
            guard let info = try? Syscall.fileStatus(candidate), info.st_mode & S_IFMT == S_IFREG else { continue }
            if access(candidate, X_OK) == 0 { return candidate }
            sawNonExecutable = true
        }
        if sawNonExecutable {
            throw HelperError(.commandNotExecutable, "\(quoted(command)) was found in PATH but is not executable.")
        }
        throw HelperError(.commandNotFound, "\(quoted(command)): command not found (searched PATH).")
    }

    /// Replaces this process with `arguments[0]` (execve), with exactly `environment`. Returns only on failure.
    static func execReplacingProcess(_ arguments: [String], environment: [[UInt8]]) -> HelperError {
        let path: String
        do {
            path = try resolve(arguments[0], path: getenv("PATH").map { String(cString: $0) })
        } catch {
            return error
        }
        HelperProcess.withOriginalCoreLimit {
            withCStrings(arguments.map { Array($0.utf8) }) { argv in
                withCStrings(environment) { envp in
                    _ = execve(path, argv, envp)
                }
            }
        }
        let failure = errno
        switch failure {
        case ENOENT:
            return HelperError(.commandNotFound, "\(quoted(arguments[0])): command not found.")
        case EACCES, ENOEXEC, EISDIR, EPERM:
            return HelperError(.commandNotExecutable, "\(quoted(arguments[0])) cannot be run: \(Errno(failure)).")
        default:
            return HelperError(.commandNotExecutable, "Cannot run \(quoted(arguments[0])): \(Errno(failure)).")
        }
    }

    /// Runs `/bin/sh -c command` with `environment`, stdin from /dev/null, stdout and stderr inherited, and waits.
    /// Returns its exit status, or 128 + the signal that killed it.
    static func runShell(_ command: String, environment: [[UInt8]]) throws(HelperError) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let status = HelperProcess.withOriginalCoreLimit {
            withCStrings(["/bin/sh", "-c", command].map { Array($0.utf8) }) { argv in
                withCStrings(environment) { envp in
                    posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, envp)
                }
            }
        }
        guard status == 0 else {
            throw HelperError(.commandNotExecutable, "Cannot start the smoke test: \(Errno(status)).")
        }
        var waitStatus: Int32 = 0
        while waitpid(pid, &waitStatus, 0) == -1 {
            guard errno == EINTR else { throw HelperError(.internalError, "waitpid failed: \(Errno.current).") }
        }
        let signal = waitStatus & 0x7F
        return signal == 0 ? (waitStatus >> 8) & 0xFF : 128 + signal
    }

    /// NUL-terminated copies of `strings` (bytes as they are), zeroed and freed afterwards.
    private static func withCStrings<R>(
        _ strings: [[UInt8]], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R
    ) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { bytes in
            let copy = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            for (index, byte) in bytes.enumerated() { copy[index] = CChar(bitPattern: byte) }
            copy[bytes.count] = 0
            return copy
        }
        pointers.append(nil)
        defer {
            for pointer in pointers {
                if let pointer {
                    memset(pointer, 0, strlen(pointer))
                    pointer.deallocate()
                }
            }
        }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
