import Crypto
import CryptoExtras
import CredentialCore
#if canImport(FoundationEssentials)
import FoundationEssentials  // not Foundation: its ICU data costs start-up time and memory
#else
import Foundation
#endif

/// The sealed-file format, version 1. All integers are big-endian.
///
/// ```
/// offset  size  field
///      0     8  magic "CCHSEALD"
///      8     1  format version (1)
///      9     1  key mode: 1 = passphrase, 2 = key file
///     10     1  KDF: 0 = none (key file), 1 = scrypt
///     11     1  scrypt log2(N)            (0 with no KDF)
///     12     4  scrypt r                  (0 with no KDF)
///     16     4  scrypt p                  (0 with no KDF)
///     20     1  salt length S             (16..64 with scrypt, 0 without)
///     21     S  salt
///   21+S     8  key check: HMAC-SHA256(key, "codex-credential-helper key check v1")[0..<8]
///   29+S    12  AES-GCM nonce (fresh and random on every write)
///   41+S     n  ciphertext
///  41+S+n   16  AES-GCM tag
/// ```
///
/// The header (bytes 0 ..< 29+S) is the AEAD's authenticated data: changing any header byte makes the file fail
/// to open. The key check lets a wrong passphrase (or the wrong key file) be told apart from a tampered file
/// without a second decryption attempt.
public enum SealedFormat {
    public static let magic = Array("CCHSEALD".utf8)
    public static let currentVersion: UInt8 = 1
    static let fixedHeaderLength = 21
    static let keyCheckLength = 8
    static let nonceLength = 12
    static let tagLength = 16
    static let keyCheckLabel = Array("codex-credential-helper key check v1".utf8)

    public enum KeyMode: UInt8, Sendable, CustomStringConvertible {
        case passphrase = 1
        case keyFile = 2

        public var description: String { self == .passphrase ? "passphrase" : "key file" }
    }

    /// scrypt parameters. The writer uses `standard`; the reader accepts `bounds` and nothing else, checked
    /// before any derivation (swift-crypto ignores scrypt's memory cap, so the bound is ours to enforce).
    public struct ScryptParameters: Equatable, Sendable {
        public var log2N: UInt8
        public var r: UInt32
        public var p: UInt32

        public static let standard = ScryptParameters(log2N: 15, r: 8, p: 1)

        public init(log2N: UInt8, r: UInt32, p: UInt32) {
            self.log2N = log2N
            self.r = r
            self.p = p
        }

        /// Memory is 128·r·N bytes (at most 256 MiB); work N·r·p at most 2^22 (16 times the standard cost);
        /// N from 2^14 (below that a passphrase is too cheap to attack) to 2^20.
        public var isWithinBounds: Bool {
            guard (14...20).contains(log2N), (1...32).contains(r), (1...16).contains(p) else { return false }
            let n = UInt64(1) << UInt64(log2N)
            return 128 * UInt64(r) * n <= 256 * 1024 * 1024 && n * UInt64(r) * UInt64(p) <= 1 << 22
        }
    }

    public struct Header: Equatable, Sendable {
        public var version: UInt8 = SealedFormat.currentVersion
        public var keyMode: KeyMode
        public var scrypt: ScryptParameters?
        public var salt: [UInt8]
        public var keyCheck: [UInt8]

        public init(keyMode: KeyMode, scrypt: ScryptParameters?, salt: [UInt8], keyCheck: [UInt8]) {
            self.keyMode = keyMode
            self.scrypt = scrypt
            self.salt = salt
            self.keyCheck = keyCheck
        }

        public var encoded: [UInt8] {
            var out = SealedFormat.magic
            out.append(version)
            out.append(keyMode.rawValue)
            out.append(scrypt == nil ? 0 : 1)
            out.append(scrypt?.log2N ?? 0)
            out.append(contentsOf: bigEndian(scrypt?.r ?? 0))
            out.append(contentsOf: bigEndian(scrypt?.p ?? 0))
            out.append(UInt8(salt.count))
            out.append(contentsOf: salt)
            out.append(contentsOf: keyCheck)
            return out
        }
    }

