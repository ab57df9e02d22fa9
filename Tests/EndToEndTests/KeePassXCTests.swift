import Foundation
import TestSupport
import Testing

/// KeePassXC's own behaviour, with the real KeePassXC: its confirmations on (a person allowing access, nobody there),
/// and a locked database. The flows both providers share run in the other suites, over `realProviders`.
@Suite("End to end: KeePassXC's confirmations and its locked database")
struct KeePassXCTests {
    /// KeePassXC with `settings` from its start (it reads them only then) and a credential the helper stored in it.
    /// ConfirmAccessItem applies to reads by a client that has not been allowed yet, and each helper run is a new
    /// client, so the login itself (which creates the item) asks nothing.
    func loggedIn(_ settings: KeyringSandbox.KeePassXCSettings) throws -> (KeyringSandbox, [String: String], String) {
        let sandbox = try KeyringSandbox(.keepassxc(settings))
        let home = try sandbox.makeCodexHome()
        let strict = ["CODEX_CREDENTIAL_BACKEND": "secret-service", "CODEX_HOME": home]
        let token = TestTokens.personal()
        let login = try helper(["login", "--with-access-token", "--timeout", "20"], in: sandbox, stdin: .text(token),
                               environment: strict)
        #expect(login.status == 0, "\(login)")
        return (sandbox, strict, token)
    }

    /// ConfirmAccessItem on: the item reads as locked to the helper (a new client); its Unlock shows KeePassXC's
    /// "Access Request" dialog; a person allowing it (Return on the default button, "Allow Selected") gives the
    /// helper the token, on the connection the dialog authorised.
    @Test func aPersonAllowingAccessGetsTheToken() throws {
        let (sandbox, strict, token) = try loggedIn(.init(confirmAccess: true))
        let person = try ChildProcess(
            TestPaths.systemPython, [TestPaths.keepassxcSupport, "press-return-in", "Access Request", "60"],
            environment: sandbox.desktopEnvironment, stdout: .null, stderr: .null)
        defer {
            person.signal(SIGKILL)
            _ = person.wait(timeout: 5)
        }
        let get = try helper(["get", "--format", "token", "--timeout", "60", "--verbose"], in: sandbox,
                             environment: strict, deadline: 90)
        #expect(get.status == 0, "\(get)")
        #expect(get.out == token + "\n")
        #expect(get.err.contains("prompt shown"), "the access was asked for: \(get.err)")
    }

    /// ConfirmAccessItem on and nobody there: 77 within --timeout, naming the access that was asked for; the dialog
    /// is dismissed and the item stays.
    @Test func nobodyThereIs77WithinTheTimeout() throws {
        let (sandbox, strict, _) = try loggedIn(.init(confirmAccess: true))
        let started = Date()
        let get = try helper(["get", "--format", "token", "--timeout", "3"], in: sandbox, environment: strict)
        let elapsed = Date().timeIntervalSince(started)
        #expect(get.status == 77, "\(get)")
        #expect(get.out.isEmpty)
        #expect(get.err.contains("The keyring asked for access to the keyring item, and nobody answered its prompt in time"),
                "\(get.err)")
        #expect(elapsed < 3 + 8 * Double(TestTiming.scale), "the bound held: \(elapsed) s")
        #expect(try sandbox.codexItems().count == 1)
    }

    /// ConfirmDeleteItem on: logout's deletion asks a person; nobody there gives 77 within --timeout and deletes
    /// nothing; with the confirmation off (the default, see LoginRoundTripTests) the deletion's prompt needs nobody.
    @Test func aDeletionNobodyConfirmsIs77AndDeletesNothing() throws {
        let (sandbox, strict, _) = try loggedIn(.init(confirmDelete: true))
        let logout = try helper(["logout", "--timeout", "3"], in: sandbox, environment: strict)
        #expect(logout.status == 77, "\(logout)")
        #expect(logout.err.contains("to confirm deleting the keyring item"), "\(logout.err)")
        #expect(!logout.err.contains("Not logged in"))
        #expect(try sandbox.codexItems().count == 1)
    }

    /// A locked database: 77 or 75 within --timeout, never "not found", whether KeePassXC searches a locked
    /// database (asking to unlock it) or finds nothing in it.
    @Test(arguments: [true, false])
    func aLockedDatabaseIsNeverNotFound(unlockBeforeSearch: Bool) throws {
        let (sandbox, strict, _) = try loggedIn(.init(unlockBeforeSearch: unlockBeforeSearch))
        try sandbox.keepassxcSupport(["lock"])
        for arguments in [["get", "--format", "token"], ["logout"]] {
            let started = Date()
            let result = try helper(arguments + ["--timeout", "3"], in: sandbox, environment: strict)
            let elapsed = Date().timeIntervalSince(started)
            #expect([75, 77].contains(result.status), "\(arguments[0]): \(result)")
            #expect(!result.err.contains("No Codex credential is stored"), "\(result.err)")
            #expect(!result.err.contains("Not logged in"), "\(result.err)")
            #expect(elapsed < 3 + 8 * Double(TestTiming.scale), "the bound held: \(elapsed) s")
        }
        // list and status say the keyring could not be searched: locked, or no answer while KeePassXC waits for
        // the database to be unlocked.
        let list = try helper(["list", "--timeout", "3"], in: sandbox, environment: strict)
        #expect((list.out + list.err).contains("is locked and could not be searched")
                    || (list.out + list.err).contains("did not answer within 3 s"), "\(list)")
        let status = try helper(["status", "--timeout", "3"], in: sandbox, environment: strict)
        #expect(status.out.contains("Credential      not checked in the Secret Service keyring"), "\(status.out)")
        #expect(!status.out.contains("none stored"), "\(status.out)")
    }
}
