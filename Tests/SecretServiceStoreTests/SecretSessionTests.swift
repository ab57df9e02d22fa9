import Crypto
import TestSupport
import Testing

@testable import CredentialCore
@testable import SecretServiceStore

/// The dh-ietf1024-sha256-aes128-cbc-pkcs7 session against values computed independently (Python's pow, hmac and
/// the cryptography package, as the Secret Service clients secretstorage and libsecret compute them). The real
/// exchange with gnome-keyring is exercised by every keyring test.
@Suite("Secret Service session: Diffie-Hellman, HKDF and AES-CBC")
struct SecretSessionTests {
    let exponent = Array(UInt8(1)...UInt8(32))
    let serverKey = Array(UInt8(0x40)...UInt8(0xA3))

    @Test func publicKeyIsTwoToTheExponentModP() {
        let exchange = SecretSession.KeyExchange(exponent: exponent)
        #expect(hexString(exchange.publicKey) == "457120764f3a1e6fd58103e41a4093a6c8bc1d97cb8759de41c21afdd2d3048a5ef3d88ce24aa6ba4fe30bcfb0b0f75abf1a8aeaff3723f1bf53740c902005e1199fabad7c538e94a7034fd585339a02f3634893f748929d2a7257643e398130541ae64124c17d4507a97f1cbebeb7b933642b8df479eb59e36cfeffbf1671dd")
    }

    @Test func sessionKeyAndDecryptionMatchAnIndependentImplementation() throws {
        let exchange = SecretSession.KeyExchange(exponent: exponent)
        let key = try #require(exchange.sessionKey(serverPublicKey: serverKey))
        #expect(key.withUnsafeBytes { hexString($0) } == "d9c82ff70d2194e22ebad69d8505f2e7")
        let session = SecretSession(path: "/org/freedesktop/secrets/session/1", algorithm: .dh(key))
        let plaintext = try session.decode(
            parameters: Array(UInt8(0)...UInt8(15)),
            value: bytes(hex: "2267bc077075f7a6d27da8d07d223334822af4add6dfeb894e35949bdf0dd8e4f8c88a977e53f3d0c6cca2bf3a1f25ed7a171525ec1281dc3c3799595646ad01"))
        #expect(String(decoding: plaintext, as: UTF8.self) == #"{"OPENAI_API_KEY":null,"personal_access_token":"at-vector"}"#)
    }

    @Test func bothSidesAgreeAndEverySecretGetsItsOwnIV() throws {
        let client = SecretSession.KeyExchange()
        let server = SecretSession.KeyExchange()
        let clientKey = try #require(client.sessionKey(serverPublicKey: server.publicKey))
        let serverKey = try #require(server.sessionKey(serverPublicKey: client.publicKey))
        #expect(clientKey == serverKey)
        let sending = SecretSession(path: "/s", algorithm: .dh(clientKey))
        let receiving = SecretSession(path: "/s", algorithm: .dh(serverKey))
        let secret = Array("at-round-trip".utf8)
        let first = try sending.encode(secret)
        let second = try sending.encode(secret)
        #expect(first.parameters.count == 16)
        #expect(first.parameters != second.parameters && first.value != second.value)
        #expect(!first.value.contains(subsequence: secret))
        #expect(try receiving.decode(parameters: first.parameters, value: first.value) == secret)
    }

    @Test func unusableServerKeysAreRefused() {
        let exchange = SecretSession.KeyExchange(exponent: exponent)
        var pMinusOne = SecretSession.prime
        pMinusOne[127] -= 1
        for key in [[], [0], [1], [0, 0, 1], pMinusOne, SecretSession.prime, [1] + [UInt8](repeating: 0, count: 128)] {
            #expect(exchange.sessionKey(serverPublicKey: key) == nil, "accepted \(hexString(key).prefix(16))…")
        }
        #expect(exchange.sessionKey(serverPublicKey: [2]) != nil)
    }

    @Test func aWrongKeyOrDamagedCiphertextIsAnErrorNotGarbage() throws {
        let right = SecretSession(path: "/s", algorithm: .dh(SymmetricKey(size: .bits128)))
        let wrong = SecretSession(path: "/s", algorithm: .dh(SymmetricKey(size: .bits128)))
        let sent = try right.encode(Array("at-secret".utf8))
        var failures = 0
        for session in [wrong, right] {
            for (parameters, value) in [(sent.parameters, Array(sent.value.dropLast())), (Array(sent.parameters.prefix(8)), sent.value)] {
                do {
                    _ = try session.decode(parameters: parameters, value: value)
                } catch {
                    #expect(error.code == .unavailable)
                    #expect(!error.message.contains("at-secret"))
                    failures += 1
                }
            }
        }
        #expect(failures == 4)
    }

    @Test func plainPassesBytesThrough() throws {
        let plain = SecretSession(path: "/s", algorithm: .plain)
        let sent = try plain.encode(Array("at-plain".utf8))
        #expect(sent.parameters.isEmpty && sent.value == Array("at-plain".utf8))
        #expect(try plain.decode(parameters: [], value: sent.value) == sent.value)
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence: [UInt8]) -> Bool {
        guard subsequence.count <= count else { return false }
        return (0...(count - subsequence.count)).contains { Array(self[$0..<$0 + subsequence.count]) == subsequence }
    }
}
