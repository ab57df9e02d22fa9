import CredentialCore
import Testing

@Suite("Auth record JSON")
struct AuthRecordTests {
    struct Shape: CustomTestStringConvertible, Sendable {
        var name: String
        var kind: CredentialKind
        var token: String
        var json: String
        var testDescription: String { name }
    }

    static let jwt = Tokens.jwt(claims: #"{"exp":1800000000}"#)

    /// The contract's shapes, byte for byte.
    @Test(arguments: [
        Shape(name: "personal access token (no auth_mode)", kind: .personalAccessToken, token: "at-abc",
              json: #"{"OPENAI_API_KEY":null,"personal_access_token":"at-abc"}"#),
        Shape(name: "agent identity", kind: .agentIdentity, token: jwt,
              json: #"{"auth_mode":"agentIdentity","OPENAI_API_KEY":null,"agent_identity":"\#(jwt)"}"#),
        Shape(name: "API key", kind: .apiKey, token: "sk-proj-1",
              json: #"{"auth_mode":"apikey","OPENAI_API_KEY":"sk-proj-1"}"#),
    ])
    func encodesContractShapes(_ shape: Shape) throws {
        let bytes = AuthRecord.encode(ClassifiedToken(kind: shape.kind, token: shape.token, expiresAt: nil))
        #expect(String(decoding: bytes, as: UTF8.self) == shape.json)
        let decoded = try AuthRecord.decode(bytes)
        #expect(decoded.kind == shape.kind)
        #expect(decoded.token == shape.token)
    }

    struct Readable: CustomTestStringConvertible, Sendable {
        var name: String
        var json: String
        var kind: CredentialKind
        var token: String?
        var testDescription: String { name }
    }

    @Test(arguments: [
        Readable(name: "Codex's chatgpt record", json: """
            {"auth_mode":"chatgpt","OPENAI_API_KEY":null,"tokens":{"id_token":"i.d.t","access_token":"acc.ess.tok","refresh_token":"r","account_id":"a"},"last_refresh":"2026-11-01T00:00:00Z"}
            """, kind: .chatgpt, token: "acc.ess.tok"),
        Readable(name: "pretty auth.json with unknown fields", json: """
            {
              "OPENAI_API_KEY": null,
              "personal_access_token": "at-x",
              "future_field": {"nested": [1, 2.5e3, true]}
            }
            """, kind: .personalAccessToken, token: "at-x"),
        Readable(name: "auth_mode personalAccessToken", json: #"{"auth_mode":"personalAccessToken","OPENAI_API_KEY":null,"personal_access_token":"at-y"}"#,
                 kind: .personalAccessToken, token: "at-y"),
        Readable(name: "agent identity as an object", json: #"{"auth_mode":"agentIdentity","OPENAI_API_KEY":null,"agent_identity":{"agent_runtime_id":"rt","agent_private_key":"k"}}"#,
                 kind: .agentIdentity, token: nil),
        Readable(name: "legacy API key without auth_mode", json: #"{"OPENAI_API_KEY":"sk-old"}"#, kind: .apiKey, token: "sk-old"),
        Readable(name: "escaped characters", json: #"{"auth_mode":"apikey","OPENAI_API_KEY":"sk-\u0041\/b"}"#, kind: .apiKey, token: "sk-A/b"),
    ])
    func decodesWhatCodexWrites(_ case_: Readable) throws {
        let decoded = try AuthRecord.decode(Array(case_.json.utf8))
        #expect(decoded.kind == case_.kind)
        #expect(decoded.token == case_.token)
    }

    @Test(arguments: [
        (#"{"auth_mode":"quantum","OPENAI_API_KEY":null}"#, "does not know"),
        (#"{"auth_mode":"bedrockApiKey"}"#, "does not serve"),
        (#"{"auth_mode":"apikey","OPENAI_API_KEY":null}"#, "OPENAI_API_KEY"),
        (#"{"auth_mode":"chatgpt","tokens":{}}"#, "tokens.access_token"),
        (#"{"OPENAI_API_KEY":null}"#, "no credential"),
        (#"["not","an","object"]"#, "not a JSON object"),
        (#"{"OPENAI_API_KEY":null,"personal_access_token":"at-x""#, "not valid JSON"),
        (#"{"auth_mode":7}"#, "not a string"),
    ])
    func refusesUnusableRecords(_ json: String, _ messagePart: String) {
        let error = #expect(throws: HelperError.self) { try AuthRecord.decode(Array(json.utf8)) }
        #expect(error?.code == .badStoredData)
        #expect(error?.message.contains(messagePart) == true, "\(error?.message ?? "")")
    }
}

@Suite("JSON")
struct JSONTests {
    @Test(arguments: [
        (#"{"a":"x\"y\\z"}"#, #"{"a":"x\"y\\z"}"#),
        (#"{"a":"\u0001\n\t\b\f\r"}"#, #"{"a":"\u0001\n\t\b\f\r"}"#),
        (#"{"a":"/é"}"#, #"{"a":"/é"}"#),
        (#"{"a":"\ud83d\ude00"}"#, #"{"a":"😀"}"#),
        (#" [ 1 , -2.5e+3 , true , false , null , {} , [] ] "#, #"[1,-2.5e+3,true,false,null,{},[]]"#),
    ])
    func writesAsSerdeJSONDoes(_ input: String, _ compact: String) throws {
        #expect(try JSONValue.parse(input).compactString == compact)
    }

    @Test(arguments: [
        "", "{", #"{"a"}"#, #"{"a":}"#, "[1,]", "01", "1.", "-", "tru", #""\x""#, #""\ud800""#, "{}x", "\"a\u{01}\"",
        String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
    ])
    func refusesMalformed(_ input: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(input) }
    }
}
