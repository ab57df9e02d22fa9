import CredentialCore
import Testing

/// Distinct keys made of letters only: 0 → "a", 26 → "ba".
func letters(_ n: Int) -> String {
    var n = n
    var out = ""
    repeat {
        out = String(UnicodeScalar(UInt8(97 + n % 26))) + out
        n /= 26
    } while n > 0
    return out
}

@Suite("Wire format")
struct WireFormatTests {
    static func parse(_ text: [UInt8]) throws(HelperError) -> WireRequest {
        var reader = ArrayReader(text)
        return try WireFormat.readRequest(from: &reader)
    }

    struct Good: CustomTestStringConvertible, Sendable {
        var name: String
        var input: String
        var expected: [String]  // "key=value" strings
        var testDescription: String { name }
    }

    @Test(arguments: [
        Good(name: "empty input", input: "", expected: []),
        Good(name: "only a blank line", input: "\n", expected: []),
        Good(name: "one line, no newline", input: "codex_home=/x", expected: ["codex_home=/x"]),
        Good(name: "two lines", input: "kind=api_key\ntoken=sk-1\n", expected: ["kind=api_key", "token=sk-1"]),
        Good(name: "stops at the blank line", input: "a=1\n\nb=2\n", expected: ["a=1"]),
        Good(name: "value with '='", input: "token=ab==\n", expected: ["token=ab=="]),
        Good(name: "empty value", input: "account=\n", expected: ["account="]),
        Good(name: "unknown keys kept for the caller to ignore", input: "future_key=x\n", expected: ["future_key=x"]),
        Good(name: "UTF-8 value", input: "codex_home=/home/zoë\n", expected: ["codex_home=/home/zoë"]),
        Good(name: "underscore key", input: "_=1\n", expected: ["_=1"]),
    ])
    func parsesGoodInput(_ case_: Good) throws {
        let request = try Self.parse(Array(case_.input.utf8))
        #expect(request.fields.map { "\($0.key)=\($0.value)" } == case_.expected)
    }

    struct Bad: CustomTestStringConvertible, Sendable {
        var name: String
        var input: [UInt8]
        var messageContains: String
        var testDescription: String { name }
    }

    static let secretish = "at-SECRETVALUE"

    @Test(arguments: [
        Bad(name: "no '='", input: Array("token\n".utf8), messageContains: "Line 1: has no '='"),
        Bad(name: "empty key", input: Array("=x\n".utf8), messageContains: "Line 1: has an empty key"),
        Bad(name: "uppercase key", input: Array("Token=x\n".utf8), messageContains: "[a-z_]+"),
        Bad(name: "digit in key", input: Array("k1=x\n".utf8), messageContains: "[a-z_]+"),
        Bad(name: "dash in key", input: Array("codex-home=x\n".utf8), messageContains: "[a-z_]+"),
        Bad(name: "space in key", input: Array("kind =x\n".utf8), messageContains: "[a-z_]+"),
        Bad(name: "duplicate key", input: Array("token=a\ntoken=b\n".utf8), messageContains: "Line 2: repeats the key 'token'"),
        Bad(name: "CR at end of line", input: Array("token=\(secretish)\r\n".utf8), messageContains: "Line 1: contains a carriage return"),
        Bad(name: "CR inside value", input: Array("a=1\ntoken=x\ry\n".utf8), messageContains: "Line 2: contains a carriage return"),
        Bad(name: "NUL in value", input: Array("token=ab".utf8) + [0] + Array("cd\n".utf8), messageContains: "Line 1: contains a NUL byte"),
        Bad(name: "invalid UTF-8", input: Array("token=".utf8) + [0xC3, 0x28] + [0x0A], messageContains: "Line 1: is not valid UTF-8"),
        Bad(name: "overlong UTF-8", input: Array("v=".utf8) + [0xC0, 0xAF] + [0x0A], messageContains: "not valid UTF-8"),
        Bad(name: "line over 64 KiB", input: Array("token=".utf8) + Array(repeating: UInt8(ascii: "a"), count: 64 * 1024) + [0x0A], messageContains: "Line 1: longer than 64 KiB"),
        Bad(name: "request over 1 MiB", input: Array((0..<20_000).map { "\(letters($0))=\(String(repeating: "v", count: 60))\n" }.joined().utf8), messageContains: "larger than 1 MiB"),
    ])
    func refusesBadInput(_ case_: Bad) {
        let error = #expect(throws: HelperError.self) { try Self.parse(case_.input) }
        #expect(error?.code == .badInput)
        #expect(error?.code.exitStatus == 65)
        #expect(error?.message.contains(case_.messageContains) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains(Self.secretish) == false)
        #expect(error?.message.contains("SECRET") == false)
    }

    @Test func lineOfExactly64KiBIsAccepted() throws {
        let value = String(repeating: "a", count: 64 * 1024 - "token=".count)
        let request = try Self.parse(Array("token=\(value)\n".utf8))
        #expect(request["token"]?.count == value.count)
    }

    @Test func readerStopsAtBlankLineWithoutReadingFurther() throws {
        // A reader that fails if asked for more after the blank line: an interactive writer need not close stdin.
        struct Chunks: ByteReader {
            var chunks: [[UInt8]]
            mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(HelperError) -> Int {
                guard !chunks.isEmpty else { throw HelperError(.internalError, "read past the blank line") }
                let chunk = chunks.removeFirst()
                for (i, b) in chunk.enumerated() { buffer[i] = b }
                return chunk.count
            }
        }
        var reader = Chunks(chunks: [Array("codex_home=/x\n".utf8), Array("\n".utf8)])
        let request = try WireFormat.readRequest(from: &reader)
        #expect(request["codex_home"] == "/x")
    }

    @Test func writerRoundTrips() throws {
        let fields = [("kind", "personal_access_token"), ("token", "at-x=y"), ("codex_home", "/h")]
        let bytes = try WireFormat.write(fields)
        #expect(String(decoding: bytes, as: UTF8.self) == "kind=personal_access_token\ntoken=at-x=y\ncodex_home=/h\n")
        let parsed = try Self.parse(bytes)
        #expect(parsed.fields.map { [$0.key, $0.value] } == fields.map { [$0.0, $0.1] })
    }
}
