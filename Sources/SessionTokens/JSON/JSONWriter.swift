/// Compact JSON serialisation into a byte buffer, with no Foundation on the path.
///
/// Members are written in the order they are held, so the same value always yields the same bytes.
public enum JSONWriter {
    public static func serialize(_ value: JSONValue) -> [UInt8] {
        JSONByteWriter.bytes(capacity: JSONByteWriter.bound(of: value)) { $0.value(value) }
    }

    public static func string(_ value: JSONValue) -> String {
        String(decoding: serialize(value), as: UTF8.self)
    }

    /// Pretty-printed with two-space indentation and sorted keys, for humans and golden files.
    public static func prettyString(_ value: JSONValue, sortKeys: Bool = true) -> String {
        var output: [UInt8] = []
        appendPretty(value, to: &output, indent: 0, sortKeys: sortKeys)
        return String(decoding: output, as: UTF8.self)
    }

    public static func append(_ value: JSONValue, to output: inout [UInt8]) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .integer(let number): appendInteger(number, to: &output)
        case .double(let number): appendDouble(number, to: &output)
        case .string(let text): appendString(text, to: &output)
        case .array(let items):
            output.append(UInt8(ascii: "["))
            for (offset, item) in items.enumerated() {
                if offset > 0 { output.append(UInt8(ascii: ",")) }
                append(item, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            for (offset, member) in object.members.enumerated() {
                if offset > 0 { output.append(UInt8(ascii: ",")) }
                appendString(member.key, to: &output)
                output.append(UInt8(ascii: ":"))
                append(member.value, to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static func appendPretty(_ value: JSONValue, to output: inout [UInt8], indent: Int, sortKeys: Bool) {
        let pad = { (level: Int, out: inout [UInt8]) in out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: level * 2)) }
        switch value {
        case .array(let items) where !items.isEmpty:
            output.append(contentsOf: "[\n".utf8)
            for (offset, item) in items.enumerated() {
                pad(indent + 1, &output)
                appendPretty(item, to: &output, indent: indent + 1, sortKeys: sortKeys)
                output.append(contentsOf: (offset == items.count - 1 ? "\n" : ",\n").utf8)
            }
            pad(indent, &output)
            output.append(UInt8(ascii: "]"))
        case .object(let object) where !object.isEmpty:
            let members = sortKeys ? object.members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) } : object.members
            output.append(contentsOf: "{\n".utf8)
            for (offset, member) in members.enumerated() {
                pad(indent + 1, &output)
                appendString(member.key, to: &output)
                output.append(contentsOf: ": ".utf8)
                appendPretty(member.value, to: &output, indent: indent + 1, sortKeys: sortKeys)
                output.append(contentsOf: (offset == members.count - 1 ? "\n" : ",\n").utf8)
            }
            pad(indent, &output)
            output.append(UInt8(ascii: "}"))
        default:
            append(value, to: &output)
        }
    }

    @inlinable
    public static func appendInteger(_ number: Int64, to output: inout [UInt8]) {
        if number == 0 {
            output.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = number.magnitude
        if number < 0 { output.append(UInt8(ascii: "-")) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var count = 0
            while magnitude > 0 {
                digits[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            while count > 0 {
                count -= 1
                output.append(digits[count])
            }
        }
    }

    static func appendDouble(_ number: Double, to output: inout [UInt8]) {
        if number.rounded() == number, abs(number) < 1e15 {
            appendInteger(Int64(number), to: &output)
            output.append(contentsOf: ".0".utf8)
        } else {
            output.append(contentsOf: "\(number)".utf8)
        }
    }

    @usableFromInline
    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `text` as a JSON string literal, escaping only what RFC 8259 requires (plus DEL-free
    /// control characters), so that non-ASCII text stays as UTF-8.
    @inlinable
    public static func appendString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): output.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x00..<0x20:
                output.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
