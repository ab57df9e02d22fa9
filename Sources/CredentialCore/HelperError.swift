/// An error the user reads. `message` says what happened, why, and what to do next; it never contains a secret.
public struct HelperError: Error, Equatable, CustomStringConvertible {
    /// What kind of failure this is; each code maps to one documented exit status.
    public enum Code: String, Sendable, CaseIterable {
        /// No credential is stored for the requested CODEX_HOME.
        case notFound
        /// The command line is wrong (unknown flag, missing choice, impossible combination).
        case usage
        /// The input is malformed, or the token is of the wrong type or shape.
        case badInput
        /// A stored record cannot be understood (unknown auth_mode, duplicate items, corrupt data).
        case badStoredData
        /// No keyring is reachable: no session bus, no Secret Service provider, no default collection.
        case unavailable
        /// A file could not be read, written or removed.
        case ioError
        /// A keyring call did not finish within the timeout.
        case timeout
        /// The keyring is locked and nobody can unlock it here, or access was refused.
        case locked
        /// The passphrase does not open the sealed file (or no passphrase is available to open it).
        case wrongPassphrase
        /// The key file a sealed file needs is missing.
        case keyMissing
        /// A file or directory has permissions or an owner that make it unsafe to use.
        case insecurePermissions
        /// A bug in the helper: an invariant failed.
        case internalError
        /// The stored credential has expired.
        case expired
        /// `exec`: the command was not found.
        case commandNotFound
        /// `exec`: the command was found but cannot be run.
        case commandNotExecutable

        /// The process exit status, sysexits-style. README's table is generated from the same values.
        public var exitStatus: Int32 {
            switch self {
            case .notFound: return 1
            case .usage: return 64
            case .badInput, .badStoredData: return 65
            case .internalError: return 70
            case .unavailable: return 69
            case .ioError: return 74
            case .timeout: return 75
            case .locked, .wrongPassphrase: return 77
            case .keyMissing: return 66
            case .insecurePermissions: return 78
            case .expired: return 67
            case .commandNotFound: return 127
            case .commandNotExecutable: return 126
            }
        }
    }

    public var code: Code
    public var message: String
    /// A few words for a one-line notice ("no session bus", "collection locked"), where the backend knows them.
    public var reason: String?
    /// An exit status passed through from a child process (rotate's smoke test), instead of the code's own.
    public var passedThroughStatus: Int32?

    public init(_ code: Code, _ message: String, reason: String? = nil, passedThroughStatus: Int32? = nil) {
        self.code = code
        self.message = message
        self.reason = reason
        self.passedThroughStatus = passedThroughStatus
    }

    /// Added to the reason of a keyring failure when the keyring was seen to hold a credential for the Codex home
    /// that could not be read or replaced (so that a fallback can say Codex keeps reading that one).
    public static let holdsCredentialNote = "it holds a credential for this Codex home"

    /// The status the process exits with.
    public var exitStatus: Int32 { passedThroughStatus ?? code.exitStatus }

    public var description: String { message }
}

extension StringProtocol {
    /// Text a third party wrote (a provider's error message, a library's diagnostic), safe to show: control
    /// characters (escape sequences, newlines, C1 controls, DEL) are written as \u{XX}, so that such text can neither
    /// repaint a terminal nor forge a line of the helper's own.
    public var escapingControlCharacters: String {
        var out = ""
        for scalar in unicodeScalars {
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
