import ArgumentParser
import EncryptedFileStore
import Testing

@testable import HelperCommands
@testable import CredentialCore

/// The fast path (get/store/erase without the argument parser) must mean exactly what the argument parser means,
/// for every form it accepts, and leave every other form to the parser.
@Suite("Fast path: the same meaning as the argument parser")
struct FastPathTests {
    /// What the argument parser makes of the same arguments.
    private func parsed(_ arguments: [String]) throws -> FastPath.Invocation {
        let command = try CodexCredentialHelper.parseAsRoot(arguments)
        switch command {
        case let get as Get:
            return .get(
                get.common.settings,
                .init(format: get.format, useEnvironment: !get.noEnv, allowExpired: get.allowExpired))
        case let store as Store: return .store(store.common.settings)
        case let erase as Erase: return .erase(erase.common.settings)
        default: throw CancellationError()
        }
    }

    @Test(arguments: [
        ["get"],
        ["store"],
        ["erase"],
        ["get", "--format", "token"],
        ["get", "--format=codex-json", "--no-env", "--allow-expired"],
        ["get", "--format", "kv", "--timeout", "3"],
        ["get", "--timeout=0.25", "--backend", "secret-service", "--verbose"],
        ["get", "--backend=file", "--key-mode", "key-file", "--file", "/tmp/x.sealed"],
        ["get", "--codex-home", "/srv/ci/codex home", "--passphrase-file", "/run/secrets/pass"],
        ["store", "--backend", "auto", "--passphrase-fd", "3", "--timeout", "600"],
        ["erase", "--codex-home=/a=b", "--key-mode=passphrase", "--verbose"],
        ["store", "--timeout", "1e1"],
    ])
    func acceptedFormsMeanWhatTheParserMeans(_ arguments: [String]) throws {
        let fast = try #require(FastPath.parse(arguments), "the fast path should take \(arguments)")
        #expect(fast == (try parsed(arguments)))
    }

    @Test func valuesReachTheSettings() throws {
        let fast = try #require(
            FastPath.parse(["get", "--format", "token", "--codex-home", "/h", "--timeout", "2.5", "--backend", "file", "--no-env"]))
        guard case .get(let common, let options) = fast else { Issue.record("not a get: \(fast)"); return }
        #expect(common.codexHome == "/h")
        #expect(common.timeout == 2.5)
        #expect(common.backend == .file)
        #expect(options.format == .token)
        #expect(options.useEnvironment == false)
        #expect(options.allowExpired == false)
    }

    @Test(arguments: [
        [], ["login", "--with-access-token"], ["status"], ["list"], ["--version"], ["--help"], ["get", "--help"],
        ["get", "-h"], ["help", "get"], ["get", "extra"], ["get", "--"], ["get", "--format"], ["get", "--format", "yaml"],
        ["get", "--format", "token", "--format", "kv"], ["get", "--timeout", "0"], ["get", "--timeout", "601"],
        ["get", "--timeout", "soon"], ["get", "--backend", "keychain"], ["get", "--codex-home", "--verbose"],
        ["get", "--codex-home="], ["get", "--passphrase-fd", "-1"], ["get", "--passphrase-fd", "x"],
        ["get", "--passphrase-file", "/p", "--passphrase-fd", "3"], ["get", "--no-env=1"], ["store", "--no-env"],
        ["erase", "--format", "token"], ["get", "--unknown"], ["get", "-v"], ["get", "--key-mode", "rot13"],
        ["get", "--verbose", "--verbose"],
    ])
    func otherFormsAreLeftToTheParser(_ arguments: [String]) {
        #expect(FastPath.parse(arguments) == nil, "the fast path took \(arguments)")
    }
}
