#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Every system call the core makes goes through here: `-1`/`errno` becomes an `Errno`, `EINTR` is retried.
public struct Errno: Error, Equatable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(_ rawValue: Int32) { self.rawValue = rawValue }
    public static var current: Errno { Errno(errno) }
    public var description: String { String(cString: strerror(rawValue)) }

    public static let noEntry = Errno(ENOENT)
    public static let interrupted = Errno(EINTR)
}

public enum Syscall {
    /// Runs `body` until it does not fail with EINTR; a result of -1 becomes the thrown errno.
    @discardableResult
    public static func retrying<T: FixedWidthInteger>(_ body: () -> T) throws(Errno) -> T {
        while true {
            let result = body()
            if result == -1 {
                let error = Errno.current
                if error == .interrupted { continue }
                throw error
            }
            return result
        }
    }

    public static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0) throws(Errno) -> Int32 {
        try retrying { Glibc.open(path, flags | O_CLOEXEC, mode) }
    }

    public static func close(_ fd: Int32) {
        // Retrying close after EINTR is wrong on Linux: the descriptor is already released.
        _ = Glibc.close(fd)
    }

    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        try retrying { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    public static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(Errno) -> Int {
        try retrying { Glibc.write(fd, bytes.baseAddress, bytes.count) }
    }

    public static func fsync(_ fd: Int32) throws(Errno) {
        try retrying { Glibc.fsync(fd) }
    }

    public static func rename(_ from: String, _ to: String) throws(Errno) {
        try retrying { Glibc.rename(from, to) }
    }

    /// Creates a hard link; fails with EEXIST rather than replacing (an atomic "create if absent").
    public static func link(_ from: String, _ to: String) throws(Errno) {
        try retrying { Glibc.link(from, to) }
    }

    public static func fchmod(_ fd: Int32, _ mode: mode_t) throws(Errno) {
        try retrying { Glibc.fchmod(fd, mode) }
    }

    public static func mkdir(_ path: String, _ mode: mode_t) throws(Errno) {
        try retrying { Glibc.mkdir(path, mode) }
    }

    public static func fileStatus(fd: Int32) throws(Errno) -> stat {
        var info = stat()
        try retrying { Glibc.fstat(fd, &info) }
        return info
    }

    /// Creates a unique file `<prefix>XXXXXX` with mode 0600, opened for writing.
    public static func makeTemporaryFile(prefix: String) throws(Errno) -> (fd: Int32, path: String) {
        var template = Array((prefix + "XXXXXX").utf8CString)
        let fd = try retrying { template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) } }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return (fd, path)
    }

    /// Finishes a file made by `makeTemporaryFile`: mode 0600, `bytes` written and fsynced, the descriptor closed.
    /// When any of that fails the file is removed again and the error thrown.
    public static func fillTemporaryFile(_ file: (fd: Int32, path: String), with bytes: some Collection<UInt8>)
        throws(Errno)
    {
        do {
            defer { close(file.fd) }
            try fchmod(file.fd, 0o600)
            try writeAll(file.fd, bytes)
            try fsync(file.fd)
        } catch {
            _ = try? unlink(file.path)
            throw error
        }
    }

    /// The names in a directory (without "." and ".."); empty when it cannot be read.
    public static func directoryEntries(_ path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// fsyncs a directory, so that a rename or unlink inside it is durable.
    public static func syncDirectory(_ path: String) throws(Errno) {
        let fd = try open(path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try fsync(fd)
    }

    public static func unlink(_ path: String) throws(Errno) {
        try retrying { Glibc.unlink(path) }
    }

    public static func fileStatus(_ path: String, followLinks: Bool = true) throws(Errno) -> stat {
        var info = stat()
        try retrying { fstatat(AT_FDCWD, path, &info, followLinks ? 0 : AT_SYMLINK_NOFOLLOW) }
        return info
    }

    /// Resolves symbolic links and `.`/`..` as Rust's `fs::canonicalize` does; nil if the path does not exist.
    public static func realPath(_ path: String) -> String? {
        guard let resolved = Glibc.realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Reads a whole regular file, refusing one larger than `limit` bytes. nil when the file does not exist. Opened
    /// without blocking and checked on the descriptor: a FIFO, a device or a directory is refused (EINVAL, or
    /// EISDIR) instead of waiting for a writer that may never come.
    public static func readFile(_ path: String, limit: Int) throws(Errno) -> [UInt8]? {
        let fd: Int32
        do {
            fd = try open(path, O_RDONLY | O_NONBLOCK)
        } catch {
            if error == .noEntry { return nil }
            throw error
        }
        defer { close(fd) }
        let info = try fileStatus(fd: fd)
        guard info.st_mode & S_IFMT == S_IFREG else { throw Errno(info.st_mode & S_IFMT == S_IFDIR ? EISDIR : EINVAL) }
        return try readAll(fd, limit: limit)
    }

    /// Sets close-on-exec on a descriptor the helper was handed (so that no child inherits it).
    public static func setCloseOnExec(_ fd: Int32) throws(Errno) {
        let flags = try retrying { fcntl(fd, F_GETFD) }
        try retrying { fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
    }

    /// Reads to end of file or until more than `limit` bytes have arrived (then returns `limit + 1` bytes, so
    /// the caller can tell "too long" without reading an unbounded stream).
    public static func readAll(_ fd: Int32, limit: Int) throws(Errno) -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while out.count <= limit {
            let want = min(chunk.count, limit + 1 - out.count)
            let count = try chunk.withUnsafeMutableBytes { buffer in
                Result { () throws(Errno) -> Int in
                    try read(fd, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]))
                }
            }.get()
            if count == 0 { break }
            out.append(contentsOf: chunk[0..<count])
        }
        for i in chunk.indices { chunk[i] = 0 }
        return out
    }

    public static func writeAll(_ fd: Int32, _ bytes: some Collection<UInt8>) throws(Errno) {
        let array = Array(bytes)
        var offset = 0
        while offset < array.count {
            let written = try array.withUnsafeBytes { buffer in
                Result { () throws(Errno) -> Int in
                    try write(fd, UnsafeRawBufferPointer(rebasing: buffer[offset...]))
                }
            }.get()
            offset += written
        }
    }
}
