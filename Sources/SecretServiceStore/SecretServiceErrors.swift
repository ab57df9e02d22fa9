internal import CLibSecret
import CredentialCore

/// D-Bus error names and GErrors (from libsecret, GDBus, GIO) to HelperError: the one place that decides which
/// failure is which exit status. Text the provider or the bus wrote is shown with its control characters escaped.
enum SecretServiceErrors {
    /// The reason of the error for a bus on which nothing owns org.freedesktop.secrets.
    static let noProviderReason = "no Secret Service provider"
    /// The reason of the error for a session bus that cannot be reached (or that went away).
    static let unreachableReason = "the session bus is unreachable"

    /// An error reply: its name (org.freedesktop.DBus.Error.*, org.freedesktop.Secret.Error.*) and its text.
    static func convert(errorName name: String, message: String, phase: String) -> HelperError {
        let shownName = name.escapingControlCharacters
        let detail = message.isEmpty ? " (\(shownName))" : " (\(shownName): \(message.escapingControlCharacters))"
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
                reason: "the Secret Service does not support it")
        case dbus + "AccessDenied", dbus + "AuthFailed":
            return HelperError(.locked, "The Secret Service refused access while \(phase)\(detail).", reason: "access refused")
        case dbus + "NoServer", dbus + "Disconnected", dbus + "FileNotFound", dbus + "BadAddress", dbus + "NoNetwork":
            return HelperError(
                .unavailable,
                "Cannot reach the D-Bus session bus\(phase.hasSuffix("session bus") ? "" : " while \(phase)")\(detail); no "
                    + "keyring is available.", reason: unreachableReason)
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

    /// A GError from libsecret, GDBus or GIO: GIO's own failures by their kind, everything else by its D-Bus error
    /// name, as the Secret Service and the bus name them.
    static func convert(_ error: OpaquePointer, phase: String) -> HelperError {
        let name = ccs_error_dbus_name_stripping(error)
        defer { ccs_free(name) }
        let message = String(cString: ccs_error_message(error))
        let detail = message.isEmpty ? "" : " (\(message.escapingControlCharacters))"
        switch ccs_error_kind(error) {
        case CCS_ERROR_TIMED_OUT:
            return HelperError(.timeout, "The Secret Service did not answer in time while \(phase)\(detail).", reason: "the Secret Service timed out")
        case CCS_ERROR_PERMISSION_DENIED:
            return HelperError(.locked, "Access to the Secret Service was refused while \(phase)\(detail).", reason: "access refused")
        case CCS_ERROR_UNREACHABLE:
            return HelperError(
                .unavailable,
                "Cannot reach the D-Bus session bus\(phase.hasSuffix("session bus") ? "" : " while \(phase)")\(detail); no "
                    + "keyring is available. Run inside a desktop session or `dbus-run-session`.", reason: unreachableReason)
        case CCS_ERROR_IO:
            return HelperError(.unavailable, "The Secret Service failed while \(phase)\(detail).", reason: "the Secret Service failed")
        default:
            return convert(errorName: name.map { String(cString: $0) } ?? "", message: message, phase: phase)
        }
    }
}
