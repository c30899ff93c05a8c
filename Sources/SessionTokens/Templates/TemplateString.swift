/// A template string value, split into literal text and shortcodes.
public enum TemplateString: Sendable, Hashable {
    /// No shortcode: the string is copied as is.
    case literal(String)
    /// Exactly one shortcode and nothing else: the result keeps the source's JSON type.
    case single(ShortcodeExpression)
    /// Text and shortcodes mixed: the result is a string, each shortcode rendered as text.
    case interpolated([Piece])

    public enum Piece: Sendable, Hashable {
        case text(String)
        case shortcode(ShortcodeExpression)
    }

    /// Splits `source` at `{{` and `}}`; an opening brace pair without its closing pair is an error.
    public init(parsing source: String) throws(TokenError) {
        var pieces: [Piece] = []
        let bytes = Array(source.utf8)
        func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
        func find(_ first: UInt8, from start: Int) -> Int? {
            var index = start
            while index + 1 < bytes.count {
                if bytes[index] == first, bytes[index + 1] == first { return index }
                index += 1
            }
            return nil
        }
        var cursor = 0
        while let open = find(UInt8(ascii: "{"), from: cursor) {
            if open > cursor { pieces.append(.text(text(cursor..<open))) }
            guard let close = find(UInt8(ascii: "}"), from: open + 2) else {
                throw TokenError(.invalidShortcode, "\"\(source)\": {{ without a closing }}")
            }
            pieces.append(.shortcode(try ShortcodeExpression(parsing: text(open + 2..<close))))
            cursor = close + 2
        }
        if cursor < bytes.count { pieces.append(.text(text(cursor..<bytes.count))) }
        switch pieces.count {
        case 0: self = .literal("")
        case 1:
            switch pieces[0] {
            case .text(let text): self = .literal(text)
            case .shortcode(let expression): self = .single(expression)
            }
        default: self = .interpolated(pieces)
        }
    }

    public func render(in context: JSONValue) -> JSONValue {
        switch self {
        case .literal(let text): return .string(text)
        case .single(let expression): return expression.evaluate(in: context)
        case .interpolated(let pieces):
            var text = ""
            for piece in pieces {
                switch piece {
                case .text(let literal): text += literal
                case .shortcode(let expression): text += Self.text(of: expression.evaluate(in: context))
                }
            }
            return .string(text)
        }
    }

    /// How a value reads inside a longer string: strings as themselves, everything else as JSON.
    static func text(of value: JSONValue) -> String {
        if case .string(let string) = value { return string }
        return JSONWriter.string(value)
    }
}
