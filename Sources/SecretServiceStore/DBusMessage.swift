/// D-Bus messages: values, their wire format (marshalling) and the checks on what arrives.
///
/// Just enough of the D-Bus specification ("Message Protocol") for a client that calls methods and reads their
/// replies: every type the specification has is read (a reply may carry any), and written; messages are written
/// little-endian and read in either byte order. What arrives is untrusted: every length, offset, nesting depth,
/// signature, string and boolean is checked, and a message that breaks a rule is refused as a whole with
/// `DBusMessage.Malformed`, never trapped on (a fuzz target, `Fuzz/fuzz-dbus`, feeds it arbitrary bytes).
/// No Foundation, no GLib.
public enum DBusValue: Equatable, Sendable {
    case byte(UInt8)
    case boolean(Bool)
    case int16(Int16)
    case uint16(UInt16)
    case int32(Int32)
    case uint32(UInt32)
    case int64(Int64)
    case uint64(UInt64)
    /// An IEEE 754 double, kept as its bit pattern.
    case double(UInt64)
    case unixFD(UInt32)
    case string(String)
    case objectPath(String)
    case signature(String)
    /// An array of bytes ("ay"), kept as bytes.
    case bytes([UInt8])
    /// Any other array: the element type's signature (needed for an empty one) and the elements.
    indirect case array(element: String, [DBusValue])
    indirect case structure([DBusValue])
    indirect case dictEntry(DBusValue, DBusValue)
    indirect case variant(DBusValue)

    /// The value's type signature.
    public var signature: String {
        switch self {
        case .byte: "y"
        case .boolean: "b"
        case .int16: "n"
        case .uint16: "q"
        case .int32: "i"
        case .uint32: "u"
        case .int64: "x"
        case .uint64: "t"
        case .double: "d"
        case .unixFD: "h"
        case .string: "s"
        case .objectPath: "o"
        case .signature: "g"
        case .bytes: "ay"
        case .array(let element, _): "a" + element
        case .structure(let fields): "(" + fields.map(\.signature).joined() + ")"
        case .dictEntry(let key, let value): "{" + key.signature + value.signature + "}"
        case .variant: "v"
        }
    }

    /// A string dictionary, "a{ss}" (Secret Service attributes), in key order.
    public static func stringDictionary(_ dictionary: [String: String]) -> DBusValue {
        .array(element: "{ss}", dictionary.sorted { $0.key < $1.key }.map { .dictEntry(.string($0.key), .string($0.value)) })
    }

    // Readers of the shapes replies carry: nil when the value is of another type.

    public var stringValue: String? {
        switch self {
        case .string(let text), .objectPath(let text), .signature(let text): text
        default: nil
        }
    }

    public var bytesValue: [UInt8]? {
        if case .bytes(let bytes) = self { return bytes }
        return nil
    }

    public var booleanValue: Bool? {
        if case .boolean(let value) = self { return value }
        return nil
    }

    /// The value inside a variant.
    public var variantValue: DBusValue? {
        if case .variant(let inner) = self { return inner }
        return nil
    }

    public var fields: [DBusValue]? {
        if case .structure(let fields) = self { return fields }
        return nil
    }

    /// The strings of an "as" or "ao".
    public var stringArray: [String]? {
        guard case .array(_, let elements) = self else { return nil }
        var result: [String] = []
        for element in elements {
            guard let text = element.stringValue else { return nil }
            result.append(text)
        }
        return result
    }

    /// The entries of an "a{ss}"; a repeated key keeps its last value.
    public var stringDictionaryValue: [String: String]? {
        guard case .array(_, let elements) = self else { return nil }
        var result: [String: String] = [:]
        for element in elements {
            guard case .dictEntry(let key, let value) = element, let key = key.stringValue,
                  case .string(let text) = value else { return nil }
            result[key] = text
        }
        return result
    }
}

/// One D-Bus message.
public struct DBusMessage: Equatable, Sendable {
    public enum Kind: UInt8, Sendable {
        case methodCall = 1
        case methodReturn = 2
        case error = 3
        case signal = 4
    }

