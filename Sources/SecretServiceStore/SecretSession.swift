internal import CLibSecret
import Crypto
import CryptoExtras
import CredentialCore

/// The client's half of a Secret Service session: how secrets travel over the bus.
///
/// `dh-ietf1024-sha256-aes128-cbc-pkcs7` (the Secret Service API's one encrypted algorithm, which gnome-keyring,
/// KeePassXC and KWallet offer): Diffie-Hellman in the 1024-bit MODP group of RFC 2409 (generator 2), HKDF-SHA-256
/// of the shared secret (padded to 128 bytes, no salt, no info) to a 16-byte key, AES-128-CBC with PKCS#7 padding
/// and a fresh IV per secret. As libsecret does, `plain` only when the provider does not offer that algorithm.
///
/// The private exponent is 256 random bits, not libsecret's 1024: discrete logarithms in this group cost about 2^80
/// whatever the exponent, and 256 bits put Pollard's lambda at 2^128, while the exchange takes 1 ms instead of
/// libgcrypt's 4 (ccs_dh.c).
struct SecretSession {
    enum Algorithm {
        case dh(SymmetricKey)
        case plain
    }

    static let dhAlgorithm = "dh-ietf1024-sha256-aes128-cbc-pkcs7"

    let path: String
    let algorithm: Algorithm

    /// RFC 2409, section 6.2 (the "Second Oakley Group").
    static let prime: [UInt8] = hexBytes(
        "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
            + "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
            + "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF")

    /// One side of the exchange: a random private exponent and its public key 2^x mod p.
    struct KeyExchange {
        private var exponent: [UInt8]
        /// Big-endian, without leading zeros, as libsecret sends it.
        let publicKey: [UInt8]

        init() {
            var generator = SystemRandomNumberGenerator()
            self.init(exponent: (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        }

        init(exponent: [UInt8]) {
            self.exponent = exponent
            var two = [UInt8](repeating: 0, count: 128)
            two[127] = 2
            publicKey = Array(SecretSession.modexp(base: two, exponent: exponent).drop { $0 == 0 })
        }

        /// The AES key for the server's public key; nil when that key is not in 2 ... p-2 (which would make the
        /// shared secret guessable).
        func sessionKey(serverPublicKey: [UInt8]) -> SymmetricKey? {
            let trimmed = Array(serverPublicKey.drop { $0 == 0 })
            guard trimmed.count <= 128 else { return nil }
            let peer = [UInt8](repeating: 0, count: 128 - trimmed.count) + trimmed
            var pMinusOne = SecretSession.prime
            pMinusOne[127] -= 1
            guard Self.lessThan(peer, pMinusOne), Self.lessThan([UInt8](repeating: 0, count: 127) + [1], peer) else {
                return nil
            }
            var shared = SecretSession.modexp(base: peer, exponent: exponent)
            defer { for i in shared.indices { shared[i] = 0 } }
            return HKDF<Crypto.SHA256>.deriveKey(
                inputKeyMaterial: SymmetricKey(data: shared), salt: [UInt8](), info: [UInt8](), outputByteCount: 16)
        }

        private static func lessThan(_ a: [UInt8], _ b: [UInt8]) -> Bool {
            for (x, y) in zip(a, b) where x != y { return x < y }
            return false
        }
    }

    /// base^exponent mod p, 128 bytes big-endian.
    static func modexp(base: [UInt8], exponent: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: 128)
        let status = base.withUnsafeBufferPointer { b in
            exponent.withUnsafeBufferPointer { e in
                prime.withUnsafeBufferPointer { p in
                    ccs_modexp_1024(&result, b.baseAddress, e.baseAddress, e.count, p.baseAddress)
                }
            }
        }
        precondition(status == 0, "the MODP prime is odd and 1024 bits")
        return result
    }

    /// The (parameters, value) pair to send for `secret`.
    func encode(_ secret: [UInt8]) throws(HelperError) -> (parameters: [UInt8], value: [UInt8]) {
        switch algorithm {
        case .plain:
            return ([], secret)
        case .dh(let key):
            let iv = AES._CBC.IV()
            do {
                return (Array(iv), Array(try AES._CBC.encrypt(secret, using: key, iv: iv)))
            } catch {
                throw HelperError(.internalError, "AES-CBC encryption failed: \(error).")
            }
        }
    }

    /// The secret in a (parameters, value) pair the provider sent.
    func decode(parameters: [UInt8], value: [UInt8]) throws(HelperError) -> [UInt8] {
        switch algorithm {
        case .plain:
            return value
        case .dh(let key):
            do {
                let iv = try AES._CBC.IV(ivBytes: parameters)
                return Array(try AES._CBC.decrypt(value, using: key, iv: iv))
            } catch {
                throw HelperError(
                    .unavailable,
                    "The Secret Service sent a secret that does not decrypt with this session's key (IV of "
                        + "\(parameters.count) bytes, \(value.count) bytes of ciphertext).",
                    reason: "the Secret Service sent an undecryptable secret")
            }
        }
    }
}

private func hexBytes(_ hex: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var high: UInt8?
    for character in hex.utf8 {
        let nibble = character <= 0x39 ? character - 0x30 : (character | 0x20) - 0x61 + 10
        if let h = high {
            bytes.append(h << 4 | nibble)
            high = nil
        } else {
            high = nibble
        }
    }
    return bytes
}
