/// Codex's auth record: the JSON that `codex login` writes to auth.json (pretty) or to the keyring (compact).
public enum AuthRecord {
    /// The `auth_mode` values Codex 0.159 knows. Any other value makes Codex refuse the whole record.
    public static let knownAuthModes: Set<String> = [
        "apikey", "chatgpt", "chatgptAuthTokens", "agentIdentity", "personalAccessToken", "bedrockApiKey",
        "bedrockAccessKeys",
    ]

    /// The record Codex itself writes for this token, as compact JSON: byte for byte the contract's shapes.
    public static func encode(_ token: ClassifiedToken) -> [UInt8] {
        let members: [(String, JSONValue)]
        switch token.kind {
        case .personalAccessToken:
            // No auth_mode, on purpose: that is what `codex login --with-access-token` writes for at- tokens.
            members = [("OPENAI_API_KEY", .null), ("personal_access_token", .string(token.token))]
        case .agentIdentity:
            members = [
                ("auth_mode", .string("agentIdentity")), ("OPENAI_API_KEY", .null),
                ("agent_identity", .string(token.token)),
            ]
        case .apiKey:
            members = [("auth_mode", .string("apikey")), ("OPENAI_API_KEY", .string(token.token))]
        case .chatgpt:
            // Only Codex's own browser or device login writes these; ClassifiedToken never carries this kind.
            preconditionFailure("the helper never forges a ChatGPT login record")
        }
        return JSONValue.object(members).compactBytes
    }

    /// A record read back from a store: its kind, and the bearer token Codex would send, when there is one.
    public struct Decoded: Equatable, Sendable {
        public var kind: CredentialKind
        /// nil for an agent identity stored as a registered-runtime object, which holds keys, not a bearer token.
        public var token: String?
        public var json: JSONValue
    }

    /// Reads a record as Codex does: unknown fields ignored, `auth_mode` decisive when present.
    public static func decode(_ bytes: some Collection<UInt8>) throws(HelperError) -> Decoded {
        let json: JSONValue
        do {
            json = try JSONValue.parse(bytes)
        } catch {
            throw HelperError(.badStoredData, "The stored credential is not valid JSON (\(error.reason) at byte \(error.offset)).")
        }
        guard case .object = json else {
            throw HelperError(.badStoredData, "The stored credential is not a JSON object, so it is not a Codex auth record.")
        }
        func string(_ key: String) -> String? {
            let value = json[key]?.stringValue
            if let value { Trace.shared.redact(value) }
            return value
        }
        for secretField in ["access_token", "refresh_token", "id_token"] {
            if let value = json["tokens"]?[secretField]?.stringValue { Trace.shared.redact(value) }
        }
        if let value = json["agent_identity"]?.stringValue { Trace.shared.redact(value) }

        let mode: String?
        switch json["auth_mode"] {
        case nil, .null?: mode = nil
        case let .string(value)?: mode = value
        default: throw HelperError(.badStoredData, "The stored record's auth_mode is not a string.")
        }

        switch mode {
        case "apikey"?:
            guard let key = string("OPENAI_API_KEY") else { throw missing("OPENAI_API_KEY", mode) }
            return Decoded(kind: .apiKey, token: key, json: json)
        case "chatgpt"?, "chatgptAuthTokens"?:
            guard let access = json["tokens"]?["access_token"]?.stringValue else {
                throw missing("tokens.access_token", mode)
            }
            return Decoded(kind: .chatgpt, token: access, json: json)
        case "agentIdentity"?:
            switch json["agent_identity"] {
            case let .string(jwt)?: return Decoded(kind: .agentIdentity, token: jwt, json: json)
            case .object?: return Decoded(kind: .agentIdentity, token: nil, json: json)
            default: throw missing("agent_identity", mode)
            }
        case "personalAccessToken"?:
            guard let token = string("personal_access_token") else { throw missing("personal_access_token", mode) }
            return Decoded(kind: .personalAccessToken, token: token, json: json)
        case let other?:
            if knownAuthModes.contains(other) {
                throw HelperError(
                    .badStoredData,
                    "The stored credential uses auth_mode \"\(other)\", which this helper does not serve.")
            }
            throw HelperError(
                .badStoredData,
                "The stored record has an auth_mode Codex does not know (\"\(sanitized(other))\"); Codex would "
                    + "refuse it too. Log in again to replace it.")
        case nil:
            if let token = string("personal_access_token") {
                return Decoded(kind: .personalAccessToken, token: token, json: json)
            }
            if let key = string("OPENAI_API_KEY") { return Decoded(kind: .apiKey, token: key, json: json) }
            if let access = json["tokens"]?["access_token"]?.stringValue {
                return Decoded(kind: .chatgpt, token: access, json: json)
            }
            throw HelperError(
                .badStoredData, "The stored record holds no credential Codex can use (no token and no API key).")
        }
    }

    private static func missing(_ field: String, _ mode: String?) -> HelperError {
        HelperError(.badStoredData, "The stored record has auth_mode \"\(mode ?? "")\" but no usable \(field) field.")
    }

    /// A value from a record, made safe to quote in a message: at most 40 printable ASCII characters.
    static func sanitized(_ text: String) -> String {
        let printable = text.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" }
        return String(printable.prefix(40))
    }
}

extension AuthRecord.Decoded {
    /// When the bearer token itself says it expires: the `exp` claim of an agent-identity JWT; nil for opaque tokens.
    public var tokenExpiry: Timestamp? {
        guard kind == .agentIdentity, let token else { return nil }
        // `now` at the epoch: only the claim is wanted here, not the "already expired" refusal.
        return (try? TokenClassifier.classify(Array(token.utf8), expecting: .accessToken,
                                              now: Timestamp(secondsSinceEpoch: 0)))?.expiresAt
    }
}
