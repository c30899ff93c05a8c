/// A value in an audit event's `data`: the few shapes events need, so that every event has one
/// canonical byte form (RFC 8785 JSON for these shapes) that a verifier anywhere can recompute.
public enum AuditValue: Sendable, Hashable {
    case string(String)
    case integer(Int64)
    case bool(Bool)
    case strings([String])
}

/// An event's `data`: keys are `[A-Za-z0-9_]`, so that sorting them is the same in every language.
public typealias AuditData = [String: AuditValue]

/// The canonical JSON of audit events: RFC 8785 (JCS) restricted to objects, strings, integers,
/// booleans, null and arrays of strings. Keys are sorted by their bytes (all keys are ASCII), there
/// is no whitespace, and strings escape only `"`, `\` and control characters (`\b \t \n \f \r`,
/// else `\u00xx`), so Python's `json.dumps(e, sort_keys=True, separators=(",", ":"),
/// ensure_ascii=False)` writes the same bytes.
enum CanonicalJSON {
    enum Value {
        case null
        case string(String)
        case integer(Int64)
        case bool(Bool)
        case strings([String])
        case object([(String, Value)])
    }

    static func write(_ value: Value, into bytes: inout [UInt8]) {
        switch value {
        case .null: bytes += Array("null".utf8)
        case .string(let text): writeString(text, into: &bytes)
        case .integer(let number): bytes += Array(String(number).utf8)
        case .bool(let flag): bytes += Array((flag ? "true" : "false").utf8)
        case .strings(let list):
            bytes.append(UInt8(ascii: "["))
            for (index, text) in list.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                writeString(text, into: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            for (index, (key, member)) in members.sorted(by: { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }).enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                writeString(key, into: &bytes)
                bytes.append(UInt8(ascii: ":"))
                write(member, into: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func writeString(_ text: String, into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x08: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
            case 0x09: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0x0A: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0C: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
            case 0x0D: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x00..<0x20:
                bytes += Array("\\u00".utf8)
                bytes += [hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

extension AuditValue {
    var canonical: CanonicalJSON.Value {
        switch self {
        case .string(let text): .string(text)
        case .integer(let number): .integer(number)
        case .bool(let flag): .bool(flag)
        case .strings(let list): .strings(list)
        }
    }

    /// `[A-Za-z0-9_]{1,64}`: what a data key may be.
    public static func isValidKey(_ key: String) -> Bool {
        let bytes = key.utf8
        return (1...64).contains(bytes.count) && bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "_"): true
            default: false
            }
        }
    }
}
