import Crypto

/// SHA-256 from swift-crypto, for Codex's keyring account name (`cli|` + 16 hex digits of the Codex home's path)
/// and the metadata fingerprint. Neither is a security boundary: both reduce values that are not secret, or are
/// high-entropy tokens, to a short identifier.
public enum Digest {
    public static func sha256<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> [UInt8] {
        Array(SHA256.hash(data: Array(bytes)))
    }

    /// The digest as lowercase hex.
    public static func sha256Hex<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String { hexString(sha256(bytes)) }
}

/// Bytes as lowercase hex.
public func hexString<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}
