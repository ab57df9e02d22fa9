// libFuzzer target: the get/store/erase wire parser. Any input must parse or give a HelperError (never a crash, a hang,
// or more than the 1 MiB the reader accepts).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWire(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var reader = ArrayReader(Array(UnsafeBufferPointer(start: data, count: size)))
    if let request = try? WireFormat.readRequest(from: &reader) {
        // What parses must write back and parse again to the same request.
        let again = try? WireFormat.parse(WireFormat.write(request.fields.map { ($0.key, $0.value) }))
        precondition(again == request, "wire round trip changed the request")
    }
    return 0
}
