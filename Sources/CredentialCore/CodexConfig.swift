import TOMLKit

/// What Codex's `config.toml` says about where it keeps credentials, read with a TOML parser (TOMLKit, over toml++):
/// a key inside a table, a duplicate key and an invalid file are each reported for what they are.
public struct CodexConfig: Equatable, Sendable {
    public static let key = "cli_auth_credentials_store"

    /// What the file says about the key.
    public enum Setting: Equatable, Sendable {
        /// The top-level key, as a string: `file` (Codex's default), `keyring`, `auto` or `ephemeral`.
        case value(String)
        /// No top-level key (Codex uses `file`).
        case unset
        /// The key is there, but only inside a table, where Codex does not read it.
        case insideTable(String)
        /// The top-level key is not a string.
        case notAString
        /// The file is not valid TOML (Codex refuses it): where and why.
        case invalid(String)
    }

    public var setting: Setting

    /// `cli_auth_credentials_store` at top level, when it is a string.
    public var credentialsStore: String? {
        if case .value(let value) = setting { return value }
        return nil
    }

    /// True when Codex will look in the keyring for its credential.
    public var readsKeyring: Bool { credentialsStore == "keyring" || credentialsStore == "auto" }

    /// The line that makes Codex read the keyring.
    public static let keyringLine = "\(key) = \"keyring\""

    public init(toml text: String) {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            setting = .invalid("line \(error.source.begin.line): \(error.description)")
            return
        } catch {
            setting = .invalid("\(error)")
            return
        }
        if let value = table[Self.key] {
            setting = value.string.map(Setting.value) ?? .notAString
        } else if let path = Self.tablePath(holding: Self.key, in: table) {
            setting = .insideTable(path)
        } else {
            setting = .unset
        }
    }

    public init(setting: Setting) { self.setting = setting }

    /// The dotted name of the first table (at any depth) that holds `key`.
    private static func tablePath(holding key: String, in table: TOMLTable, prefix: String = "") -> String? {
        for (name, value) in table {
            guard let nested = value.table else { continue }
            let path = prefix.isEmpty ? name : prefix + "." + name
            if nested[key] != nil { return path }
            if let deeper = tablePath(holding: key, in: nested, prefix: path) { return deeper }
        }
        return nil
    }

    /// `$CODEX_HOME/config.toml`, or nil when there is none (or it cannot be read as a regular file).
    public static func read(_ home: CodexHome) -> CodexConfig? {
        guard let bytes = (try? Syscall.readFile(home.configTOMLPath, limit: 4 * 1024 * 1024)).flatMap({ $0 }) else {
            return nil
        }
        return CodexConfig(toml: String(decoding: bytes, as: UTF8.self))
    }

    /// What to tell a person whose Codex will not read the keyring: what to change, in place (never "add" when the
    /// key is there). nil when Codex reads the keyring.
    public static func advice(_ config: CodexConfig?, path: String) -> String? {
        let command = "or run `codex-credential-helper configure-codex`"
        guard let config else { return "\(path) does not exist; create it with the line \(keyringLine) (\(command))." }
        switch config.setting {
        case .value(let value) where value == "keyring" || value == "auto":
            return nil
        case .value(let value):
            return "\(path) sets \(key) = \"\(value)\"; change that value to \"keyring\" (\(command))."
        case .unset:
            return "\(path) does not set \(key); add the line \(keyringLine) at the top, before any [table] (\(command))."
        case .insideTable(let table):
            return "\(path) sets \(key) inside [\(table)], where Codex does not read it; move that line to the top, "
                + "before any [table] (\(command))."
        case .notAString:
            return "\(path) sets \(key) to something that is not a string; make it \(keyringLine) (\(command))."
        case .invalid(let why):
            return "\(path) is not valid TOML (\(why.escapingControlCharacters)), so Codex will refuse it; fix it first."
        }
    }

    /// `text` with the top-level key set to `store`: an existing top-level line replaced in place, or a new line
    /// inserted before the first table (at the end where there is none); every other line, comment and table as it
    /// was. The result is parsed again and must mean what was asked. An invalid file is refused.
    public static func setting(_ store: String, in text: String) throws(HelperError) -> String {
        if case .invalid(let why) = CodexConfig(toml: text).setting {
            throw HelperError(
                .badInput,
                "config.toml is not valid TOML (\(why.escapingControlCharacters)); it was left as it is. Fix it, then retry.")
        }
        let line = "\(key) = \"\(store)\""
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        let firstTable = lines.firstIndex { $0.drop { $0 == " " || $0 == "\t" }.hasPrefix("[") } ?? lines.count
        if let existing = lines[..<firstTable].firstIndex(where: { Self.isKeyLine($0) }) {
            lines[existing] = line
        } else if firstTable == lines.count {
            lines.append(line)
        } else {
            lines.insert(contentsOf: [line, ""], at: firstTable)
        }
        let result = lines.joined(separator: "\n") + "\n"
        guard CodexConfig(toml: result).setting == .value(store) else {
            throw HelperError(
                .badInput,
                "config.toml could not be changed so that it reads \(line) at top level (an unusual layout: a "
                    + "multi-line string?); it was left as it is. Add the line yourself, before any [table].")
        }
        return result
    }

    private static func isKeyLine(_ line: String) -> Bool {
        let rest = Substring(line).drop { $0 == " " || $0 == "\t" }
        for quote in ["", "\"", "'"] where rest.hasPrefix(quote + key + quote) {
            return rest.dropFirst(key.count + 2 * quote.count).drop { $0 == " " || $0 == "\t" }.first == "="
        }
        return false
    }

    /// Sets the top-level key in `$CODEX_HOME/config.toml` to `store`: the file is created (0600) when missing; an
    /// existing one is changed in place (see `setting(_:in:)`), its previous content kept in `config.toml.bak`, and
    /// written atomically. Returns what was done, for the person.
    public static func configure(_ home: CodexHome, store: String) throws(HelperError) -> String {
        let path = home.configTOMLPath
        let existing: [UInt8]?
        do {
            existing = try Syscall.readFile(path, limit: 4 * 1024 * 1024)
        } catch {
            throw HelperError(.ioError, "Cannot read \(quoted(path)): \(error).")
        }
        let before = existing.map { String(decoding: $0, as: UTF8.self) }
        if let before, CodexConfig(toml: before).setting == .value(store) {
            return "\(path) already sets \(key) = \"\(store)\"; nothing to change."
        }
        let after = try setting(store, in: before ?? "")
        if let existing {
            try writeAtomically(existing, to: path + ".bak")
        }
        try writeAtomically(Array(after.utf8), to: path)
        let effect = store == "auto" ? "the keyring first, else auth.json" : "the keyring"
        return existing == nil
            ? "Created \(path) with \(key) = \"\(store)\": Codex reads its credential from \(effect)."
            : "Set \(key) = \"\(store)\" in \(path) (the previous version is in \(path).bak): Codex reads its "
                + "credential from \(effect)."
    }

    /// A 0600 temporary file beside `path`, written and fsynced (as the file store writes its files), renamed over it.
    private static func writeAtomically(_ bytes: [UInt8], to path: String) throws(HelperError) {
        var temporary: String?
        do {
            let file = try Syscall.makeTemporaryFile(prefix: path + ".tmp-")
            try Syscall.fillTemporaryFile(file, with: bytes)
            temporary = file.path
            try Syscall.rename(file.path, path)
        } catch {
            if let temporary { _ = try? Syscall.unlink(temporary) }
            throw HelperError(.ioError, "Cannot write \(quoted(path)): \(error).")
        }
    }
}
