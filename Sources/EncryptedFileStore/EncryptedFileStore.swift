import Crypto
import CredentialCore
#if canImport(FoundationEssentials)
import FoundationEssentials  // not Foundation: its ICU data costs start-up time and memory
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#endif

/// The encrypted-file backend: one sealed file per Codex home (`$CODEX_HOME/credentials.sealed`), AES-256-GCM,
/// keyed by a passphrase (scrypt) or by a random key file kept outside CODEX_HOME.
///
/// Writes are crash-safe and concurrent-safe: an exclusive lock beside the file for every read-modify-write,
/// a temporary file in the same directory written and fsynced, renamed over the old one, the directory fsynced.
public final class EncryptedFileStore: CredentialStore {
    public enum KeyModeChoice: String, Sendable, CaseIterable {
        /// A passphrase when one is supplied (or the existing file needs one), else the key file.
        case auto
        case passphrase
        case keyFile = "key-file"
    }

    public enum PassphrasePurpose: Sendable {
        /// To open an existing passphrase-mode file: asked once.
        case open
        /// Again, after a typed passphrase did not open it (at most three tries in all, as ssh and gpg).
        case openAgain
        /// To seal a new passphrase-mode file: asked twice.
        case create
    }

    public struct Options {
        /// Overrides `$CODEX_HOME/credentials.sealed` (`--file`, `CODEX_CREDENTIAL_FILE`).
        public var filePath: String?
        public var keyMode: KeyModeChoice
        /// A passphrase given without a prompt (`CODEX_CREDENTIAL_PASSPHRASE`, `--passphrase-file`, `--passphrase-fd`).
        public var passphrase: [UInt8]?
        /// Asks a person at a terminal; nil when nobody is there.
        public var prompt: ((PassphrasePurpose) throws(HelperError) -> [UInt8])?
        /// `${XDG_DATA_HOME:-~/.local/share}/codex-credential-helper/file.key`.
        public var keyFilePath: String
        public var lockTimeoutMilliseconds: Int
        /// How long a key derived from a passphrase stays in the kernel keyring (0: not cached).
        public var keyCacheSeconds: UInt32

        public init(filePath: String? = nil, keyMode: KeyModeChoice = .auto, passphrase: [UInt8]? = nil,
                    prompt: ((PassphrasePurpose) throws(HelperError) -> [UInt8])? = nil, keyFilePath: String,
                    lockTimeoutMilliseconds: Int = 5000, keyCacheSeconds: UInt32 = Options.defaultKeyCacheSeconds) {
            self.filePath = filePath
            self.keyMode = keyMode
            self.passphrase = passphrase
            self.prompt = prompt
            self.keyFilePath = keyFilePath
            self.lockTimeoutMilliseconds = lockTimeoutMilliseconds
            self.keyCacheSeconds = keyCacheSeconds
        }

        public static let defaultKeyCacheSeconds = KernelKeyCache.defaultTimeoutSeconds
        public static let maximumKeyCacheSeconds = KernelKeyCache.maximumTimeoutSeconds

        /// The key cache's timeout from CODEX_CREDENTIAL_KEY_CACHE_TIMEOUT (seconds, 0 turns it off), else the default.
        public static func keyCacheSeconds(environment: [String: String]) throws(HelperError) -> UInt32 {
            guard let text = environment["CODEX_CREDENTIAL_KEY_CACHE_TIMEOUT"], !text.isEmpty else {
                return defaultKeyCacheSeconds
            }
            guard let seconds = UInt32(text), seconds <= maximumKeyCacheSeconds else {
                throw HelperError(
                    .usage,
                    "CODEX_CREDENTIAL_KEY_CACHE_TIMEOUT must be a number of seconds from 0 (no cache) to \(maximumKeyCacheSeconds).")
            }
            return seconds
        }

        /// The default key file location for an environment.
        public static func defaultKeyFilePath(environment: [String: String]) -> String {
            if let data = environment["XDG_DATA_HOME"], data.hasPrefix("/") {
                return data + "/codex-credential-helper/file.key"
            }
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "/"
            return home + "/.local/share/codex-credential-helper/file.key"
        }
    }

