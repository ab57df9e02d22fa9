import Foundation
import TestSupport
import Testing

/// Runs the built helper binary in a sandbox's environment.
@discardableResult
func helper(
    _ arguments: [String], in sandbox: KeyringSandbox, stdin: StandardInput = .devNull,
    environment extra: [String: String] = [:], removing: [String] = [], deadline: TimeInterval = 30
) throws -> ProcessResult {
    var environment = sandbox.environment.merging(extra) { $1 }
    for key in removing { environment.removeValue(forKey: key) }
    let result = try runProcess(TestPaths.helperBinary, arguments, environment: environment, stdin: stdin, deadline: deadline)
    #expect(!result.timedOut, "the helper hung: \(arguments)")
    return result
}

/// The item the contract says Codex reads, as the inspector sees it.
func expectContractItem(_ item: KeyringItem, home: String, account: String, record: String, kind: String,
                        sandbox: KeyringSandbox, sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(item.secret == record, sourceLocation: sourceLocation)
    #expect(item.content_type == "text/plain", sourceLocation: sourceLocation)
    #expect(item.collection == (try sandbox.defaultCollection()), sourceLocation: sourceLocation)
    #expect(item.attributes["service"] == "Codex Auth", sourceLocation: sourceLocation)
    #expect(item.attributes["username"] == account, sourceLocation: sourceLocation)
    #expect(item.attributes["target"] == "default", sourceLocation: sourceLocation)
    #expect(item.attributes["application"] == "rust-keyring", sourceLocation: sourceLocation)
    #expect(item.attributes["xdg:schema"] == "org.freedesktop.Secret.Generic", sourceLocation: sourceLocation)
    #expect(item.attributes["kind"] == kind, sourceLocation: sourceLocation)
    #expect(item.attributes["codex_home"] == home, sourceLocation: sourceLocation)
    // KeePassXC shows its entry's own fields as attributes too.
    let providers: Set<String> = sandbox.isKeePassXC ? ["Title", "UserName", "URL", "Notes", "Uuid", "Path"] : []
    let allowed: Set<String> = ["service", "username", "target", "application", "xdg:schema", "codex_home", "kind",
                                "expires_at", "created_at", "fingerprint"]
    let expected = allowed.union(providers)
    #expect(Set(item.attributes.keys).isSubset(of: expected), "unexpected attributes: \(item.attributes.keys)",
            sourceLocation: sourceLocation)
}

/// Codex's account for a path: "cli|" + 16 hex of SHA-256, computed here independently of the helper.
func codexAccount(_ path: String) throws -> String {
    let result = try runProcess("/usr/bin/sha256sum", [], environment: [:], stdin: .text(path))
    return "cli|" + result.out.prefix(16)
}