    /// Why bytes were refused as a message.
    public struct Malformed: Error, Equatable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    public static let noReplyExpected: UInt8 = 0x1
    public static let noAutoStart: UInt8 = 0x2

    /// Limits from the specification: a message of at most 128 MiB, an array of at most 64 MiB, a signature of
    /// at most 255 bytes, and at most 32 nested arrays, 32 nested structures and 64 levels in all.
    public static let maximumLength = 1 << 27
    static let maximumArrayLength = 1 << 26

    public var kind: Kind
    public var flags: UInt8 = 0
    public var serial: UInt32 = 0
    public var path: String?
    public var interface: String?
    public var member: String?
    public var errorName: String?
    public var replySerial: UInt32?
    public var destination: String?
    public var sender: String?
    public var unixFDs: UInt32?
    /// The body: its values in order (the signature is theirs, concatenated).
    public var body: [DBusValue] = []

    public init(kind: Kind, flags: UInt8 = 0, serial: UInt32 = 0, path: String? = nil, interface: String? = nil,
                member: String? = nil, errorName: String? = nil, replySerial: UInt32? = nil,
                destination: String? = nil, sender: String? = nil, body: [DBusValue] = []) {
        self.kind = kind
        self.flags = flags
        self.serial = serial
        self.path = path
        self.interface = interface
        self.member = member
        self.errorName = errorName
        self.replySerial = replySerial
        self.destination = destination
        self.sender = sender
        self.body = body
    }

    public static func methodCall(destination: String?, path: String, interface: String?, member: String,
                                  body: [DBusValue] = []) -> DBusMessage {
        DBusMessage(kind: .methodCall, path: path, interface: interface, member: member, destination: destination,
                    body: body)
    }

    public var bodySignature: String { body.map(\.signature).joined() }

    /// The error's text, when the message is an error whose body starts with a string.
    public var errorText: String {
        if case .string(let text)? = body.first { return text }
        return ""
    }

    // MARK: - Writing

    /// The message in wire format (little-endian). Checks what the specification requires of a message it sends
    /// (a valid object path, member and signature; the fields its kind needs) and throws `Malformed` otherwise.
    public func encoded() throws(Malformed) -> [UInt8] {
        let signature = bodySignature
        guard DBusSignature.isValid(signature) else { throw Malformed("the body's signature is not valid") }
        try checkRequiredFields()
        if let path { guard DBusSignature.isObjectPath(path) else { throw Malformed("not an object path") } }
        if let member { guard DBusSignature.isMemberName(member) else { throw Malformed("not a member name") } }
        if let interface { guard DBusSignature.isInterfaceName(interface) else { throw Malformed("not an interface name") } }
        if let errorName { guard DBusSignature.isInterfaceName(errorName) else { throw Malformed("not an error name") } }
        for value in body { try DBusWriter.checkStrings(value) }

        var bodyWriter = DBusWriter()
        for value in body { bodyWriter.write(value) }
        guard bodyWriter.bytes.count <= Self.maximumLength else { throw Malformed("the body is too long") }

        var fields: [DBusValue] = []
        func field(_ code: UInt8, _ value: DBusValue?) {
            if let value { fields.append(.structure([.byte(code), .variant(value)])) }
        }
        field(1, path.map(DBusValue.objectPath))
        field(2, interface.map(DBusValue.string))
        field(3, member.map(DBusValue.string))
        field(4, errorName.map(DBusValue.string))
        field(5, replySerial.map(DBusValue.uint32))
        field(6, destination.map(DBusValue.string))
        field(7, sender.map(DBusValue.string))
        field(8, signature.isEmpty ? nil : .signature(signature))
        field(9, unixFDs.map(DBusValue.uint32))

        var writer = DBusWriter()
        writer.bytes.reserveCapacity(64 + bodyWriter.bytes.count)
        writer.write(.byte(UInt8(ascii: "l")))
        writer.write(.byte(kind.rawValue))
        writer.write(.byte(flags))
        writer.write(.byte(1))
        writer.write(.uint32(UInt32(bodyWriter.bytes.count)))
        writer.write(.uint32(serial))
        writer.write(.array(element: "(yv)", fields))
        writer.pad(to: 8)
        guard writer.bytes.count + bodyWriter.bytes.count <= Self.maximumLength else {
            throw Malformed("the message is too long")
        }
        writer.bytes.append(contentsOf: bodyWriter.bytes)
        bodyWriter.wipe()
        return writer.bytes
    }

