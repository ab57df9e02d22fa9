import Foundation
import TestSupport
import Testing

/// Runs `count` jobs at once, each on a thread of its own (not GCD's small pool), and waits for all.
final class ConcurrentResults<T>: @unchecked Sendable {
    let lock = NSLock()
    var values: [T?]
    init(_ count: Int) { values = [T?](repeating: nil, count: count) }
    func set(_ index: Int, _ value: T) { lock.lock(); values[index] = value; lock.unlock() }
}

func concurrently<T>(_ count: Int, _ job: @escaping (Int) -> T) -> [T] {
    let results = ConcurrentResults<T>(count)
    let done = DispatchGroup()
    for index in 0..<count {
        done.enter()
        Thread {
            results.set(index, job(index))
            done.leave()
        }.start()
    }
    done.wait()
    return results.values.map { $0! }
}

@Suite("End to end: the encrypted file under concurrency and crashes")
struct FileRobustnessTests {
    @Test func twentyWritersAndTwentyReadersAtOnce() throws {
        let sandbox = try KeyringSandbox(.none)
        let home = try sandbox.makeCodexHome()
        let env = ["CODEX_CREDENTIAL_BACKEND": "file", "CODEX_HOME": home]
        let first = TestTokens.personal()
        try #require(try helper(["login", "--with-access-token"], in: sandbox, stdin: .text(first), environment: env).status == 0)
        let tokens = (0..<20).map { _ in TestTokens.personal() }
        let allowed = Set(tokens + [first])

        let results = concurrently(40) { index -> ProcessResult? in
            if index % 2 == 0 {
                return try? runProcess(TestPaths.helperBinary, ["store"], environment: sandbox.environment.merging(env) { $1 },
                                       stdin: .text("token=\(tokens[index / 2])\n"), deadline: 60)
            }
            return try? runProcess(TestPaths.helperBinary, ["get", "--format", "token"],
                                   environment: sandbox.environment.merging(env) { $1 }, deadline: 60)
        }
        for (index, result) in results.enumerated() {
            let result = try #require(result)
            #expect(result.status == 0, "process \(index): \(result)")
            if index % 2 == 1 {
                let token = result.out.trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(allowed.contains(token), "reader \(index) saw something no writer wrote: \(result)")
            }
        }
        // The file decodes, and holds one of the written tokens: the last writer's.
        let final = try helper(["get", "--format", "token"], in: sandbox, environment: env)
        #expect(tokens.contains(final.out.trimmingCharacters(in: .whitespacesAndNewlines)))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: home).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "temporary files left behind: \(leftovers)")
    }

    @Test func killedWritersLeaveTheOldOrTheNewCredential() throws {
        let sandbox = try KeyringSandbox(.none)
        let home = try sandbox.makeCodexHome()
        let env = sandbox.environment.merging(["CODEX_CREDENTIAL_BACKEND": "file", "CODEX_HOME": home]) { $1 }
        var current = TestTokens.personal()
        try #require(try runProcess(TestPaths.helperBinary, ["store"], environment: env, stdin: .text("token=\(current)\n")).status == 0)
        // Kill anywhere in the span of one whole store (the fastest of three, measured here under this machine's
        // load; the first process a test runner starts is slower) and a bit past it.
        var fastest = TimeInterval.infinity
        for _ in 0..<3 {
            let started = Date()
            try #require(try runProcess(TestPaths.helperBinary, ["store"], environment: env, stdin: .text("token=\(current)\n")).status == 0)
            fastest = min(fastest, Date().timeIntervalSince(started))
        }
        let window = UInt32(max(0.01, fastest) * 1.5 * 1_000_000)
        var sawOld = 0
        var sawNew = 0
        for round in 0..<40 {
            let next = TestTokens.personal()
            let process = try ChildProcess(TestPaths.helperBinary, ["store"], environment: env, stdin: .pipe, stdout: .null,
                                           stderr: .null)
            process.send(Data("token=\(next)\n".utf8))
            // Anywhere from before it has read its input to after it has renamed the file into place.
            usleep(UInt32.random(in: 0...window))
            process.signal(SIGKILL)
            process.wait()

            let get = try runProcess(TestPaths.helperBinary, ["get", "--format", "token"], environment: env)
            let seen = get.out.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(get.status == 0, "round \(round): the file no longer decodes: \(get)")
            #expect(seen == current || seen == next, "round \(round): neither the old nor the new credential")
            if seen == next {
                sawNew += 1
                current = next
            } else {
                sawOld += 1
            }
        }
        // Both outcomes must occur, or the kills never landed inside a write and the test proved nothing.
        #expect(sawOld > 0, "no kill interrupted a store (window \(window) µs)")
        #expect(sawNew > 0, "no store completed before its kill (window \(window) µs)")
        #expect(filesContaining(current, under: sandbox.root).isEmpty)
    }
}
