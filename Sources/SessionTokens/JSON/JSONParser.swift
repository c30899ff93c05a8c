/// A strict RFC 8259 parser.
///
/// Stricter than Foundation on purpose: duplicate object keys are refused at every depth (two
/// parsers reading different values for one claim is a known JWT attack), strings must be valid
/// UTF-8 with no lone surrogates, no leading zeros, no trailing garbage, and nesting, members and
/// elements are capped, so the work on any input is linear in its size and bounded by the caps.
/// What Tessera writes for others to parse (template tokens) is held to the same caps
/// (`limitViolation(of:)`).
public struct JSONParser {
    /// How deep arrays and objects may nest before the document is refused.
    public static let maximumDepth = 64
    /// The most members one object may have: far above any token, user or template, low enough
    /// that no request body can make one object expensive.
    public static let maximumMembers = 1024
    /// The most elements one array may have (a revocation feed page holds up to 10 000 entries).
    public static let maximumElements = 16_384

    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    var depth = 0
    /// Member names of the objects being skipped, innermost last: one array per parse, however
    /// many objects are nested or visited.
    var nameStack: [ScannedString] = []

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Parses one complete JSON document.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(TokenError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.failure("trailing characters after the JSON value") }
        return value
    }

    public static func parse(_ bytes: [UInt8]) throws(TokenError) -> JSONValue {
        let result: Result<JSONValue, TokenError> = bytes.withUnsafeBufferPointer { buffer in
            do throws(TokenError) { return .success(try parse(buffer)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    public static func parse(_ text: String) throws(TokenError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    /// Parses a document that must be an object.
    public static func parseObject(_ bytes: [UInt8]) throws(TokenError) -> JSONObject {
        guard case .object(let object) = try parse(bytes) else {
            throw TokenError(.malformed, "expected a JSON object")
        }
        return object
    }

    /// Parses a document that must be an object, where its bytes lie (a request body's buffer).
    public static func parseObject(_ bytes: UnsafeBufferPointer<UInt8>) throws(TokenError) -> JSONObject {
        guard case .object(let object) = try parse(bytes) else {
            throw TokenError(.malformed, "expected a JSON object")
        }
        return object
    }

    func failure(_ reason: String) -> TokenError {
        TokenError(.malformed, "invalid JSON at byte \(index): \(reason)")
    }

    /// Compact JSON (every token we mint) has no whitespace at all: one comparison says so.
    @inline(__always)
    mutating func skipWhitespace() {
        while index < bytes.count {
            let byte = bytes[index]
            guard byte <= 0x20, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D else { return }
            index += 1
        }
    }

    mutating func parseValue() throws(TokenError) -> JSONValue {
        guard index < bytes.count else { throw failure("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return .object(try parseObject())
        case UInt8(ascii: "["): return .array(try parseArray())
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw failure("unexpected character")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(TokenError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw failure("truncated literal") }
        let pointer = literal.utf8Start
        for offset in 0..<count where bytes[index + offset] != pointer[offset] {
            throw failure("invalid literal")
        }
        index += count
    }

    mutating func enter() throws(TokenError) {
        depth += 1
        if depth > Self.maximumDepth { throw failure("nesting deeper than \(Self.maximumDepth)") }
    }

    private mutating func parseObject() throws(TokenError) -> JSONObject {
        try enter()
        index += 1
        var object = JSONObject()
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return object
        }
        var names: MemberNameTable?
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("expected a member name") }
            let key = try parseString()
            if object.count < MemberNameTable.linearLimit {
                for member in object.members where Self.sameBytes(member.key, key) {
                    throw TokenError(.duplicateKey, "JSON object names \"\(key)\" twice")
                }
            } else {
                guard object.count < Self.maximumMembers else { throw failure("an object has more than \(Self.maximumMembers) members") }
                if names == nil { names = Self.table(of: object) }
                if try names!.insert(hash: MemberNameTable.hash(key), position: object.count, isSame: { Self.sameBytes(object.members[$0].key, key) }) {
                    throw TokenError(.duplicateKey, "JSON object names \"\(key)\" twice")
                }
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("expected ':'") }
            index += 1
            skipWhitespace()
            let value = try parseValue()
            object.appendUnchecked(key: key, value: value)
            skipWhitespace()
            guard index < bytes.count else { throw failure("unterminated object") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "}") else { throw failure("expected ',' or '}'") }
            index += 1
            depth -= 1
            return object
        }
    }

    /// The names of an object that has just outgrown the linear check.
    private static func table(of object: JSONObject) -> MemberNameTable {
        var table = MemberNameTable(expected: object.count * 2)
        for (position, member) in object.members.enumerated() {
            _ = try? table.insert(hash: MemberNameTable.hash(member.key), position: position, isSame: { _ in false })
        }
        return table
    }

    private mutating func parseArray() throws(TokenError) -> [JSONValue] {
        try enter()
        index += 1
        var array: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return array
        }
        while true {
            skipWhitespace()
            guard array.count < Self.maximumElements else { throw failure("an array has more than \(Self.maximumElements) elements") }
            array.append(try parseValue())
            skipWhitespace()
            guard index < bytes.count else { throw failure("unterminated array") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "]") else { throw failure("expected ',' or ']'") }
            index += 1
            depth -= 1
            return array
        }
    }

    private mutating func parseNumber() throws(TokenError) -> JSONValue {
        let start = index
        var negative = false
        if bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        guard index < bytes.count, isDigit(bytes[index]) else { throw failure("expected a digit") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { throw failure("leading zero") }
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        let integerEnd = index
        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("expected a digit after '.'") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("expected an exponent") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        let digitsStart = negative ? start + 1 : start
        if isInteger, integerEnd - digitsStart <= 19 {
            var value: Int64 = 0
            var overflow = false
            for position in digitsStart..<integerEnd {
                let digit = Int64(bytes[position] &- UInt8(ascii: "0"))
                let (times, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
                if o1 || o2 { overflow = true; break }
                value = sum
            }
            if !overflow { return .integer(value) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let double = Double(text), double.isFinite else { throw failure("number out of range") }
        return .double(double)
    }

    @inline(__always)
    private func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

}
