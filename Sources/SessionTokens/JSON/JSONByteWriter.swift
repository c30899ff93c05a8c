/// Writes compact JSON straight into memory sized in advance with `bound(of:)`, with no per-byte
/// capacity checks: claims serialisation is on the minting hot path.
struct JSONByteWriter {
    let base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0

    init(_ base: UnsafeMutablePointer<UInt8>) { self.base = base }

    /// Fills a new array through a writer; `capacity` must bound what `body` writes.
    static func bytes(capacity: Int, _ body: (inout JSONByteWriter) -> Void) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: capacity) { buffer, written in
            var writer = JSONByteWriter(buffer.baseAddress!)
            body(&writer)
            precondition(writer.count <= capacity, "JSON size bound was wrong")
            written = writer.count
        }
    }

    @inline(__always)
    mutating func byte(_ value: UInt8) {
        base[count] = value
        count += 1
    }

    @inline(__always)
    mutating func raw(_ text: StaticString) {
        (base + count).update(from: text.utf8Start, count: text.utf8CodeUnitCount)
        count += text.utf8CodeUnitCount
    }

    /// The most bytes `string(text)` can write: every byte escaped as `\u00XX`, plus quotes.
    @inline(__always)
    static func bound(of text: String) -> Int { text.utf8.count * 6 + 2 }

    static func bound(of value: JSONValue) -> Int {
        switch value {
        case .null, .bool: return 5
        case .integer: return 20
        case .double: return 40
        case .string(let text): return bound(of: text)
        case .array(let items): return items.reduce(2 + items.count) { $0 + bound(of: $1) }
        case .object(let object): return bound(of: object)
        }
    }

    static func bound(of object: JSONObject) -> Int {
        object.members.reduce(2 + object.count * 2) { $0 + bound(of: $1.key) + bound(of: $1.value) }
    }

    mutating func string(_ text: String) {
        byte(UInt8(ascii: "\""))
        if let done: Void = text.utf8.withContiguousStorageIfAvailable({ escaped($0) }) {
            _ = done
        } else {
            escaped(Array(text.utf8).withUnsafeBufferPointer { $0 })
        }
        byte(UInt8(ascii: "\""))
    }

    private static let hexDigits: StaticString = "0123456789abcdef"

    /// Copies runs that need no escaping in one go; escapes only what RFC 8259 requires.
    private mutating func escaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        var runStart = 0
        for index in 0..<bytes.count {
            let value = bytes[index]
            guard value < 0x20 || value == 0x22 || value == 0x5C else { continue }
            copy(bytes, runStart..<index)
            runStart = index + 1
            byte(0x5C)
            switch value {
            case 0x22, 0x5C: byte(value)
            case 0x0A: byte(UInt8(ascii: "n"))
            case 0x0D: byte(UInt8(ascii: "r"))
            case 0x09: byte(UInt8(ascii: "t"))
            default:
                raw("u00")
                byte(Self.hexDigits.utf8Start[Int(value >> 4)])
                byte(Self.hexDigits.utf8Start[Int(value & 0x0F)])
            }
        }
        copy(bytes, runStart..<bytes.count)
    }

    @inline(__always)
    private mutating func copy(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        guard !range.isEmpty else { return }
        (base + count).update(from: bytes.baseAddress! + range.lowerBound, count: range.count)
        count += range.count
    }

    mutating func integer(_ number: Int64) {
        if number == 0 {
            byte(UInt8(ascii: "0"))
            return
        }
        var magnitude = number.magnitude
        if number < 0 { byte(UInt8(ascii: "-")) }
        var digits = 0
        var probe = magnitude
        while probe > 0 {
            probe /= 10
            digits += 1
        }
        var position = count + digits - 1
        while magnitude > 0 {
            base[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
            position -= 1
        }
        count += digits
    }

    mutating func value(_ value: JSONValue) {
        switch value {
        case .null: raw("null")
        case .bool(let flag): if flag { raw("true") } else { raw("false") }
        case .integer(let number): integer(number)
        case .double(let number):
            var text: [UInt8] = []
            JSONWriter.appendDouble(number, to: &text)
            text.withUnsafeBufferPointer { copy($0, 0..<$0.count) }
        case .string(let text): string(text)
        case .array(let items):
            byte(UInt8(ascii: "["))
            for (offset, item) in items.enumerated() {
                if offset > 0 { byte(UInt8(ascii: ",")) }
                self.value(item)
            }
            byte(UInt8(ascii: "]"))
        case .object(let object):
            byte(UInt8(ascii: "{"))
            for (offset, member) in object.members.enumerated() {
                if offset > 0 { byte(UInt8(ascii: ",")) }
                string(member.key)
                byte(UInt8(ascii: ":"))
                self.value(member.value)
            }
            byte(UInt8(ascii: "}"))
        }
    }
}
