// libFuzzer target: the sealed-file decoder (header parsing, bounds checks, key check, AES-GCM open, payload JSON).
// Any input must give a credential or a HelperError; never a crash, a hang or an unbounded allocation.
import Crypto



private let key = SymmetricKey(data: [UInt8](repeating: 7, count: 32))

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSealed(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let (header, length) = try? SealedFormat.readHeader(bytes, path: "fuzz") else { return 0 }
    // Passphrase mode would run scrypt (up to 2^22 work, by design) for every input; the key check and the AEAD
    // are what follow it, and they are the same with a fixed key.
    _ = try? SealedFormat.open(bytes, header: header, headerLength: length, key: key, path: "fuzz")
    return 0
}
