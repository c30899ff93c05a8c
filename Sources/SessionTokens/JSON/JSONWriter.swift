/// JSON serialisation: compact through `JSONByteWriter` (the one place that escapes strings and
/// formats numbers), or pretty-printed for humans and golden files.
///
/// Members are written in the order they are held, so the same value always yields the same bytes.
public enum JSONWriter {
    public static func serialize(_ value: JSONValue) -> [UInt8] {
        JSONByteWriter.bytes(capacity: JSONByteWriter.bound(of: value)) { $0.value(value) }
    }

    public static func string(_ value: JSONValue) -> String {
        String(decoding: serialize(value), as: UTF8.self)
    }

    /// Appends the compact form of `value` to `output`.
    public static func append(_ value: JSONValue, to output: inout [UInt8]) {
        output += serialize(value)
    }

    /// Appends `text` as a JSON string literal.
    public static func appendString(_ text: String, to output: inout [UInt8]) {
        output += JSONByteWriter.bytes(capacity: JSONByteWriter.bound(of: text)) { $0.string(text) }
    }

    /// Pretty-printed with two-space indentation and sorted keys, for humans and golden files.
    public static func prettyString(_ value: JSONValue, sortKeys: Bool = true) -> String {
        var output: [UInt8] = []
        appendPretty(value, to: &output, indent: 0, sortKeys: sortKeys)
        return String(decoding: output, as: UTF8.self)
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
}