    /// The header fields the specification requires of a message of this kind, written or read.
    func checkRequiredFields() throws(Malformed) {
        switch kind {
        case .methodCall:
            guard path != nil, member != nil else { throw Malformed("a method call needs a path and a member") }
        case .signal:
            guard path != nil, interface != nil, member != nil else {
                throw Malformed("a signal needs a path, an interface and a member")
            }
        case .error:
            guard errorName != nil, replySerial != nil else { throw Malformed("an error needs a name and a reply serial") }
        case .methodReturn:
            guard replySerial != nil else { throw Malformed("a reply needs a reply serial") }
        }
    }

    // MARK: - Reading

    /// The length of the whole message that `prefix` (at least its first 16 bytes) starts, or nil when fewer than
    /// 16 bytes are there yet. Throws when the fixed header is already wrong.
    public static func length<Bytes: RandomAccessCollection>(ofMessageStartingWith prefix: Bytes)
        throws(Malformed) -> Int? where Bytes.Element == UInt8, Bytes.Index == Int
    {
        guard prefix.count >= 16 else { return nil }
        let start = prefix.startIndex
        let little: Bool
        switch prefix[start] {
        case UInt8(ascii: "l"): little = true
        case UInt8(ascii: "B"): little = false
        default: throw Malformed("unknown byte order")
        }
        guard prefix[start + 3] == 1 else { throw Malformed("unknown protocol version \(prefix[start + 3])") }
        func word(_ offset: Int) -> Int {
            let b = (0..<4).map { UInt32(prefix[start + offset + $0]) }
            return Int(little ? b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 : b[3] | b[2] << 8 | b[1] << 16 | b[0] << 24)
        }
        let bodyLength = word(4)
        let fieldsLength = word(12)
        guard bodyLength <= maximumLength, fieldsLength <= maximumArrayLength else { throw Malformed("too long") }
        let headerLength = (16 + fieldsLength + 7) & ~7
        let total = headerLength + bodyLength
        guard total <= maximumLength else { throw Malformed("the message is longer than 128 MiB") }
        return total
    }

    /// Reads one whole message (exactly `bytes`, as `length(ofMessageStartingWith:)` measured it).
    public static func decode(_ bytes: [UInt8]) throws(Malformed) -> DBusMessage {
        guard let total = try length(ofMessageStartingWith: bytes) else { throw Malformed("shorter than a header") }
        guard total == bytes.count else { throw Malformed("the length does not match the header") }
        guard let kind = Kind(rawValue: bytes[1]) else { throw Malformed("unknown message type \(bytes[1])") }
        let flags = bytes[2]
        var reader = DBusReader(bytes: bytes, littleEndian: bytes[0] == UInt8(ascii: "l"))
        reader.position = 8  // after byte order, type, flags, version and body length
        guard case .uint32(let serial) = try reader.read("u"), serial != 0 else { throw Malformed("serial 0") }
        guard case .array(_, let fields) = try reader.read("a(yv)") else { throw Malformed("no header fields") }
        try reader.align(8)  // the body starts here

        var message = DBusMessage(kind: kind, flags: flags, serial: serial)
        var signature = ""
        var seen = [Bool](repeating: false, count: 256)  // (a Set would cost a run-time conformance lookup)
        for field in fields {
            guard case .structure(let parts) = field, parts.count == 2, case .byte(let code) = parts[0],
                  case .variant(let value) = parts[1] else { throw Malformed("a header field is not (yv)") }
            guard !seen[Int(code)] else { throw Malformed("header field \(code) appears twice") }
            seen[Int(code)] = true
            switch (code, value) {
            case (1, .objectPath(let text)): message.path = text
            case (2, .string(let text)): message.interface = text
            case (3, .string(let text)): message.member = text
            case (4, .string(let text)): message.errorName = text
            case (5, .uint32(let number)): message.replySerial = number
            case (6, .string(let text)): message.destination = text
            case (7, .string(let text)): message.sender = text
            case (8, .signature(let text)): signature = text
            case (9, .uint32(let number)): message.unixFDs = number
            case (1...9, _): throw Malformed("header field \(code) has the wrong type")
            default: break  // unknown fields are ignored, as the specification says
            }
        }
        try message.checkRequiredFields()

        var index = signature.utf8.startIndex
        let utf8 = signature.utf8
        while index < utf8.endIndex {
            let end = try DBusSignature.endOfSingleType(utf8, from: index)
            message.body.append(try reader.read(String(decoding: utf8[index..<end], as: UTF8.self)))
            index = end
        }
        guard reader.position == bytes.count else { throw Malformed("the body is longer than its signature") }
        return message
    }
}

