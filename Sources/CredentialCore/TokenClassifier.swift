/// Which credential a command expects on its input.
public enum TokenExpectation: Sendable {
    /// `login --with-access-token`: a personal access token (`at-…`) or an agent-identity JWT.
    case accessToken
    /// `login --with-api-key`: a Platform API key (`sk-…`).
    case apiKey
}

/// A token that passed every rule, with what it says about itself.
public struct ClassifiedToken: Equatable, Sendable {
    public var kind: CredentialKind
    public var token: String
    /// From the JWT's `exp` claim; nil for opaque tokens.
    public var expiresAt: Timestamp?

    public init(kind: CredentialKind, token: String, expiresAt: Timestamp?) {
        self.kind = kind
        self.token = token
        self.expiresAt = expiresAt
    }
}

/// The rules a token must pass before anything is stored. Every message names the rule that failed and
/// never contains the token or any part of it.
public enum TokenClassifier {
    public static let maxTokenBytes = 64 * 1024

    public static func classify(
        _ raw: some Collection<UInt8>, expecting expectation: TokenExpectation, now: Timestamp
    ) throws(HelperError) -> ClassifiedToken {
        let bytes = trimmed(raw)
        try checkShape(bytes)
        // Shape checks passed: every byte is printable ASCII.
        let token = String(decoding: bytes, as: UTF8.self)
        Trace.shared.redact(token)

        if token.hasPrefix("sk-") {
            guard expectation == .apiKey else {
                throw HelperError(
                    .badInput,
                    "This is a Platform API key (it starts with \"sk-\"), not a Codex access token. Access tokens "
                        + "start with \"at-\" (a personal access token from the workspace's Access tokens page) or "
                        + "are agent-identity JWTs. If API-key authentication fits, use "
                        + "`codex-credential-helper login --with-api-key`.")
            }
            guard bytes.count > 3 else { throw HelperError(.badInput, "The API key is only its \"sk-\" prefix.") }
            return ClassifiedToken(kind: .apiKey, token: token, expiresAt: nil)
        }

        let segments = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        if segments.count == 5 {
            throw HelperError(
                .badInput,
                "This looks like a browser session token (an encrypted JWE: five parts separated by dots). Codex "
                    + "cannot use it, and it should not be copied out of a browser. Create a personal access token "
                    + "(at-…) on the workspace's Access tokens page instead.")
        }

        let classified: ClassifiedToken
        if token.hasPrefix("at-") {
            guard bytes.count > 3 else {
                throw HelperError(.badInput, "The token is only the \"at-\" prefix; the rest of it is missing.")
            }
            classified = ClassifiedToken(kind: .personalAccessToken, token: token, expiresAt: nil)
        } else if segments.count == 3 {
            let expiry = try jwtExpiry(segments: segments.map(Array.init))
            classified = ClassifiedToken(kind: .agentIdentity, token: token, expiresAt: expiry)
        } else {
            throw HelperError(
                .badInput,
                expectation == .apiKey
                    ? "This is not a Platform API key: an API key starts with \"sk-\"."
                    : "This is not a Codex access token: expected a personal access token starting with \"at-\" "
                        + "or an agent-identity JWT (three base64url parts separated by dots).")
        }

        if expectation == .apiKey {
            throw HelperError(
                .badInput,
                "This is a Codex access token (\(classified.kind.displayName)), not an API key; use "
                    + "`codex-credential-helper login --with-access-token`.")
        }
        if let expiry = classified.expiresAt, expiry <= now {
            throw HelperError(
                .badInput,
                "This agent-identity token expired on \(expiry.rfc3339) (its exp claim); create a new one.")
        }
        return classified
    }

    /// Whether `text` has the shape of a credential of a kind this helper handles (a personal access token
    /// `at-…`, an API key `sk-…`, a JWT or JWE `eyJ….…`), for keeping one given in the wrong place (the command
    /// line) out of messages. A shape, not a check: `classify` decides what is stored.
    public static func looksLikeCredential(_ text: String) -> Bool {
        guard text.utf8.count >= 8 else { return false }
        return text.hasPrefix("at-") || text.hasPrefix("sk-") || (text.hasPrefix("eyJ") && text.contains("."))
    }

    /// Surrounding whitespace (space, tab, CR, LF, VT, FF) removed, as Codex trims stdin.
    public static func trimmed(_ raw: some Collection<UInt8>) -> ArraySlice<UInt8> {
        let bytes = ArraySlice(raw)
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0D).contains(b) }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }),
            let last = bytes.lastIndex(where: { !isSpace($0) })
        else { return [] }
        return bytes[first...last]
    }

    static func checkShape(_ bytes: ArraySlice<UInt8>) throws(HelperError) {
        if bytes.isEmpty {
            throw HelperError(
                .badInput,
                "No token was given: the input was empty. Pipe the token in, for example "
                    + "`printf '%s' \"$CODEX_TOKEN_SECRET\" | codex-credential-helper login --with-access-token`.")
        }
        if bytes.count > maxTokenBytes {
            throw HelperError(
                .badInput, "The token is \(bytes.count) bytes long, over the 64 KiB limit; that is not a Codex token.")
        }
        if bytes.contains(0) { throw HelperError(.badInput, "The token contains a NUL byte.") }
        if String(validating: bytes, as: UTF8.self) == nil {
            throw HelperError(.badInput, "The token is not valid UTF-8 text.")
        }
        if bytes.contains(where: { $0 == 0x20 || (0x09...0x0D).contains($0) }) {
            throw HelperError(
                .badInput,
                "The token contains whitespace (a space, tab or line break inside it); a token is one unbroken word. "
                    + "Check that only the token was piped in.")
        }
        if bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw HelperError(.badInput, "The token contains a control character.")
        }
        if bytes.contains(where: { $0 > 0x7E }) {
            throw HelperError(.badInput, "The token contains characters outside printable ASCII; tokens never do.")
        }
    }

    /// A JWT's header must be a base64url JSON object; its payload, a JSON object whose `exp`, if present,
    /// is a number of seconds since the epoch.
    static func jwtExpiry(segments: [[UInt8]]) throws(HelperError) -> Timestamp? {
        func decodeObject(_ segment: [UInt8]) -> JSONValue? {
            guard !segment.isEmpty, segment.allSatisfy(Base64URL.isAlphabet),
                let decoded = Base64URL.decode(String(decoding: segment, as: UTF8.self)),
                let value = try? JSONValue.parse(decoded, maxDepth: 16), case .object = value
            else { return nil }
            return value
        }
        guard decodeObject(segments[0]) != nil else {
            throw HelperError(
                .badInput,
                "The token has three parts separated by dots like a JWT, but its header is not base64url-encoded "
                    + "JSON, so it is not an agent-identity token.")
        }
        guard let claims = decodeObject(segments[1]) else {
            throw HelperError(
                .badInput,
                "The token looks like a JWT, but its payload (the claims) is not a base64url-encoded JSON object.")
        }
        guard !segments[2].isEmpty, segments[2].allSatisfy(Base64URL.isAlphabet) else {
            throw HelperError(.badInput, "The token looks like a JWT, but its signature part is empty or not base64url.")
        }
        guard let exp = claims["exp"] else { return nil }
        guard let seconds = exp.integerValue, seconds > 0, seconds < 253_402_300_800 else {
            throw HelperError(.badInput, "The JWT's exp claim is not a valid number of seconds since 1970.")
        }
        return Timestamp(secondsSinceEpoch: seconds)
    }
}
