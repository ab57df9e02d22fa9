internal import CLibSecret
import CredentialCore

/// D-Bus error names (replies to our calls) and GErrors (from libsecret's prompts) to HelperError: the one place
/// that decides which failure is which exit status.
enum SecretServiceErrors {
    /// The reason of the error for a method or algorithm the provider does not support (a session falls back to plain).
    static let notSupportedReason = "the Secret Service does not support it"
    /// The reason of the error for a bus on which nothing owns org.freedesktop.secrets.
    static let noProviderReason = "no Secret Service provider"

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
                reason: "the session bus is unreachable")
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

    /// A GError from libsecret (running a prompt).
    static func convert(domain: GQuark, code: Int32, message: String, phase: String) -> HelperError {
        let detail = message.isEmpty ? "" : " (\(message))"
        if domain == ccs_io_error_quark() {
            switch GIOErrorEnum(rawValue: UInt32(code)) {
            case G_IO_ERROR_CANCELLED, G_IO_ERROR_TIMED_OUT:
                return HelperError(.timeout, "The Secret Service did not answer in time while \(phase)\(detail).", reason: "the Secret Service timed out")
            case G_IO_ERROR_PERMISSION_DENIED:
                return HelperError(.locked, "Access to the Secret Service was refused while \(phase)\(detail).", reason: "access refused")
            case G_IO_ERROR_NOT_FOUND, G_IO_ERROR_CONNECTION_REFUSED, G_IO_ERROR_CLOSED, G_IO_ERROR_BROKEN_PIPE,
                G_IO_ERROR_CONNECTION_CLOSED, G_IO_ERROR_HOST_UNREACHABLE, G_IO_ERROR_NETWORK_UNREACHABLE:
                return HelperError(
                    .unavailable,
                    "Cannot reach the D-Bus session bus while \(phase)\(detail); no keyring is available. Run inside "
                        + "a desktop session or `dbus-run-session`.", reason: "the session bus is unreachable")
            default:
                break
            }
        } else if domain == ccs_dbus_error_quark() {
            switch GDBusError(rawValue: UInt32(code)) {
            case G_DBUS_ERROR_SERVICE_UNKNOWN, G_DBUS_ERROR_NAME_HAS_NO_OWNER, G_DBUS_ERROR_SPAWN_EXEC_FAILED,
                G_DBUS_ERROR_SPAWN_FORK_FAILED, G_DBUS_ERROR_SPAWN_CHILD_EXITED, G_DBUS_ERROR_SPAWN_CHILD_SIGNALED,
                G_DBUS_ERROR_SPAWN_FAILED, G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND, G_DBUS_ERROR_SPAWN_SERVICE_INVALID,
                G_DBUS_ERROR_SPAWN_FILE_INVALID, G_DBUS_ERROR_SPAWN_NO_MEMORY, G_DBUS_ERROR_SPAWN_PERMISSIONS_INVALID,
                G_DBUS_ERROR_SPAWN_SETUP_FAILED, G_DBUS_ERROR_SPAWN_CONFIG_INVALID:
                return HelperError(
                    .unavailable,
                    "No Secret Service provider on the session bus: nothing owns org.freedesktop.secrets and none "
                        + "could be started. Install and start gnome-keyring (or KeePassXC with its Secret Service "
                        + "integration).", reason: noProviderReason)
            case G_DBUS_ERROR_NO_REPLY, G_DBUS_ERROR_TIMEOUT, G_DBUS_ERROR_TIMED_OUT:
                return HelperError(.timeout, "The Secret Service did not reply while \(phase)\(detail).", reason: "the Secret Service timed out")
            case G_DBUS_ERROR_NOT_SUPPORTED:
                return HelperError(
                    .unavailable, "The Secret Service does not support what was asked while \(phase)\(detail).",
                    reason: notSupportedReason)
            case G_DBUS_ERROR_ACCESS_DENIED, G_DBUS_ERROR_AUTH_FAILED:
                return HelperError(.locked, "The Secret Service refused access while \(phase)\(detail).", reason: "access refused")
            case G_DBUS_ERROR_NO_SERVER, G_DBUS_ERROR_DISCONNECTED, G_DBUS_ERROR_FILE_NOT_FOUND,
                G_DBUS_ERROR_BAD_ADDRESS, G_DBUS_ERROR_NO_NETWORK:
                return HelperError(
                    .unavailable,
                    "Cannot reach the D-Bus session bus while \(phase)\(detail); no keyring is available.",
                    reason: "the session bus is unreachable")
            default:
                break
            }
        } else if domain == ccs_secret_error_quark() {
            switch SecretError(rawValue: UInt32(code)) {
            case SECRET_ERROR_IS_LOCKED:
                return HelperError(
                    .locked, "The keyring is locked while \(phase); unlock it (log in to the desktop) and retry.",
                    reason: "the keyring is locked")
            case SECRET_ERROR_NO_SUCH_OBJECT:
                return HelperError(.notFound, "The keyring item vanished while \(phase).")
            default:
                break
            }
        }
        return HelperError(.unavailable, "The Secret Service failed while \(phase)\(detail).", reason: "the Secret Service failed")
    }
}