/// Signatures and names: what is a valid one.
enum DBusSignature {
    static func isValid(_ signature: String) -> Bool {
        let utf8 = signature.utf8
        guard utf8.count <= 255 else { return false }
        var index = utf8.startIndex
        while index < utf8.endIndex {
            guard let end = try? endOfSingleType(utf8, from: index) else { return false }
            index = end
        }
        return true
    }

    /// Where the single complete type that starts at `index` ends. Throws when there is none, or when it nests
    /// deeper than the specification allows.
    static func endOfSingleType(_ utf8: String.UTF8View, from index: String.UTF8View.Index) throws(DBusMessage.Malformed)
        -> String.UTF8View.Index
    {
        var arrays = 0
        var structures = 0
        return try end(utf8, index, &arrays, &structures)
    }

    private static func isBasic(_ code: UInt8) -> Bool {
        switch code {
        case UInt8(ascii: "y"), UInt8(ascii: "b"), UInt8(ascii: "n"), UInt8(ascii: "q"), UInt8(ascii: "i"),
            UInt8(ascii: "u"), UInt8(ascii: "x"), UInt8(ascii: "t"), UInt8(ascii: "d"), UInt8(ascii: "h"),
            UInt8(ascii: "s"), UInt8(ascii: "o"), UInt8(ascii: "g"): true
        default: false
        }
    }

    private static func end(_ utf8: String.UTF8View, _ start: String.UTF8View.Index, _ arrays: inout Int,
                            _ structures: inout Int) throws(DBusMessage.Malformed) -> String.UTF8View.Index {
        guard start < utf8.endIndex else { throw DBusMessage.Malformed("a signature ends early") }
        let code = utf8[start]
        let next = utf8.index(after: start)
        if isBasic(code) || code == UInt8(ascii: "v") { return next }
        switch code {
        case UInt8(ascii: "a"):
            arrays += 1
            defer { arrays -= 1 }
            guard arrays <= 32, arrays + structures <= 64 else { throw DBusMessage.Malformed("arrays nest too deep") }
            guard next < utf8.endIndex else { throw DBusMessage.Malformed("an array without element type") }
            if utf8[next] == UInt8(ascii: "{") {
                structures += 1
                defer { structures -= 1 }
                let keyStart = utf8.index(after: next)
                guard keyStart < utf8.endIndex, isBasic(utf8[keyStart]) else {
                    throw DBusMessage.Malformed("a dictionary key is not a basic type")
                }
                let valueStart = utf8.index(after: keyStart)
                let valueEnd = try end(utf8, valueStart, &arrays, &structures)
                guard valueEnd < utf8.endIndex, utf8[valueEnd] == UInt8(ascii: "}") else {
                    throw DBusMessage.Malformed("a dictionary entry is not closed")
                }
                return utf8.index(after: valueEnd)
            }
            return try end(utf8, next, &arrays, &structures)
        case UInt8(ascii: "("):
            structures += 1
            defer { structures -= 1 }
            guard structures <= 32, arrays + structures <= 64 else {
                throw DBusMessage.Malformed("structures nest too deep")
            }
            var index = next
            guard index < utf8.endIndex, utf8[index] != UInt8(ascii: ")") else {
                throw DBusMessage.Malformed("an empty or open structure")
            }
            while index < utf8.endIndex, utf8[index] != UInt8(ascii: ")") {
                index = try end(utf8, index, &arrays, &structures)
            }
            guard index < utf8.endIndex else { throw DBusMessage.Malformed("a structure is not closed") }
            return utf8.index(after: index)
        default:
            throw DBusMessage.Malformed("unknown type code")
        }
    }

