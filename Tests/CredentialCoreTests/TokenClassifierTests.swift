import CredentialCore
import Testing

/// Test helpers: base64url and JWT-shaped strings (no Foundation in the core's tests either).
enum Tokens {
    static func jwt(header: String = #"{"alg":"EdDSA","typ":"JWT"}"#, claims: String, signature: String = "c2ln")
        -> String
    {
        Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(claims.utf8)) + "." + signature
    }
    static let now = Timestamp(secondsSinceEpoch: 1_790_000_000)  // 2026-09-21
    static let future: Int64 = 1_800_000_000
    static let past: Int64 = 1_700_000_000
}

@Suite("Token classification")
struct TokenClassifierTests {
    struct Accepted: CustomTestStringConvertible, Sendable {
        var name: String
        var input: String
        var expectation: TokenExpectation
        var kind: CredentialKind
        var token: String
        var expiresAt: Int64?
        var testDescription: String { name }
    }

    static let futureJWT = Tokens.jwt(claims: #"{"exp":\#(Tokens.future),"account_id":"a","email":"e@x"}"#)
    static let noExpJWT = Tokens.jwt(claims: #"{"account_id":"a"}"#)
    static let floatExpJWT = Tokens.jwt(claims: #"{"exp":1.8e9}"#)

    @Test(arguments: [
        Accepted(name: "personal access token", input: "at-abc_DEF-123", expectation: .accessToken,
                 kind: .personalAccessToken, token: "at-abc_DEF-123"),
        Accepted(name: "trims surrounding whitespace", input: "  \n\tat-abc\r\n\n", expectation: .accessToken,
                 kind: .personalAccessToken, token: "at-abc"),
        Accepted(name: "agent identity JWT with exp", input: futureJWT, expectation: .accessToken, kind: .agentIdentity,
                 token: futureJWT, expiresAt: Tokens.future),
        Accepted(name: "agent identity JWT without exp", input: noExpJWT, expectation: .accessToken,
                 kind: .agentIdentity, token: noExpJWT),
        Accepted(name: "exp written as an integral float", input: floatExpJWT, expectation: .accessToken,
                 kind: .agentIdentity, token: floatExpJWT, expiresAt: 1_800_000_000),
        Accepted(name: "API key", input: "sk-proj-abc123\n", expectation: .apiKey, kind: .apiKey, token: "sk-proj-abc123"),
    ])
    func accepts(_ case_: Accepted) throws {
        let result = try TokenClassifier.classify(Array(case_.input.utf8), expecting: case_.expectation, now: Tokens.now)
        #expect(result.kind == case_.kind)
        #expect(result.token == case_.token)
        #expect(result.expiresAt == case_.expiresAt.map { Timestamp(secondsSinceEpoch: $0) })
    }

    struct Refused: CustomTestStringConvertible, Sendable {
        var name: String
        var input: [UInt8]
        var expectation: TokenExpectation = .accessToken
        var messageContains: String
        var testDescription: String { name }
    }

    static let secret = "SECRETPART"

    static let refused: [Refused] = [
        Refused(name: "empty", input: [], messageContains: "empty"),
        Refused(name: "whitespace only", input: Array(" \n\t ".utf8), messageContains: "empty"),
        Refused(name: "over 64 KiB", input: Array(("at-" + String(repeating: "a", count: 64 * 1024)).utf8),
                messageContains: "over the 64 KiB limit"),
        Refused(name: "NUL inside", input: Array("at-\(secret)".utf8) + [0] + Array("x".utf8), messageContains: "NUL"),
        Refused(name: "space inside", input: Array("at-\(secret) more".utf8), messageContains: "whitespace"),
        Refused(name: "newline inside", input: Array("at-\(secret)\nat-second".utf8), messageContains: "whitespace"),
        Refused(name: "escape character", input: Array("at-\(secret)".utf8) + [0x1B], messageContains: "control character"),
        Refused(name: "DEL", input: Array("at-\(secret)".utf8) + [0x7F], messageContains: "control character"),
        Refused(name: "invalid UTF-8", input: Array("at-\(secret)".utf8) + [0xFF], messageContains: "UTF-8"),
        Refused(name: "non-ASCII", input: Array("at-\(secret)é".utf8), messageContains: "outside printable ASCII"),
        Refused(name: "API key as access token", input: Array("sk-proj-\(secret)".utf8), messageContains: "login --with-api-key"),
        Refused(name: "bare sk- prefix as API key", input: Array("sk-".utf8), expectation: .apiKey, messageContains: "prefix"),
        Refused(name: "bare at- prefix", input: Array("at-".utf8), messageContains: "prefix"),
        Refused(name: "browser session token (JWE)", input: Array("eyJh.\(secret).c.d.e".utf8), messageContains: "browser session token"),
        Refused(name: "JWT with bad header", input: Array("notbase64!.\(secret).sig".utf8), messageContains: "header"),
        Refused(name: "JWT whose header is not JSON", input: Array((Base64URL.encode(Array("hello".utf8)) + ".e30.c2ln").utf8), messageContains: "header"),
        Refused(name: "JWT whose header is a JSON array", input: Array((Base64URL.encode(Array("[1]".utf8)) + ".e30.c2ln").utf8), messageContains: "header"),
        Refused(name: "JWT with bad payload", input: Array(Tokens.jwt(claims: "not json").utf8), messageContains: "payload"),
        Refused(name: "JWT with empty signature", input: Array((Base64URL.encode(Array(#"{"alg":"x"}"#.utf8)) + ".e30.").utf8), messageContains: "signature"),
        Refused(name: "JWT whose exp is a string", input: Array(Tokens.jwt(claims: #"{"exp":"tomorrow"}"#).utf8), messageContains: "exp claim is not a valid number"),
        Refused(name: "JWT whose exp is fractional", input: Array(Tokens.jwt(claims: #"{"exp":1800000000.5}"#).utf8), messageContains: "exp claim"),
        Refused(name: "expired JWT names the date", input: Array(Tokens.jwt(claims: #"{"exp":\#(Tokens.past)}"#).utf8), messageContains: "expired on 2023-11-14T22:13:20Z"),
        Refused(name: "two segments", input: Array("abc.\(secret)".utf8), messageContains: "not a Codex access token"),
        Refused(name: "random word", input: Array(secret.utf8), messageContains: "not a Codex access token"),
        Refused(name: "access token given as API key", input: Array("at-\(secret)".utf8), expectation: .apiKey, messageContains: "login --with-access-token"),
        Refused(name: "random word as API key", input: Array(secret.utf8), expectation: .apiKey, messageContains: "starts with \"sk-\""),
    ]

    @Test(arguments: refused)
    func refuses(_ case_: Refused) {
        let error = #expect(throws: HelperError.self) {
            try TokenClassifier.classify(case_.input, expecting: case_.expectation, now: Tokens.now)
        }
        #expect(error?.code == .badInput)
        #expect(error?.message.contains(case_.messageContains) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains(Self.secret) == false, "a message must never quote the token")
    }

    @Test func sixtyFourKiBExactlyIsAccepted() throws {
        let token = "at-" + String(repeating: "a", count: 64 * 1024 - 3)
        let result = try TokenClassifier.classify(Array(token.utf8), expecting: .accessToken, now: Tokens.now)
        #expect(result.token.utf8.count == 64 * 1024)
    }
}
