// libFuzzer target: the D-Bus message reader (what the session bus sends the helper). Any input must be read or
// refused with DBusMessage.Malformed (never a crash, a hang or unbounded memory); what is read and can be written
// again must read back as itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDBus(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let length = try? DBusMessage.length(ofMessageStartingWith: bytes), length <= bytes.count else { return 0 }
    guard let message = try? DBusMessage.decode(Array(bytes[..<length])) else { return 0 }
    if let encoded = try? message.encoded() {
        precondition((try? DBusMessage.decode(encoded)) == message, "D-Bus round trip changed the message")
    }
    return 0
}