    static func isObjectPath(_ path: String) -> Bool {
        let utf8 = Array(path.utf8)
        guard utf8.first == UInt8(ascii: "/") else { return false }
        if utf8.count == 1 { return true }
        guard utf8.last != UInt8(ascii: "/") else { return false }
        var previousSlash = true
        for byte in utf8.dropFirst() {
            if byte == UInt8(ascii: "/") {
                if previousSlash { return false }
                previousSlash = true
            } else {
                guard isNameByte(byte) else { return false }
                previousSlash = false
            }
        }
        return true
    }

    static func isMemberName(_ name: String) -> Bool {
        let utf8 = Array(name.utf8)
        guard let first = utf8.first, utf8.count <= 255, !(first >= 0x30 && first <= 0x39) else { return false }
        return utf8.allSatisfy(isNameByte)
    }

    /// An interface or error name: two or more elements joined by dots, each a member name.
    static func isInterfaceName(_ name: String) -> Bool {
        guard name.utf8.count <= 255 else { return false }
        let elements = name.split(separator: ".", omittingEmptySubsequences: false)
        return elements.count >= 2 && elements.allSatisfy { isMemberName(String($0)) }
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            || byte == UInt8(ascii: "_")
    }
}

/// Writes values little-endian, aligned as the specification says (relative to the start of `bytes`, which is a
/// message's start or its 8-aligned body's).
struct DBusWriter {
    var bytes: [UInt8] = []

    mutating func pad(to alignment: Int) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }

    private mutating func integer<T: FixedWidthInteger>(_ value: T) {
        pad(to: MemoryLayout<T>.size)
        var little = value.littleEndian
        withUnsafeBytes(of: &little) { bytes.append(contentsOf: $0) }
    }

    private mutating func text(_ text: String) {
        integer(UInt32(text.utf8.count))
        bytes.append(contentsOf: text.utf8)
        bytes.append(0)
    }

    mutating func write(_ value: DBusValue) {
        switch value {
        case .byte(let byte): bytes.append(byte)
        case .boolean(let flag): integer(UInt32(flag ? 1 : 0))
        case .int16(let number): integer(number)
        case .uint16(let number): integer(number)
        case .int32(let number): integer(number)
        case .uint32(let number), .unixFD(let number): integer(number)
        case .int64(let number): integer(number)
        case .uint64(let number), .double(let number): integer(number)
        case .string(let string), .objectPath(let string): text(string)
        case .signature(let signature):
            bytes.append(UInt8(signature.utf8.count))
            bytes.append(contentsOf: signature.utf8)
            bytes.append(0)
        case .bytes(let content):
            integer(UInt32(content.count))
            bytes.append(contentsOf: content)
        case .array(let element, let elements):
            integer(UInt32(0))
            let lengthAt = bytes.count - 4
            pad(to: DBusReader.alignment(of: element.utf8.first ?? 0))
            let start = bytes.count
            for element in elements { write(element) }
            let length = UInt32(bytes.count - start).littleEndian
            withUnsafeBytes(of: length) { for i in 0..<4 { bytes[lengthAt + i] = $0[i] } }
        case .structure(let fields):
            pad(to: 8)
            for field in fields { write(field) }
        case .dictEntry(let key, let value):
            pad(to: 8)
            write(key)
            write(value)
        case .variant(let inner):
            write(.signature(inner.signature))
            write(inner)
        }
    }

    /// Zeroes what was written (a body may hold a secret).
    mutating func wipe() {
        for index in bytes.indices { bytes[index] = 0 }
    }

    /// Strings may hold no NUL; object paths and signatures must be valid; arrays hold elements of their type.
    static func checkStrings(_ value: DBusValue) throws(DBusMessage.Malformed) {
        switch value {
        case .string(let text):
            guard !text.utf8.contains(0) else { throw .init("a string holds a NUL") }
        case .objectPath(let path):
            guard DBusSignature.isObjectPath(path) else { throw .init("not an object path") }
        case .signature(let signature):
            guard DBusSignature.isValid(signature) else { throw .init("not a signature") }
        case .array(let element, let elements):
            guard DBusSignature.isValid("a" + element) else { throw .init("not an element signature") }
            for element in elements { try checkStrings(element) }
            guard elements.allSatisfy({ $0.signature == element }) else { throw .init("an array's elements differ") }
        case .structure(let fields):
            for field in fields { try checkStrings(field) }
        case .dictEntry(let key, let value):
            try checkStrings(key)
            try checkStrings(value)
        case .variant(let inner):
            try checkStrings(inner)
        default:
            break
        }
    }
}

