import CSystemShims
import Crypto
import CredentialCore

#if canImport(Glibc)
import Glibc
#endif

/// Keeps the key scrypt derived from a passphrase in the kernel's key retention service for a while (15 minutes by
/// default), so that repeated commands on a passphrase-mode file pay for scrypt once, as git-credential-cache and
/// gpg-agent spare a person retyping a passphrase.
///
/// - One "user" key per sealed file, described by a hash of the file's path, in the process's own session keyring
///   (pam_keyinit makes one per login session), readable by its possessors only, with a kernel-enforced timeout.
/// - Only there: a process with no session keyring of its own (a CI job, cron, a container, ssh without
///   pam_keyinit) would have the kernel fall back to the user-session keyring, which every other process of the user
///   without a session keyring can search and read, unrelated process trees included. Then nothing is cached, and
///   `status` says so.
/// - Its payload is the key and what it was derived for (a hash of the file's scrypt salt and parameters): a cached
///   key is used only for the same header and only if it passes the header's key check. Nothing in it helps anyone
///   test passphrase guesses (no hash or tag of the passphrase): whoever can read the entry has this version of the
///   file's key, as a process of the session has while the cache lasts, and no faster way to the passphrase than
///   scrypt. So, as with an agent, a passphrase supplied while the key is cached is not checked again.
/// - `logout`, `erase` and a wrong passphrase (when nothing is cached) invalidate the entry at once.
/// - Where the kernel offers no keyrings (or a seccomp filter forbids them), nothing is cached and every command
///   derives the key again; the trace says why.
public struct KernelKeyCache {
    /// 0 turns the cache off.
    var timeoutSeconds: UInt32

    static let defaultTimeoutSeconds: UInt32 = 900
    static let maximumTimeoutSeconds: UInt32 = 86_400
    private static let payloadVersion: UInt8 = 2
    private static let payloadLength = 1 + 32 + 32

    var isEnabled: Bool { timeoutSeconds > 0 }

    static func description(forFile path: String) -> String {
        "codex-credential-helper:file-key:" + hexString(Crypto.SHA256.hash(data: Array(path.utf8)).prefix(16))
    }

    /// The cached key for the sealed file at `path` with `header`, or nil (and a stale entry cleared).
    func key(forFile path: String, header: SealedFormat.Header, passphrase: [UInt8]?) -> SymmetricKey? {
        guard isEnabled, let keyring = Self.keyring() else { return nil }
        let entry = csystem_key_find(keyring, Self.description(forFile: path))
        guard entry >= 0 else {
            Trace.shared.log("file: no cached key in the kernel keyring (\(Errno.current))")
            return nil
        }
        var payload = [UInt8](repeating: 0, count: Self.payloadLength + 1)
        defer { zero(&payload) }
        let length = csystem_key_read(entry, &payload, payload.count)
        guard length == Self.payloadLength, payload[0] == Self.payloadVersion,
            Array(payload[1..<33]) == Self.identity(header)
        else {
            Trace.shared.log("file: the cached key is for another version of the file; clearing it")
            _ = csystem_key_invalidate(entry)
            return nil
        }
        let key = SymmetricKey(data: payload[33..<65])
        guard SealedFormat.keyCheck(key) == header.keyCheck else {
            Trace.shared.log("file: the cached key fails the file's key check; clearing it")
            _ = csystem_key_invalidate(entry)
            return nil
        }
        Trace.shared.log(
            "file: key from the kernel keyring (key \(entry)), scrypt skipped"
                + (passphrase == nil ? "" : "; the passphrase given is not checked while the key is cached"))
        return key
    }

    /// Caches `key`, which opened (or sealed) the file at `path` with `header`.
    func remember(_ key: SymmetricKey, forFile path: String, header: SealedFormat.Header) {
        guard isEnabled, let keyring = Self.keyring() else { return }
        var payload = [Self.payloadVersion] + Self.identity(header)
        payload += key.withUnsafeBytes { Array($0) }
        defer { zero(&payload) }
        let entry = csystem_key_add(keyring, Self.description(forFile: path), payload, payload.count, timeoutSeconds)
        Trace.shared.log(
            entry >= 0
                ? "file: cached the derived key in the kernel keyring for \(timeoutSeconds) s (key \(entry))"
                : "file: could not cache the derived key in the kernel keyring (\(Errno.current))")
    }

    /// Clears the entry for the file at `path`, if there is one.
    func forget(file path: String) {
        guard let keyring = Self.keyring() else { return }
        let entry = csystem_key_find(keyring, Self.description(forFile: path))
        guard entry >= 0 else { return }
        _ = csystem_key_invalidate(entry)
        Trace.shared.log("file: cleared the cached key from the kernel keyring (key \(entry))")
    }

    /// Whether keys can be cached here, and why not, for `status`.
    public enum Availability: Equatable, Sendable {
        case available
        case turnedOff
        /// The process has no session keyring of its own (only the user-session keyring).
        case noSessionKeyring
        /// The kernel offers no keyrings to this process.
        case noKeyrings(String)

        public var description: String {
            switch self {
            case .available: return "on (this session's keyring)"
            case .turnedOff: return "off (CODEX_CREDENTIAL_KEY_CACHE_TIMEOUT=0)"
            case .noSessionKeyring:
                return "off: this process has no session keyring of its own, and the user-session keyring it would "
                    + "fall back to is shared with every process of the user that has none (start a session keyring "
                    + "with pam_keyinit or `keyctl session`)"
            case .noKeyrings(let why): return "off: the kernel offers no keyrings here (\(why))"
            }
        }
    }

    var availability: Availability {
        guard isEnabled else { return .turnedOff }
        let keyring = csystem_key_session_keyring()
        guard keyring >= 0 else { return .noKeyrings(Errno.current.description) }
        return keyring == csystem_key_user_session_keyring() ? .noSessionKeyring : .available
    }

    private static func keyring() -> Int32? {
        let keyring = csystem_key_session_keyring()
        guard keyring >= 0 else {
            Trace.shared.log("file: no kernel keyring (\(Errno.current)); the key is derived every time")
            return nil
        }
        guard keyring != csystem_key_user_session_keyring() else {
            Trace.shared.log(
                "file: no session keyring of this process's own (only the user-session keyring, which every process of "
                    + "the user without one can read); the key is not cached")
            return nil
        }
        return keyring
    }

    /// What the key was derived for: the salt and the scrypt parameters.
    private static func identity(_ header: SealedFormat.Header) -> [UInt8] {
        var bytes = header.salt
        if let scrypt = header.scrypt {
            bytes.append(scrypt.log2N)
            for value in [scrypt.r, scrypt.p] { withUnsafeBytes(of: value.bigEndian) { bytes += $0 } }
        }
        return Array(Crypto.SHA256.hash(data: bytes))
    }
}
