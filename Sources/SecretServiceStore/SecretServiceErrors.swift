internal import CLibSecret
import CredentialCore

/// D-Bus error names (replies to our calls) and GErrors (from libsecret's prompts) to HelperError: the one place
/// that decides which failure is which exit status.
enum SecretServiceErrors {
    /// The reason of the error for a method or algorithm the provider does not support (a session falls back to plain).
    static let notSupportedReason = "the Secret Service does not support it"
    /// The reason of the error for a bus on which nothing owns org.freedesktop.secrets.
    static let noProviderReason = "no Secret Service provider"
    /// The reason of the error for a session bus that cannot be reached (or that went away).
    static let unreachableReason = "the session bus is unreachable"

    /// An error reply: its name (org.freedesktop.DBus.Error.*, org.freedesktop.Secret.Error.*) and its text.
    static func convert(errorName name: String, message: String, phase: String) -> HelperError {
        let detail = message.isEmpty ? " (\(name))" : " (\(name): \(message))"
        let dbus = "org.freedesktop.DBus.Error."
        // The bus could not start a provider: org.freedesktop.DBus.Error.Spawn.ExecFailed and its kin.
        switch name.hasPrefix(dbus + "Spawn.") ? dbus + "ServiceUnknown" : name {
        case dbus + "ServiceUnknown", dbus + "NameHasNoOwner":
            return HelperError(
                .unavailable,
                "No Secret Service provider on the session bus: nothing owns org.freedesktop.secrets and none "
                    + "could be started. Install and start gnome-keyring (or KeePassXC with its Secret Service "
                    + "integration).", reason: noProviderReason)
        case dbus + "NoReply", dbus + "Timeout", dbus + "TimedOut":
            return HelperError(.timeout, "The Secret Service did not reply while \(phase)\(detail).", reason: "the Secret Service timed out")
        case dbus + "NotSupported":
            return HelperError(
                .unavailable, "The Secret Service does not support what was asked while \(phase)\(detail).",
                reason: notSupportedReason)
        case dbus + "AccessDenied", dbus + "AuthFailed":
            return HelperError(.locked, "The Secret Service refused access while \(phase)\(detail).", reason: "access refused")
        case dbus + "NoServer", dbus + "Disconnected", dbus + "FileNotFound", dbus + "BadAddress", dbus + "NoNetwork":
            return HelperError(
                .unavailable,
                "Cannot reach the D-Bus session bus while \(phase)\(detail); no keyring is available.",
                reason: unreachableReason)
        case "org.freedesktop.Secret.Error.IsLocked":
            return HelperError(
                .locked, "The keyring is locked while \(phase); unlock it (log in to the desktop) and retry.",
                reason: "the keyring is locked")
        case "org.freedesktop.Secret.Error.NoSuchObject":
            return HelperError(.notFound, "The keyring item vanished while \(phase).")
        default:
            return HelperError(.unavailable, "The Secret Service failed while \(phase)\(detail).", reason: "the Secret Service failed")
        }
    }

    /// A GError from libsecret (running a prompt): GIO's own failures here, and everything else by its D-Bus
    /// error name, as `convert(errorName:)` reads the replies to the helper's own calls.
    static func convert(_ error: UnsafeMutablePointer<GError>, phase: String) -> HelperError {
        let name = ccs_error_dbus_name_stripping(error)
        defer { ccs_free(name) }
        let message = error.pointee.message.map { String(cString: $0) } ?? ""
        let detail = message.isEmpty ? "" : " (\(message))"
        if error.pointee.domain == ccs_io_error_quark() {
            switch GIOErrorEnum(rawValue: UInt32(error.pointee.code)) {
            case G_IO_ERROR_CANCELLED, G_IO_ERROR_TIMED_OUT:
                return HelperError(.timeout, "The Secret Service did not answer in time while \(phase)\(detail).", reason: "the Secret Service timed out")
            case G_IO_ERROR_PERMISSION_DENIED:
                return HelperError(.locked, "Access to the Secret Service was refused while \(phase)\(detail).", reason: "access refused")
            case G_IO_ERROR_NOT_FOUND, G_IO_ERROR_CONNECTION_REFUSED, G_IO_ERROR_CLOSED, G_IO_ERROR_BROKEN_PIPE,
                G_IO_ERROR_CONNECTION_CLOSED, G_IO_ERROR_HOST_UNREACHABLE, G_IO_ERROR_NETWORK_UNREACHABLE:
                return HelperError(
                    .unavailable,
                    "Cannot reach the D-Bus session bus while \(phase)\(detail); no keyring is available. Run inside "
                        + "a desktop session or `dbus-run-session`.", reason: unreachableReason)
            case G_IO_ERROR_DBUS_ERROR:
                break  // an error reply GDBus has no domain for: read by its name below
            default:
                return HelperError(.unavailable, "The Secret Service failed while \(phase)\(detail).", reason: "the Secret Service failed")
            }
        }
        return convert(errorName: name.map { String(cString: $0) } ?? "", message: message, phase: phase)
    }
}