/// Reads values of a given signature, checking everything.
struct DBusReader {
    let bytes: [UInt8]
    let littleEndian: Bool
    var position = 0
    private var depth = 0

    init(bytes: [UInt8], littleEndian: Bool) {
        self.bytes = bytes
        self.littleEndian = littleEndian
    }

    static func alignment(of code: UInt8) -> Int {
        switch code {
        case UInt8(ascii: "n"), UInt8(ascii: "q"): 2
        case UInt8(ascii: "b"), UInt8(ascii: "i"), UInt8(ascii: "u"), UInt8(ascii: "h"), UInt8(ascii: "s"),
            UInt8(ascii: "o"), UInt8(ascii: "a"): 4
        case UInt8(ascii: "x"), UInt8(ascii: "t"), UInt8(ascii: "d"), UInt8(ascii: "("), UInt8(ascii: "{"): 8
        default: 1
        }
    }

    mutating func align(_ alignment: Int) throws(DBusMessage.Malformed) {
        let aligned = (position + alignment - 1) / alignment * alignment
        guard aligned <= bytes.count else { throw .init("the message ends inside padding") }
        for index in position..<aligned where bytes[index] != 0 { throw .init("padding is not zero") }
        position = aligned
    }

    private mutating func integer<T: FixedWidthInteger>(_: T.Type) throws(DBusMessage.Malformed) -> T {
        try align(MemoryLayout<T>.size)
        let size = MemoryLayout<T>.size
        guard position + size <= bytes.count else { throw .init("the message ends inside a number") }
        var value: T = 0
        for offset in 0..<size {
            let byte = T(truncatingIfNeeded: bytes[position + (littleEndian ? offset : size - 1 - offset)])
            value |= byte << (8 * offset)
        }
        position += size
        return value
    }

    private mutating func text(length: Int) throws(DBusMessage.Malformed) -> String {
        guard length >= 0, position + length < bytes.count, bytes[position + length] == 0 else {
            throw .init("a string is not NUL-terminated inside the message")
        }
        let slice = bytes[position..<(position + length)]
        guard !slice.contains(0) else { throw .init("a string holds a NUL") }
        guard let text = String(validating: slice, as: UTF8.self) else { throw .init("a string is not UTF-8") }
        position += length + 1
        return text
    }

    /// Reads one value of the single complete type `signature`.
    mutating func read(_ signature: String) throws(DBusMessage.Malformed) -> DBusValue {
        let utf8 = signature.utf8
        let end = try DBusSignature.endOfSingleType(utf8, from: utf8.startIndex)
        guard end == utf8.endIndex else { throw .init("not a single complete type") }
        return try read(Array(utf8)[...])
    }