    public static let defaultFileName = "credentials.sealed"
    static let maxFileBytes = 1024 * 1024

    public var options: Options
    public let backendName = "file"
    public var displayName: String { "the encrypted file" }

    public init(options: Options) { self.options = options }

    private var keyCache: KernelKeyCache { KernelKeyCache(timeoutSeconds: options.keyCacheSeconds) }

    /// Whether passphrase-derived keys are cached here, for `status` (see KernelKeyCache).
    public var keyCacheAvailability: KernelKeyCache.Availability { keyCache.availability }

    public func filePath(for home: CodexHome) -> String {
        options.filePath ?? home.path + "/" + Self.defaultFileName
    }

    // MARK: - CredentialStore

    public func load(_ home: CodexHome) throws(HelperError) -> StoredCredential? {
        guard let (payload, stored) = try open(filePath(for: home)), payload.codexHome == home.path else { return nil }
        return stored
    }

    /// Opens the sealed file at `path`: nil when there is none.
    private func open(_ path: String) throws(HelperError) -> (Payload, StoredCredential)? {
        guard let sealed = try readSealedFile(path) else {
            Trace.shared.log("file: \(path): none")
            return nil
        }
        let (header, headerLength) = try SealedFormat.readHeader(sealed, path: path)
        Trace.shared.log("file: \(path): \(sealed.count) bytes, format \(header.version), \(header.keyMode) mode")
        // A passphrase typed at the terminal gets three tries, as ssh and gpg give; a supplied one gets one.
        let tries = header.keyMode == .passphrase && options.passphrase == nil && options.prompt != nil ? 3 : 1
        var opening = try key(for: header, path: path, purpose: .open)
        defer { if opening.derivedFrom != nil { zero(&opening.derivedFrom!) } }
        var plaintext: [UInt8] = []
        for attempt in 1...tries {
            do {
                plaintext = try SealedFormat.open(sealed, header: header, headerLength: headerLength, key: opening.key, path: path)
                break
            } catch {
                if error.code == .wrongPassphrase, header.keyMode == .passphrase { keyCache.forget(file: path) }
                guard error.code == .wrongPassphrase, attempt < tries else { throw error }
                if opening.derivedFrom != nil { zero(&opening.derivedFrom!) }
                opening = try key(for: header, path: path, purpose: .openAgain)
            }
        }
        defer { zero(&plaintext) }
        if opening.derivedFrom != nil { keyCache.remember(opening.key, forFile: path, header: header) }
        let payload = try Payload.decode(plaintext, path: path)
        let stored = StoredCredential(
            secret: payload.record, metadata: payload.metadata,
            location: "\(displayName) \(path) (\(header.keyMode) mode)", backend: backendName)
        return (payload, stored)
    }

    /// The sealed files of the Codex homes this store has written to (a registry beside the key file) and of
    /// `knownHomes`; or the one `--file`.
    public func list(knownHomes: [CodexHome]) throws(HelperError) -> [ListedCredential] {
        var paths: [String] = []
        if let filePath = options.filePath {
            paths = [filePath]
        } else {
            for home in registeredHomes() + knownHomes.map(\.path) {
                let path = home + "/" + Self.defaultFileName
                if !paths.contains(path) { paths.append(path) }
            }
        }
        var entries: [ListedCredential] = []
        for path in paths {
            do {
                guard let (payload, stored) = try open(path) else { continue }
                entries.append(ListedCredential(
                    account: payload.account, codexHome: payload.codexHome, stored: stored, backend: backendName))
            } catch {
                entries.append(ListedCredential(
                    account: "-", codexHome: Self.directory(of: path), stored: nil, backend: backendName,
                    problem: error.reason ?? error.message))
            }
        }
        return entries
    }

    // MARK: - Registry of Codex homes (paths only, no secrets), so that `list` finds every sealed file.

    private var registryPath: String { Self.directory(of: options.keyFilePath) + "/homes" }

