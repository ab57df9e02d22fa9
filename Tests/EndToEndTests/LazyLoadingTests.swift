import Foundation
import TestSupport
import Testing

/// libsecret and GLib are loaded with dlopen at the first keyring call, never at start-up: a file-backend get does
/// not load them; a keyring get (and an automatic one, which asks the keyring first) does.
@Suite("End to end: libsecret is loaded at the first keyring call, never for the file")
struct LazyLoadingTests {
    /// The shared objects the dynamic loader reports loading (LD_DEBUG=files), by file name.
    private func loadedLibraries(_ stderr: String) -> Set<String> {
        var names: Set<String> = []
        for line in stderr.split(separator: "\n") where line.contains("file=") && line.contains("[0];") {
            guard let start = line.range(of: "file=")?.upperBound else { continue }
            let path = line[start...].prefix { $0 != " " && $0 != "[" }
            names.insert(String(path.split(separator: "/").last ?? path[...]))
        }
        return names
    }

    /// A get from the file, from the keyring, and with the backend chosen automatically (the keyring answers).
    @Test(arguments: ["file", "secret-service", "auto"])
    func onlyAKeyringGetLoadsGLib(backend: String) throws {
        let sandbox = try KeyringSandbox()
        let home = try sandbox.makeCodexHome()
        let token = TestTokens.personal()
        let login = try helper(["login", "--with-access-token", "--backend", backend == "file" ? "file" : "secret-service",
                                "--codex-home", home], in: sandbox, stdin: .text(token))
        #expect(login.status == 0, "\(login)")

        let get = try helper(["get", "--format", "token", "--backend", backend, "--codex-home", home], in: sandbox,
                             environment: ["LD_DEBUG": "files"])
        #expect(get.status == 0, "\(get)")
        #expect(get.out == token + "\n")
        let loaded = loadedLibraries(get.err)
        #expect(loaded.contains { $0.hasPrefix("libc.so") }, "LD_DEBUG reported nothing: \(get.err.prefix(400))")
        for library in ["libsecret-1", "libglib-2.0", "libgio-2.0", "libgobject-2.0", "libgcrypt"] {
            #expect(loaded.contains { $0.hasPrefix(library) } == (backend != "file"),
                    "a \(backend) get and \(library): \(loaded.sorted())")
        }
    }
}
