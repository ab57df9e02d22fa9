#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An exclusive advisory lock (flock) on a file, held until `unlock()` or deinit.
/// Used to serialise read-modify-write cycles between helper processes.
public final class FileLock {
    private var fd: Int32

    private init(fd: Int32) { self.fd = fd }

    /// Takes the lock on `path` (created 0600 if missing, never through a symlink), waiting at most
    /// `timeoutMilliseconds`.
    public static func acquire(path: String, timeoutMilliseconds: Int) throws(HelperError) -> FileLock {
        let fd: Int32
        do {
            fd = try Syscall.open(path, O_RDWR | O_CREAT | O_NOFOLLOW, 0o600)
        } catch {
            throw HelperError(.ioError, "Cannot open the lock file \(quoted(path)): \(error).")
        }
        let lock = FileLock(fd: fd)
        var waited = 0
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let failure = errno
            if failure == EINTR { continue }
            guard failure == EWOULDBLOCK else {
                throw HelperError(.ioError, "Cannot lock \(quoted(path)): \(Errno(failure)).")
            }
            if waited >= timeoutMilliseconds {
                throw HelperError(
                    .timeout, "Another codex-credential-helper held the lock \(quoted(path)) for over \(timeoutMilliseconds) ms.")
            }
            usleep(5_000)
            waited += 5
        }
        Trace.shared.log("lock \(path) taken after \(waited) ms")
        return lock
    }

    public func unlock() {
        guard fd >= 0 else { return }
        Syscall.close(fd)  // closing releases the flock
        fd = -1
    }

    deinit { unlock() }
}

/// The per-user directory for lock files: `$XDG_RUNTIME_DIR/codex-credential-helper`, else
/// `/tmp/codex-credential-helper-UID`. Created 0700; refused if it is a symlink or belongs to someone else.
public func runtimeDirectory(environment: [String: String]) throws(HelperError) -> String {
    let base: String
    if let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/"),
        ((try? Syscall.fileStatus(runtime))?.st_mode ?? 0) & S_IFMT == S_IFDIR
    {
        base = runtime + "/codex-credential-helper"
    } else {
        base = "/tmp/codex-credential-helper-\(getuid())"
    }
    if mkdir(base, 0o700) != 0, errno != EEXIST {
        throw HelperError(.ioError, "Cannot create \(quoted(base)): \(Errno.current).")
    }
    guard let info = try? Syscall.fileStatus(base, followLinks: false), info.st_mode & S_IFMT == S_IFDIR,
        info.st_uid == getuid(), info.st_mode & 0o077 == 0
    else {
        throw HelperError(
            .ioError,
            "\(quoted(base)) is not a private directory of this user (it must be a real directory, mode 0700, owned by you).")
    }
    return base
}