    /// What a sealed file needs to be opened: read from its header before any key is derived.
    public static func readHeader(_ file: [UInt8], path: String) throws(HelperError) -> (header: Header, length: Int) {
        func corrupt(_ what: String) -> HelperError {
            HelperError(.badStoredData, "The sealed credential file \(quoted(path)) \(what); it was left as it is. "
                + "Log in again to replace it.")
        }
        if file.count < magic.count {
            if Array(magic.prefix(file.count)) == file {
                throw corrupt("is truncated (\(file.count) bytes, shorter than its header)")
            }
            throw corrupt("is not a sealed credential file (it does not start with the format's magic bytes)")
        }
        guard Array(file[0..<magic.count]) == magic else {
            throw corrupt("is not a sealed credential file (it does not start with the format's magic bytes)")
        }
        guard file.count > 8 else { throw corrupt("is truncated (it ends after its magic bytes)") }
        let version = file[8]
        guard version == currentVersion else {
            throw HelperError(
                .badStoredData,
                "The sealed credential file \(quoted(path)) uses format version \(version); this helper reads version "
                    + "\(currentVersion). It was written by another version of codex-credential-helper: use that one, "
                    + "or log in again to replace it.")
        }
        guard file.count >= fixedHeaderLength else { throw corrupt("is truncated (its header is incomplete)") }
        let saltLength = Int(file[20])
        let headerLength = fixedHeaderLength + saltLength + keyCheckLength
        guard file.count >= headerLength else { throw corrupt("is truncated (its header is incomplete)") }
        guard file.count >= headerLength + nonceLength + tagLength else {
            throw corrupt("is truncated (it ends inside its encrypted part)")
        }
        guard let keyMode = KeyMode(rawValue: file[9]) else { throw corrupt("names an unknown key mode (\(file[9]))") }
        let kdf = file[10]
        let parameters = ScryptParameters(log2N: file[11], r: readBigEndian(file, 12), p: readBigEndian(file, 16))
        let header: Header
        switch (keyMode, kdf) {
        case (.passphrase, 1):
            guard parameters.isWithinBounds else {
                throw corrupt(
                    "asks for scrypt parameters outside the accepted bounds (N=2^\(parameters.log2N), r=\(parameters.r), "
                        + "p=\(parameters.p)); nothing was derived")
            }
            guard (16...64).contains(saltLength) else { throw corrupt("has a salt of \(saltLength) bytes (16 to 64 expected)") }
            header = Header(keyMode: keyMode, scrypt: parameters, salt: Array(file[21..<21 + saltLength]),
                            keyCheck: Array(file[21 + saltLength..<headerLength]))
        case (.keyFile, 0):
            guard parameters == ScryptParameters(log2N: 0, r: 0, p: 0), saltLength == 0 else {
                throw corrupt("has KDF fields set in key-file mode")
            }
            header = Header(keyMode: keyMode, scrypt: nil, salt: [], keyCheck: Array(file[21..<headerLength]))
        default:
            throw corrupt("names a key mode and KDF that do not go together (mode \(keyMode.rawValue), KDF \(kdf))")
        }
        return (header, headerLength)
    }

    /// Derives the key for a passphrase-mode header. Only call after `readHeader` accepted the parameters.
    public static func deriveKey(passphrase: [UInt8], header: Header) throws(HelperError) -> SymmetricKey {
        guard let parameters = header.scrypt, parameters.isWithinBounds else {
            throw HelperError(.internalError, "scrypt parameters were not checked before derivation.")
        }
        do {
            return try KDF.Scrypt.deriveKey(
                from: passphrase, salt: header.salt, outputByteCount: 32, rounds: 1 << Int(parameters.log2N),
                blockSize: Int(parameters.r), parallelism: Int(parameters.p))
        } catch {
            throw HelperError(.internalError, "scrypt failed: \(error).")
        }
    }

    public static func keyCheck(_ key: SymmetricKey) -> [UInt8] {
        Array(HMAC<Crypto.SHA256>.authenticationCode(for: keyCheckLabel, using: key).prefix(keyCheckLength))
    }

    /// A new passphrase-mode header with a fresh salt (key check filled in by `seal`).
    public static func passphraseHeader(parameters: ScryptParameters = .standard) -> Header {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Header(keyMode: .passphrase, scrypt: parameters, salt: salt, keyCheck: [])
    }

    public static func keyFileHeader() -> Header {
        Header(keyMode: .keyFile, scrypt: nil, salt: [], keyCheck: [])
    }

    /// Seals `plaintext` under `key` with a fresh random nonce; the header is authenticated data.
    public static func seal(_ plaintext: [UInt8], key: SymmetricKey, header: Header) throws(HelperError) -> [UInt8] {
        var header = header
        header.keyCheck = keyCheck(key)
        let headerBytes = header.encoded
        do {
            let box = try AES.GCM.seal(plaintext, using: key, nonce: AES.GCM.Nonce(), authenticating: headerBytes)
            guard let combined = box.combined else { throw HelperError(.internalError, "AES-GCM gave no combined box.") }
            return headerBytes + Array(combined)
        } catch let error as HelperError {
            throw error
        } catch {
            throw HelperError(.internalError, "AES-GCM sealing failed: \(error).")
        }
    }

    /// Opens a sealed file whose header was read by `readHeader`, with the key for that header.
    public static func open(_ file: [UInt8], header: Header, headerLength: Int, key: SymmetricKey, path: String)
        throws(HelperError) -> [UInt8]
    {
        guard keyCheck(key) == header.keyCheck else {
            switch header.keyMode {
            case .passphrase:
                throw HelperError(
                    .wrongPassphrase,
                    "The passphrase does not open \(quoted(path)) (wrong passphrase, or the file's key check was "
                        + "altered). The file was left as it is.")
            case .keyFile:
                throw HelperError(
                    .wrongPassphrase,
                    "The key file does not open \(quoted(path)): it was replaced, or the sealed file came from another "
                        + "machine or user. The file was left as it is.")
            }
        }
        do {
            let box = try AES.GCM.SealedBox(combined: file[headerLength...])
            return Array(try AES.GCM.open(box, using: key, authenticating: file[0..<headerLength]))
        } catch {
            throw HelperError(
                .badStoredData,
                "The sealed credential file \(quoted(path)) fails authentication: it was altered or damaged after it "
                    + "was written. It was left as it is; log in again to replace it.")
        }
    }
}

private func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
}

private func readBigEndian(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
    UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
        | UInt32(bytes[offset + 3])
}
