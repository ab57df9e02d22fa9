#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A Codex home directory and the keyring account Codex derives from it.
public struct CodexHome: Equatable, Hashable, Sendable {
    /// The canonical path (symlinks resolved), or the path as given when it does not exist yet.
    public var path: String
    /// `cli|` + the first 16 hex digits of SHA-256 over `path`: Codex's keyring account name.
    public var account: String

    public init(path: String) {
        self.path = path
        self.account = CodexHome.accountName(forPath: path)
    }

    public static func accountName(forPath path: String) -> String {
        "cli|" + String(Digest.sha256Hex(Array(path.utf8)).prefix(16))
    }

    public var authJSONPath: String { path + "/auth.json" }
    public var configTOMLPath: String { path + "/config.toml" }

    /// Resolves the Codex home as Codex does: an explicit directory (`--codex-home`, the protocol's
    /// `codex_home`), else `CODEX_HOME` if set and non-empty, else `~/.codex`. An explicit directory or
    /// CODEX_HOME must exist (Codex refuses one that does not); `~/.codex` may not exist yet, and is then
    /// used as written, as Codex does when canonicalization fails.
    public static func resolve(
        explicit: String?, environment: [String: String], errorCode: HelperError.Code = .usage
    ) throws(HelperError) -> CodexHome {
        if let explicit, !explicit.isEmpty {
            return try existing(explicit, origin: "--codex-home / codex_home", errorCode: errorCode)
        }
        if let fromEnvironment = environment["CODEX_HOME"], !fromEnvironment.isEmpty {
            return try existing(fromEnvironment, origin: "CODEX_HOME", errorCode: errorCode)
        }
        guard let home = homeDirectory(environment: environment) else {
            throw HelperError(.usage, "Cannot find the home directory (HOME is not set); pass --codex-home DIR.")
        }
        let defaultPath = (home.hasSuffix("/") ? String(home.dropLast()) : home) + "/.codex"
        return CodexHome(path: Syscall.realPath(defaultPath) ?? defaultPath)
    }

    private static func existing(_ path: String, origin: String, errorCode: HelperError.Code) throws(HelperError)
        -> CodexHome
    {
        guard !path.utf8.contains(0), let canonical = Syscall.realPath(path) else {
            throw HelperError(
                errorCode,
                "The Codex home directory \(quoted(path)) (from \(origin)) does not exist; Codex requires it to "
                    + "exist. Create it with `mkdir -p` or point CODEX_HOME elsewhere.")
        }
        guard let info = try? Syscall.fileStatus(canonical), info.st_mode & S_IFMT == S_IFDIR else {
            throw HelperError(errorCode, "The Codex home \(quoted(path)) (from \(origin)) is not a directory.")
        }
        return CodexHome(path: canonical)
    }

    static func homeDirectory(environment: [String: String]) -> String? {
        if let home = environment["HOME"], !home.isEmpty { return home }
        guard let entry = getpwuid(getuid()), let directory = entry.pointee.pw_dir else { return nil }
        let path = String(cString: directory)
        return path.isEmpty ? nil : path
    }
}

/// A path or other user-given text, quoted for a message.
public func quoted(_ text: String) -> String {
    "'" + String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) }) + "'"
}
