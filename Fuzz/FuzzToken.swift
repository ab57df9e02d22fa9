// libFuzzer target: token classification and Codex auth records (JSON, base64url, JWT claims).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzToken(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let now = Timestamp(secondsSinceEpoch: 1_790_000_000)
    for expectation in [TokenExpectation.accessToken, .apiKey] {
        if let token = try? TokenClassifier.classify(bytes, expecting: expectation, now: now) {
            // A token that passes is stored as a record that must read back as the same token.
            let decoded = try? AuthRecord.decode(AuthRecord.encode(token))
            precondition(decoded?.token == token.token && decoded?.kind == token.kind, "record round trip failed")
        }
    }
    _ = try? AuthRecord.decode(bytes)
    return 0
}