    func registeredHomes() -> [String] {
        guard let bytes = try? Syscall.readFile(registryPath, limit: 1024 * 1024) else { return [] }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init).filter { $0.hasPrefix("/") }
    }

    private func updateRegistry(adding: String?, removing: String?) {
        let directory = Self.directory(of: registryPath)
        guard (try? ensurePrivateDirectory(directory, create: true, strict: true)) != nil,
            let lock = try? FileLock.acquire(path: registryPath + ".lock", timeoutMilliseconds: options.lockTimeoutMilliseconds)
        else { return }
        defer { lock.unlock() }
        var homes = registeredHomes()
        if let removing { homes.removeAll { $0 == removing } }
        if let adding, !homes.contains(adding) { homes.append(adding) }
        let text = homes.map { $0 + "\n" }.joined()
        try? writeAtomically(Array(text.utf8), to: registryPath, directory: directory)
    }

    public func save(_ home: CodexHome, secret: [UInt8], metadata: [String: String]) throws(HelperError) -> SaveOutcome {
        let path = filePath(for: home)
        let directory = Self.directory(of: path)
        try ensurePrivateDirectory(directory, create: true)
        let lock = try FileLock.acquire(path: path + ".lock", timeoutMilliseconds: options.lockTimeoutMilliseconds)
        defer { lock.unlock() }

        removeStaleTemporaryFiles(for: path, in: directory)
        let existing = try readSealedFile(path)
        let existingMode = existing.flatMap { try? SealedFormat.readHeader($0, path: path).header.keyMode }
        var (header, key, passphrase) = try keyForWriting(existingMode: existingMode, path: path)
        defer { if passphrase != nil { zero(&passphrase!) } }
        var plaintext = Payload(codexHome: home.path, account: home.account, metadata: metadata, record: secret).encoded
        defer { zero(&plaintext) }
        let sealed = try SealedFormat.seal(plaintext, key: key, header: header)
        try writeAtomically(sealed, to: path, directory: directory)
        if passphrase != nil {
            header.keyCheck = SealedFormat.keyCheck(key)
            keyCache.remember(key, forFile: path, header: header)
        }
        Trace.shared.log("file: wrote \(sealed.count) bytes to \(path) (\(header.keyMode) mode), fsynced, renamed into place")
        if options.filePath == nil, !registeredHomes().contains(home.path) { updateRegistry(adding: home.path, removing: nil) }
        return SaveOutcome(
            location: "\(displayName) \(path) (\(header.keyMode) mode)", backend: backendName,
            replacedExisting: existing != nil)
    }

    public func erase(_ home: CodexHome) throws(HelperError) -> Int {
        let path = filePath(for: home)
        keyCache.forget(file: path)
        let directory = Self.directory(of: path)
        guard (try? Syscall.fileStatus(directory)) != nil else { return 0 }
        guard (try? Syscall.fileStatus(path, followLinks: false)) != nil else { return 0 }
        let lock = try FileLock.acquire(path: path + ".lock", timeoutMilliseconds: options.lockTimeoutMilliseconds)
        defer { lock.unlock() }
        do {
            try Syscall.unlink(path)
        } catch {
            if error == .noEntry { return 0 }
            throw HelperError(.ioError, "Cannot remove \(quoted(path)): \(error).")
        }
        try? Syscall.syncDirectory(directory)
        if options.filePath == nil { updateRegistry(adding: nil, removing: home.path) }
        return 1
    }

    /// The file's key mode, without opening it; nil when there is no readable sealed file.
    public func keyMode(for home: CodexHome) -> SealedFormat.KeyMode? {
        let path = filePath(for: home)
        guard let sealed = try? readSealedFile(path) else { return nil }
        return try? SealedFormat.readHeader(sealed, path: path).header.keyMode
    }

    // MARK: - Keys

    /// A key to open a file with; `derivedFrom` is the passphrase when it was derived just now (to cache once it
    /// has opened the file).
    private struct OpeningKey {
        var key: SymmetricKey
        var derivedFrom: [UInt8]?
    }

    private func key(for header: SealedFormat.Header, path: String, purpose: PassphrasePurpose) throws(HelperError)
        -> OpeningKey
    {
        switch header.keyMode {
        case .keyFile:
            guard let key = try readKeyFile() else {
                throw HelperError(
                    .keyMissing,
                    "\(quoted(path)) is sealed with a key file, and \(quoted(options.keyFilePath)) does not exist "
                        + "(deleted, or this is another machine or user). The file cannot be opened; log in again to "
                        + "replace it.")
            }
            return OpeningKey(key: key)
        case .passphrase:
            if let cached = keyCache.key(forFile: path, header: header, passphrase: options.passphrase) {
                return OpeningKey(key: cached)
            }
            var passphrase = try obtainPassphrase(purpose, path: path)
            Trace.shared.log("file: deriving the key with scrypt (N=2^\(header.scrypt?.log2N ?? 0))")
            do {
                return OpeningKey(key: try SealedFormat.deriveKey(passphrase: passphrase, header: header), derivedFrom: passphrase)
            } catch {
                zero(&passphrase)
                throw error
            }
        }
    }

    private func obtainPassphrase(_ purpose: PassphrasePurpose, path: String) throws(HelperError) -> [UInt8] {
        if let passphrase = options.passphrase { return passphrase }
        if let prompt = options.prompt { return try prompt(purpose) }
        throw HelperError(
            .wrongPassphrase,
            "\(quoted(path)) is sealed with a passphrase and none is available: set CODEX_CREDENTIAL_PASSPHRASE, "
                + "pass --passphrase-file or --passphrase-fd, or run at a terminal.",
            reason: "no passphrase")
    }

    /// The header and key for a new sealed file, and the passphrase when the key was derived from one.
    private func keyForWriting(existingMode: SealedFormat.KeyMode?, path: String) throws(HelperError)
        -> (SealedFormat.Header, SymmetricKey, [UInt8]?)
    {
        let usePassphrase: Bool
        switch options.keyMode {
        case .passphrase: usePassphrase = true
        case .keyFile: usePassphrase = false
        case .auto:
            // Never quietly downgrade a passphrase-protected file to key-file protection.
            usePassphrase = options.passphrase != nil || existingMode == .passphrase
        }
        if usePassphrase {
            var passphrase = try obtainPassphrase(existingMode == .passphrase ? .open : .create, path: path)
            let header = SealedFormat.passphraseHeader()
            do {
                return (header, try SealedFormat.deriveKey(passphrase: passphrase, header: header), passphrase)
            } catch {
                zero(&passphrase)
                throw error
            }
        }
        if let key = try readKeyFile() { return (SealedFormat.keyFileHeader(), key, nil) }
        return (SealedFormat.keyFileHeader(), try createKeyFile(), nil)
    }

    private func readKeyFile() throws(HelperError) -> SymmetricKey? {
        let path = options.keyFilePath
        guard var bytes = try Self.readPrivateFile(path, what: "key file", limit: 64) else { return nil }
        defer { zero(&bytes) }
        guard bytes.count == 32 else {
            throw HelperError(
                .badStoredData,
                "The key file \(quoted(path)) is damaged (\(bytes.count) bytes, 32 expected). Files sealed with it "
                    + "cannot be opened; remove it and log in again.")
        }
        return SymmetricKey(data: bytes)
    }

    /// Creates the key file with a fresh random 256-bit key. Atomic and race-free: written to a temporary file and
    /// hard-linked into place, so that of two processes creating it at once, both end up with the same key.
    private func createKeyFile() throws(HelperError) -> SymmetricKey {
        let path = options.keyFilePath
        let directory = Self.directory(of: path)
        try ensurePrivateDirectory(directory, create: true, strict: true)
        var key = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for i in key.indices { key[i] = UInt8.random(in: .min ... .max, using: &generator) }
        defer { zero(&key) }
        let temporary = try writePrivateTemporaryFile(prefix: directory + "/.file.key.tmp-", key, purpose: "the key file \(quoted(path))")
        defer { _ = try? Syscall.unlink(temporary) }
        do {
            try Syscall.link(temporary, path)
            try? Syscall.syncDirectory(directory)
        } catch {
            guard error.rawValue == EEXIST else {
                throw HelperError(.ioError, "Cannot create the key file \(quoted(path)): \(error).")
            }
            // Another process created it first: use theirs.
            guard let existing = try readKeyFile() else {
                throw HelperError(.ioError, "The key file \(quoted(path)) vanished while it was being created.")
            }
            return existing
        }
        return SymmetricKey(data: key)
    }

    // MARK: - Files

    /// Reads the sealed file; nil when it does not exist. Refuses a symlink, a non-regular file, a file owned by
    /// someone else or readable by others.
    private func readSealedFile(_ path: String) throws(HelperError) -> [UInt8]? {
        guard let bytes = try Self.readPrivateFile(path, what: "sealed credential file", limit: Self.maxFileBytes) else {
            return nil
        }
        if bytes.count > Self.maxFileBytes {
            throw HelperError(.badStoredData, "\(quoted(path)) is larger than 1 MiB; it is not a sealed credential file.")
        }
        return bytes
    }

    /// Reads a file that holds a secret (the sealed file, the key file, a passphrase file), opened once: not through
    /// a symbolic link, without blocking, and checked on the opened descriptor: a regular file, owned by this user,
    /// not accessible by others. nil when it does not exist.
    public static func readPrivateFile(_ path: String, what: String, limit: Int) throws(HelperError) -> [UInt8]? {
        let fd: Int32
        do {
            fd = try Syscall.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
        } catch {
            switch error.rawValue {
            case ENOENT: return nil
            case ELOOP:
                throw HelperError(
                    .insecurePermissions,
                    "The \(what) \(quoted(path)) is a symbolic link; refusing to follow it. Replace it with the file itself.")
            case EACCES:
                throw HelperError(.insecurePermissions, "The \(what) \(quoted(path)) cannot be read: permission denied.")
            default:
                throw HelperError(.ioError, "Cannot open the \(what) \(quoted(path)): \(error).")
            }
        }
        defer { Syscall.close(fd) }
        let info: stat
        do {
            info = try Syscall.fileStatus(fd: fd)
        } catch {
            throw HelperError(.ioError, "Cannot inspect \(quoted(path)): \(error).")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw HelperError(.ioError, "The \(what) \(quoted(path)) is not a regular file (a directory, or a device).")
        }
        guard info.st_uid == getuid() else {
            throw HelperError(
                .insecurePermissions,
                "The \(what) \(quoted(path)) belongs to another user (uid \(info.st_uid)); refusing to use it.")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw HelperError(
                .insecurePermissions,
                "The \(what) \(quoted(path)) is accessible by other users (mode \(octal(info.st_mode & 0o777))); "
                    + "refusing to use it, as ssh refuses a loose key. Fix it with: chmod 600 \(path)")
        }
        do {
            return try Syscall.readAll(fd, limit: limit)
        } catch {
            throw HelperError(.ioError, "Cannot read \(quoted(path)): \(error).")
        }
    }

    /// Makes sure `directory` exists and is safe to hold a credential: owned by us and not writable by others
    /// (`strict`: not accessible by others at all). Creates it 0700 when `create` and it is missing.
    private func ensurePrivateDirectory(_ directory: String, create: Bool, strict: Bool = false) throws(HelperError) {
        if (try? Syscall.fileStatus(directory, followLinks: false)) == nil {
            guard create else {
                throw HelperError(.ioError, "The directory \(quoted(directory)) does not exist.")
            }
            try makeDirectories(directory)
        }
        guard let info = try? Syscall.fileStatus(directory) else {
            throw HelperError(.ioError, "Cannot inspect the directory \(quoted(directory)).")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw HelperError(.ioError, "\(quoted(directory)) is not a directory.")
        }
        guard info.st_uid == getuid() else {
            throw HelperError(
                .insecurePermissions, "The directory \(quoted(directory)) belongs to another user; refusing to keep a credential there.")
        }
        let forbidden: mode_t = strict ? 0o077 : 0o022
        guard info.st_mode & forbidden == 0 else {
            throw HelperError(
                .insecurePermissions,
                "The directory \(quoted(directory)) is \(strict ? "accessible" : "writable") by other users (mode "
                    + "\(octal(info.st_mode & 0o777))); refusing to keep a credential there. Fix it with: chmod 700 \(directory)")
        }
    }

    private func makeDirectories(_ directory: String) throws(HelperError) {
        var path = ""
        for component in directory.split(separator: "/") {
            path += "/" + component
            do {
                try Syscall.mkdir(path, 0o700)
            } catch {
                if error.rawValue == EEXIST { continue }
                throw HelperError(.ioError, "Cannot create the directory \(quoted(path)): \(error).")
            }
        }
    }

    /// Temporary files left by a writer that was killed mid-write. Called with the lock held, so no live writer
    /// owns any of them.
    private func removeStaleTemporaryFiles(for path: String, in directory: String) {
        let prefix = Self.baseName(of: path) + ".tmp-"
        for name in Syscall.directoryEntries(directory) where name.hasPrefix(prefix) {
            _ = try? Syscall.unlink(directory + "/" + name)
        }
    }

    /// Temporary file in the same directory, written and fsynced, renamed over the target, directory fsynced.
    /// A reader sees the old file or the new one, never a mix; a crash leaves one of the two.
    private func writeAtomically(_ bytes: [UInt8], to path: String, directory: String) throws(HelperError) {
        let temporary = try writePrivateTemporaryFile(prefix: path + ".tmp-", bytes, purpose: quoted(path))
        var renamed = false
        defer { if !renamed { _ = try? Syscall.unlink(temporary) } }
        if let info = try? Syscall.fileStatus(path, followLinks: false), info.st_mode & S_IFMT == S_IFDIR {
            throw HelperError(.ioError, "\(quoted(path)) is a directory; cannot store the credential there.")
        }
        do {
            try Syscall.rename(temporary, path)
            renamed = true
        } catch {
            throw HelperError(.ioError, "Cannot replace \(quoted(path)): \(error). The previous file is unchanged.")
        }
        do {
            try Syscall.syncDirectory(directory)
        } catch {
            throw HelperError(.ioError, "Stored, but could not make it durable (fsync of \(quoted(directory))): \(error).")
        }
    }

    /// A new 0600 file `<prefix>XXXXXX` holding `bytes`, written and fsynced; removed again if that fails.
    private func writePrivateTemporaryFile(prefix: String, _ bytes: [UInt8], purpose: String) throws(HelperError) -> String {
        let temporary: (fd: Int32, path: String)
        do {
            temporary = try Syscall.makeTemporaryFile(prefix: prefix)
        } catch {
            throw HelperError(.ioError, "Cannot create a temporary file for \(purpose): \(error).")
        }
        do {
            try Syscall.fillTemporaryFile(temporary, with: bytes)
        } catch {
            throw HelperError(.ioError, "Cannot write \(purpose): \(error). Nothing was changed.")
        }
        return temporary.path
    }

    static func baseName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

