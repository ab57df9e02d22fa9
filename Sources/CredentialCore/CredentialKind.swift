/// What a stored credential is. The raw values are the protocol's `kind=` values.
public enum CredentialKind: String, Sendable, CaseIterable {
    case personalAccessToken = "personal_access_token"
    case agentIdentity = "agent_identity"
    case apiKey = "api_key"
    case chatgpt = "chatgpt"

    /// How a sentence names it.
    public var displayName: String {
        switch self {
        case .personalAccessToken: return "personal access token"
        case .agentIdentity: return "agent-identity token"
        case .apiKey: return "API key"
        case .chatgpt: return "ChatGPT login"
        }
    }
}
