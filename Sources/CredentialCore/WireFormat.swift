/// A source of bytes: standard input in the binary, an array in tests.
public protocol ByteReader {
    /// Reads up to `buffer.count` bytes; 0 means end of input.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(HelperError) -> Int
}

/// A sink for bytes: standard output or error in the binary, an array in tests.
public protocol ByteWriter: AnyObject {
    func write(_ bytes: [UInt8])
}

extension ByteWriter {
    public func write(_ text: String) { write(Array(text.utf8)) }
    public func line(_ text: String) { write(Array((text + "\n").utf8)) }
}

public struct ArrayReader: ByteReader {
    var bytes: [UInt8]
    var offset = 0
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public init(_ text: String) { self.bytes = Array(text.utf8) }
    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(HelperError) -> Int {
        let count = min(buffer.count, bytes.count - offset)
        for i in 0..<count { buffer[i] = bytes[offset + i] }
        offset += count
        return count
    }
}

public final class ArrayWriter: ByteWriter {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public func write(_ bytes: [UInt8]) { self.bytes.append(contentsOf: bytes) }
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// A parsed protocol request: `key=value` pairs in the order given.
public struct WireRequest: Equatable, Sendable {
    public var fields: [(key: String, value: String)]

    public init(_ fields: [(key: String, value: String)] = []) { self.fields = fields }

    public subscript(key: String) -> String? { fields.first { $0.key == key }?.value }
    public var isEmpty: Bool { fields.isEmpty }

    public static func == (lhs: WireRequest, rhs: WireRequest) -> Bool {
        lhs.fields.count == rhs.fields.count && zip(lhs.fields, rhs.fields).allSatisfy { $0 == $1 }
    }
}

/// The line protocol of `get`, `store` and `erase`, in the style of git's credential helpers.
///
/// `key=value` lines, LF-terminated, ending at a blank line or end of input. Keys are `[a-z_]+`; values hold
/// no NUL, CR or LF; a line is at most 64 KiB and a request at most 1 MiB; a repeated key is an error;
/// unknown keys are ignored by the commands. Messages name the line, never its content.
public enum WireFormat {
    public static let maxLineBytes = 64 * 1024
    public static let maxRequestBytes = 1024 * 1024

    /// Reads one request from `reader`, stopping at the blank line that ends it (so an interactive writer
    /// need not close the stream) and never reading more than 1 MiB + 1 bytes.
    public static func readRequest(from reader: inout some ByteReader) throws(HelperError) -> WireRequest {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        defer { zero(&chunk) }
        var scanFrom = 0
        reading: while data.count <= maxRequestBytes {
            let want = min(chunk.count, maxRequestBytes + 1 - data.count)
            let count = try chunk.withUnsafeMutableBytes { buffer in
                Result { () throws(HelperError) -> Int in
                    try reader.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]))
                }
            }.get()
            if count == 0 { break }
            data.append(contentsOf: chunk[0..<count])
            // Stop at the first empty line: LF at the very start, or two LFs in a row.
            var index = max(scanFrom, 0)
            while index < data.count {
                if data[index] == 0x0A, index == 0 || data[index - 1] == 0x0A { break reading }
                index += 1
            }
            scanFrom = data.count
        }
        defer { zero(&data) }
        return try parse(data)
    }

    /// Parses a whole request.
    public static func parse(_ data: [UInt8]) throws(HelperError) -> WireRequest {
        var request = WireRequest()
        var seen = Set<String>()
        var lineNumber = 0
        var start = 0
        while start < data.count {
            lineNumber += 1
            let end = data[start...].firstIndex(of: 0x0A) ?? data.count
            if end > maxRequestBytes {
                throw HelperError(.badInput, "The request is larger than 1 MiB (the limit), at line \(lineNumber).")
            }
            let line = data[start..<end]
            if line.isEmpty { return request }
            try parseLine(line, lineNumber: lineNumber, into: &request, seen: &seen)
            start = end + 1
        }
        return request
    }

    static func parseLine(
        _ line: ArraySlice<UInt8>, lineNumber: Int, into request: inout WireRequest, seen: inout Set<String>
    )
        throws(HelperError)
    {
        func fail(_ rule: String) -> HelperError { HelperError(.badInput, "Line \(lineNumber): \(rule).") }
        if line.count > maxLineBytes { throw fail("longer than 64 KiB (the limit for one line)") }
        if line.contains(0) { throw fail("contains a NUL byte") }
        if line.contains(0x0D) { throw fail("contains a carriage return (CR); lines end with LF alone") }
        guard let text = String(validating: line, as: UTF8.self) else { throw fail("is not valid UTF-8") }
        guard let equals = line.firstIndex(of: UInt8(ascii: "=")) else {
            throw fail("has no '=' (expected key=value)")
        }
        let keyBytes = line[line.startIndex..<equals]
        if keyBytes.isEmpty { throw fail("has an empty key before '='") }
        guard keyBytes.allSatisfy({ (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || $0 == UInt8(ascii: "_") })
        else { throw fail("has a key that is not lowercase letters and underscores ([a-z_]+)") }
        let key = String(decoding: keyBytes, as: UTF8.self)
        guard seen.insert(key).inserted else { throw fail("repeats the key '\(key)'") }
        let valueStart = text.utf8.index(text.utf8.startIndex, offsetBy: keyBytes.count + 1)
        request.fields.append((key: key, value: String(text[valueStart...])))
    }

    /// Writes `key=value` lines. A value with a line break or a NUL cannot be written in this format: that is
    /// refused as bad data (naming the key, never the value) rather than trapped on.
    public static func write(_ fields: [(String, String)]) throws(HelperError) -> [UInt8] {
        var out: [UInt8] = []
        for (key, value) in fields {
            if value.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0 }) {
                zero(&out)
                throw HelperError(
                    .badStoredData,
                    "The value of '\(key)' has a line break or a NUL in it, which the key=value format cannot carry; "
                        + "use --format token or --format codex-json.")
            }
            out.append(contentsOf: Array(key.utf8))
            out.append(UInt8(ascii: "="))
            out.append(contentsOf: Array(value.utf8))
            out.append(0x0A)
        }
        return out
    }

    static func zero(_ bytes: inout [UInt8]) {
        for i in bytes.indices { bytes[i] = 0 }
    }
}