/// The sealed plaintext: the Codex auth record (kept as its exact bytes) and its metadata.
struct Payload {
    var codexHome: String
    var account: String
    var metadata: [String: String]
    var record: [UInt8]

    var encoded: [UInt8] {
        let meta = metadata.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) }
        return JSONValue.object([
            ("format", .string("codex-credential-helper sealed credential")), ("version", .number("1")),
            ("codex_home", .string(codexHome)), ("account", .string(account)), ("metadata", .object(meta)),
            ("record", .string(String(decoding: record, as: UTF8.self))),
        ]).compactBytes
    }

    static func decode(_ plaintext: [UInt8], path: String) throws(HelperError) -> Payload {
        func damaged() -> HelperError {
            HelperError(.badStoredData, "\(quoted(path)) opened, but its content is not a credential this helper wrote.")
        }
        guard let json = try? JSONValue.parse(plaintext), json["version"]?.integerValue == 1,
            let home = json["codex_home"]?.stringValue, let account = json["account"]?.stringValue,
            let record = json["record"]?.stringValue, case let .object(members)? = json["metadata"]
        else { throw damaged() }
        var metadata: [String: String] = [:]
        for (key, value) in members {
            guard let text = value.stringValue else { throw damaged() }
            metadata[key] = text
        }
        return Payload(codexHome: home, account: account, metadata: metadata, record: Array(record.utf8))
    }
}

func zero(_ bytes: inout [UInt8]) {
    for i in bytes.indices { bytes[i] = 0 }
}

func octal(_ mode: mode_t) -> String {
    "0" + String(mode, radix: 8)
}
