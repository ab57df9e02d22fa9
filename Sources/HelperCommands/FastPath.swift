import ArgumentParser
import CredentialCore
import EncryptedFileStore

/// get, store and erase without the argument parser.
///
/// Codex and scripts run these on every start, and building the argument parser's command tree costs more than
/// the rest of a file-backend `get` (its reflection and generic metadata make the Swift runtime scan every
/// protocol conformance in the binary). So the plain forms these commands are called in are read here directly:
/// the subcommand, then `--option value`, `--option=value` and the commands' flags, each at most once. Anything
/// else (help, a positional argument, `--`, a value that looks like an option, an unknown or repeated option, a
/// value that does not convert or validate) is left to the argument parser, which then gives its usual answer.
/// A test checks that every form accepted here means what the parser makes of it.
enum FastPath {
    enum Invocation: Equatable {
        case get(CommonSettings, CredentialService.GetOptions)
        case store(CommonSettings)
        case erase(CommonSettings)
    }

    /// Runs the invocation when `arguments` (without the program name) is in a plain form; nil otherwise.
    static func run(_ arguments: [String]) -> Int32? {
        guard let invocation = parse(arguments) else { return nil }
        Trace.shared.log("fast path: \(arguments[0]) without the argument parser")
        return exitStatusReportingErrors { () throws(HelperError) in
            switch invocation {
            case .get(let common, let options): try Get.perform(common: common, options: options)
            case .store(let common): try Store.perform(common: common)
            case .erase(let common): try Erase.perform(common: common)
            }
        }
    }

    static func parse(_ arguments: [String]) -> Invocation? {
        guard let command = arguments.first, ["get", "store", "erase"].contains(command) else { return nil }
        var common = CommonSettings()
        var format = OutputFormat.keyValue
        var useEnvironment = true
        var allowExpired = false
        // An array, not a Set: a Set<String> is the first hashed collection of the process, and making its type
        // (String's Hashable conformance is looked up through every conformance in the binary) would come before
        // the keyring's libraries start loading; the dictionaries made after that wait behind the loading anyway.
        var seen: [String] = []
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--"), argument.count > 2 else { return nil }
            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard !seen.contains(name) else { return nil }
            seen.append(name)

            // Flags take no value.
            let flag: Bool
            switch (command, name) {
            case (_, "verbose"): common.verbose = true; flag = true
            case ("get", "no-env"): useEnvironment = false; flag = true
            case ("get", "allow-expired"): allowExpired = true; flag = true
            default: flag = false
            }
            if flag {
                guard inlineValue == nil else { return nil }
                continue
            }

            let value: String
            if let inlineValue {
                value = inlineValue
            } else {
                guard index < arguments.count else { return nil }
                value = arguments[index]
                index += 1
            }
            guard !value.isEmpty, !value.hasPrefix("-") else { return nil }
            switch (command, name) {
            case ("get", "format"):
                guard let parsed = OutputFormat(rawValue: value) else { return nil }
                format = parsed
            case (_, "codex-home"): common.codexHome = value
            case (_, "timeout"):
                guard let seconds = Double(value) else { return nil }
                common.timeout = seconds
            case (_, "backend"):
                guard let parsed = BackendChoice(rawValue: value) else { return nil }
                common.backend = parsed
            case (_, "file"): common.file = value
            case (_, "key-mode"):
                guard let parsed = EncryptedFileStore.KeyModeChoice(rawValue: value) else { return nil }
                common.keyMode = parsed
            case (_, "passphrase-file"): common.passphraseFile = value
            case (_, "passphrase-fd"):
                guard let fd = Int32(value) else { return nil }
                common.passphraseFd = fd
            default:
                return nil
            }
        }
        guard common.validationProblem == nil else { return nil }
        switch command {
        case "get":
            return .get(common, .init(format: format, useEnvironment: useEnvironment, allowExpired: allowExpired))
        case "store": return .store(common)
        default: return .erase(common)
        }
    }
}

/// What the executable calls before the argument parser.
public enum HelperMain {
    public static func runFastPath(_ arguments: [String]) -> Int32? { FastPath.run(arguments) }

    /// Everything else, through the argument parser, with one style for every error: the program's name first, as
    /// for the errors the commands report themselves (the parser alone would write "Error:" for usage errors).
    public static func runArgumentParser() -> Int32 {
        let credentials = CommandLine.arguments.dropFirst().filter(TokenClassifier.looksLikeCredential)
        for credential in credentials { Trace.shared.redact(credential) }
        do {
            var command = try CodexCredentialHelper.parseAsRoot()
            try command.run()
            return 0
        } catch {
            let code = CodexCredentialHelper.exitCode(for: error).rawValue
            // The parser's message repeats the arguments it refuses; a credential among them (`login at-…`) is
            // not repeated into logs.
            var message = Trace.shared.redacted(CodexCredentialHelper.fullMessage(for: error))
            if code != 0, !credentials.isEmpty {
                message += "\nA credential never goes on the command line (other processes can read it there): pass it "
                    + "on standard input, e.g. `printenv CODEX_ACCESS_TOKEN | codex-credential-helper login --with-access-token`."
            }
            if code == 0 {
                if !message.isEmpty { FileDescriptorWriter(fd: 1).write(Array((message + "\n").utf8)) }
            } else if !message.isEmpty {
                let text = message.hasPrefix("Error: ") ? String(message.dropFirst("Error: ".count)) : message
                FileDescriptorWriter(fd: 2).write(Array(("codex-credential-helper: " + text + "\n").utf8))
            }
            return code
        }
    }

    /// `help TOPIC` for a topic that is not a command: a usage error (ArgumentParser would print the root help and
    /// exit 0). nil when the arguments are anything else.
    public static func refuseUnknownHelpTopic(_ arguments: [String]) -> Int32? {
        guard arguments.first == "help", arguments.count >= 2, !arguments[1].hasPrefix("-") else { return nil }
        let topics = CodexCredentialHelper.configuration.subcommands.map { $0.configuration.commandName ?? "" } + ["help"]
        guard !topics.contains(arguments[1]) else { return nil }
        let topic = TokenClassifier.looksLikeCredential(arguments[1]) ? "<redacted>" : arguments[1].escapingControlCharacters
        let message = "codex-credential-helper: Unknown help topic '\(topic)'; the commands are: "
            + topics.joined(separator: ", ") + ".\n"
        FileDescriptorWriter(fd: 2).write(Array(message.utf8))
        return HelperError.Code.usage.exitStatus
    }
}