    private mutating func read(_ type: ArraySlice<UInt8>) throws(DBusMessage.Malformed) -> DBusValue {
        guard let code = type.first else { throw .init("an empty type") }
        switch code {
        case UInt8(ascii: "y"):
            guard position < bytes.count else { throw .init("the message ends inside a byte") }
            position += 1
            return .byte(bytes[position - 1])
        case UInt8(ascii: "b"):
            let raw = try integer(UInt32.self)
            guard raw <= 1 else { throw .init("a boolean is neither 0 nor 1") }
            return .boolean(raw == 1)
        case UInt8(ascii: "n"): return .int16(try integer(Int16.self))
        case UInt8(ascii: "q"): return .uint16(try integer(UInt16.self))
        case UInt8(ascii: "i"): return .int32(try integer(Int32.self))
        case UInt8(ascii: "u"): return .uint32(try integer(UInt32.self))
        case UInt8(ascii: "h"): return .unixFD(try integer(UInt32.self))
        case UInt8(ascii: "x"): return .int64(try integer(Int64.self))
        case UInt8(ascii: "t"): return .uint64(try integer(UInt64.self))
        case UInt8(ascii: "d"): return .double(try integer(UInt64.self))
        case UInt8(ascii: "s"):
            return .string(try text(length: Int(try integer(UInt32.self))))
        case UInt8(ascii: "o"):
            let path = try text(length: Int(try integer(UInt32.self)))
            guard DBusSignature.isObjectPath(path) else { throw .init("not an object path") }
            return .objectPath(path)
        case UInt8(ascii: "g"):
            guard position < bytes.count else { throw .init("the message ends inside a signature") }
            let length = Int(bytes[position])
            position += 1
            let signature = try text(length: length)
            guard DBusSignature.isValid(signature) else { throw .init("not a signature") }
            return .signature(signature)
        case UInt8(ascii: "v"):
            guard case .signature(let signature) = try read(Array("g".utf8)[...]) else { throw .init("no signature") }
            let utf8 = signature.utf8
            guard !signature.isEmpty,
                  try DBusSignature.endOfSingleType(utf8, from: utf8.startIndex) == utf8.endIndex else {
                throw .init("a variant's signature is not one complete type")
            }
            depth += 1
            defer { depth -= 1 }
            guard depth <= 64 else { throw .init("variants nest too deep") }
            return .variant(try read(Array(utf8)[...]))
        case UInt8(ascii: "a"):
            let length = Int(try integer(UInt32.self))
            guard length <= DBusMessage.maximumArrayLength else { throw .init("an array is longer than 64 MiB") }
            let element = type.dropFirst()
            try align(Self.alignment(of: element.first ?? 0))
            let end = position + length
            guard end <= bytes.count else { throw .init("an array runs past the message") }
            if element.first == UInt8(ascii: "y") {
                position = end
                return .bytes(Array(bytes[(end - length)..<end]))
            }
            let elementSignature = String(decoding: element, as: UTF8.self)
            var elements: [DBusValue] = []
            depth += 1
            defer { depth -= 1 }
            guard depth <= 64 else { throw .init("containers nest too deep") }
            while position < end {
                elements.append(try read(element))
            }
            guard position == end else { throw .init("an array's elements run past its length") }
            return .array(element: elementSignature, elements)
        case UInt8(ascii: "("), UInt8(ascii: "{"):
            try align(8)
            depth += 1
            defer { depth -= 1 }
            guard depth <= 64 else { throw .init("containers nest too deep") }
            var fields: [DBusValue] = []
            var index = type.index(after: type.startIndex)
            while index < type.endIndex, type[index] != UInt8(ascii: ")"), type[index] != UInt8(ascii: "}") {
                let fieldEnd = Self.endOfType(type, index)
                fields.append(try read(type[index..<fieldEnd]))
                index = fieldEnd
            }
            if code == UInt8(ascii: "{") {
                guard fields.count == 2 else { throw .init("a dictionary entry without two fields") }
                return .dictEntry(fields[0], fields[1])
            }
            return .structure(fields)
        default:
            throw .init("unknown type code")
        }
    }

    /// The end of the single complete type at `index` of a signature already validated.
    private static func endOfType(_ type: ArraySlice<UInt8>, _ index: Int) -> Int {
        var position = index
        while type[position] == UInt8(ascii: "a") { position += 1 }
        let code = type[position]
        guard code == UInt8(ascii: "(") || code == UInt8(ascii: "{") else { return position + 1 }
        var open = 0
        repeat {
            if type[position] == UInt8(ascii: "(") || type[position] == UInt8(ascii: "{") { open += 1 }
            if type[position] == UInt8(ascii: ")") || type[position] == UInt8(ascii: "}") { open -= 1 }
            position += 1
        } while open > 0
        return position
    }
}
