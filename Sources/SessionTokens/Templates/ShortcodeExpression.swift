/// The inside of one `{{ … }}`: operands separated by `||`.
///
/// An operand is a dotted path into the template context (`user.public_metadata.role`) or a
/// literal: a single-quoted string, a number, `true` or `false`. Evaluation returns the first
/// operand that is neither `null` nor `false`, else the last one's value.
public struct ShortcodeExpression: Sendable, Hashable {
    public enum Operand: Sendable, Hashable {
        case path([String])
        case literal(JSONValue)
    }

    public var operands: [Operand]

    /// Parses the text between the braces.
    public init(parsing source: String) throws(TokenError) {
        var operands: [Operand] = []
        var scanner = Scanner(Array(source.utf8))
        repeat {
            scanner.skipSpaces()
            operands.append(try scanner.operand(in: source))
            scanner.skipSpaces()
        } while scanner.consume("||")
        guard scanner.atEnd else { throw Self.invalid(source, "unexpected text after an operand") }
        self.operands = operands
    }

    public func evaluate(in context: JSONValue) -> JSONValue {
        var value: JSONValue = .null
        for operand in operands {
            switch operand {
            case .literal(let literal): value = literal
            case .path(let segments): value = Self.lookup(segments, in: context)
            }
            switch value {
            case .null, .bool(false): continue
            default: return value
            }
        }
        return value
    }

    /// Follows a path through nested objects; anything missing is `null`.
    static func lookup(_ segments: [String], in context: JSONValue) -> JSONValue {
        var current = context
        for segment in segments {
            guard case .object(let object) = current, let next = object[segment] else { return .null }
            current = next
        }
        return current
    }

    static func invalid(_ source: String, _ reason: String) -> TokenError {
        TokenError(.invalidShortcode, "shortcode {{\(source)}}: \(reason)")
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index == bytes.count }

        mutating func skipSpaces() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
        }

        mutating func consume(_ token: String) -> Bool {
            let token = Array(token.utf8)
            guard index + token.count <= bytes.count, Array(bytes[index..<index + token.count]) == token else { return false }
            index += token.count
            return true
        }

        mutating func operand(in source: String) throws(TokenError) -> Operand {
            guard index < bytes.count else { throw ShortcodeExpression.invalid(source, "an operand is missing") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "'") { return .literal(.string(try quoted(in: source))) }
            if byte == UInt8(ascii: "-") || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) {
                return .literal(try number(in: source))
            }
            let word = identifierRun()
            guard !word.isEmpty else { throw ShortcodeExpression.invalid(source, "unexpected character") }
            if word == "true" { return .literal(.bool(true)) }
            if word == "false" { return .literal(.bool(false)) }
            let segments = word.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard segments.allSatisfy({ !$0.isEmpty }) else { throw ShortcodeExpression.invalid(source, "empty path segment") }
            guard let first = segments.first?.utf8.first, !(first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) else {
                throw ShortcodeExpression.invalid(source, "a path starts with a letter")
            }
            return .path(segments)
        }

        private mutating func identifierRun() -> String {
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                let allowed = (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                    || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
                guard allowed else { break }
                index += 1
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        private mutating func quoted(in source: String) throws(TokenError) -> String {
            index += 1
            var text: [UInt8] = []
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: "\\"), index < bytes.count {
                    text.append(bytes[index])
                    index += 1
                } else if byte == UInt8(ascii: "'") {
                    return String(decoding: text, as: UTF8.self)
                } else {
                    text.append(byte)
                }
            }
            throw ShortcodeExpression.invalid(source, "unterminated string literal")
        }

        private mutating func number(in source: String) throws(TokenError) -> JSONValue {
            let start = index
            index += 1
            while index < bytes.count, (bytes[index] >= UInt8(ascii: "0") && bytes[index] <= UInt8(ascii: "9"))
                || bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")
                || bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")
            {
                index += 1
            }
            guard let value = try? JSONParser.parse(Array(bytes[start..<index])), value.integerValue != nil || {
                if case .double = value { return true } else { return false }
            }() else {
                throw ShortcodeExpression.invalid(source, "invalid number literal")
            }
            return value
        }
    }
}
