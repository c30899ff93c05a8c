import Foundation
import Testing
@testable import SessionTokens

@Suite struct JSONParserTests {
    @Test func parsesTypesAndKeepsOrder() throws {
        let value = try JSONParser.parse(#" {"b": [1, -2, 3.5, 1e3, true, false, null], "a": "x\u00e9\ud83e\udd84\n", "big": 92233720368547758070} "#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["b", "a", "big"])
        #expect(object["b"] == .array([.integer(1), .integer(-2), .double(3.5), .double(1000), .bool(true), .bool(false), .null]))
        #expect(object["a"] == .string("xé🦄\n"))
        #expect(object["big"] == .double(Double("92233720368547758070")!))
        #expect(try JSONParser.parse("-9223372036854775808") == .integer(.min))
    }

    @Test(arguments: [
        #"{"a":1,"a":2}"#,
        #"{"a":{"x":1,"x":1}}"#,
        #"[{"k":true,"k":true}]"#,
        #"{"a":1,"\u0061":2}"#,
    ])
    func refusesDuplicateKeysAtAnyDepth(_ text: String) {
        #expect(throws: TokenError(.duplicateKey, "")) { try JSONParser.parse(text) }
    }

    @Test(arguments: [
        "", " ", "{", "}", "[1,]", #"{"a":1,}"#, "01", "-", "1.", ".5", "+1", "1e", "tru", "nul", "NaN", "Infinity",
        #""\x""#, #""\u12""#, #""\ud800""#, #""\udc00x""#, "\"a\u{01}b\"", #"{"a" 1}"#, "{1:2}", "[1 2]", "1 2", "{}x",
        "'a'", "// c\n1",
    ])
    func refusesMalformedDocuments(_ text: String) {
        #expect(throws: TokenError(.malformed, "")) { try JSONParser.parse(text) }
    }

    @Test func refusesInvalidUTF8() {
        #expect(throws: TokenError(.malformed, "")) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: TokenError(.malformed, "")) { try JSONParser.parse([0x22, 0xED, 0xA0, 0x80, 0x22]) }
    }

    /// The string scanners jump eight bytes at a time to the first byte needing attention: put each
    /// kind of such byte at every offset of strings up to 20 bytes long, through the eager parser, a
    /// registered claim (parsed) and a template claim (scanned, decoded later).
    @Test func everySpecialByteAtEveryOffset() throws {
        let valid: [(raw: [UInt8], text: String)] = [
            (Array(#"\""#.utf8), "\""), (Array(#"\\"#.utf8), "\\"), (Array(#"\n"#.utf8), "\n"),
            (Array(#"\u00e9"#.utf8), "é"), (Array("é".utf8), "é"), (Array("🦄".utf8), "🦄"), (Array("x".utf8), "x"),
        ]
        let invalid: [[UInt8]] = [[0x01], [0x1F], [0x0A], [0xFF], [0xC3], [0xED, 0xA0, 0x80], Array(#"\x"#.utf8)]
        for length in 0..<20 {
            for offset in 0...length {
                let before = [UInt8](repeating: UInt8(ascii: "a"), count: offset)
                let after = [UInt8](repeating: UInt8(ascii: "b"), count: length - offset)
                let plain = String(repeating: "a", count: offset)
                let tail = String(repeating: "b", count: length - offset)
                for (raw, text) in valid {
                    let literal = [UInt8(ascii: "\"")] + before + raw + after + [UInt8(ascii: "\"")]
                    let expected = plain + text + tail
                    #expect(try JSONParser.parse(literal) == .string(expected))
                    let claims = try JWTClaims.parse(Array(#"{"sub":"#.utf8) + literal + Array(#","k":"#.utf8) + literal + [UInt8(ascii: "}")])
                    #expect(claims.subject == expected)
                    #expect(claims.additional["k"] == .string(expected))
                }
                for raw in invalid {
                    let literal = [UInt8(ascii: "\"")] + before + raw + after + [UInt8(ascii: "\"")]
                    #expect(throws: TokenError(.malformed, "")) { try JSONParser.parse(literal) }
                    #expect(throws: TokenError(.malformed, "")) { try JWTClaims.parse(Array(#"{"sub":"#.utf8) + literal + [UInt8(ascii: "}")]) }
                    #expect(throws: TokenError(.malformed, "")) { try JWTClaims.parse(Array(#"{"k":"#.utf8) + literal + [UInt8(ascii: "}")]) }
                }
            }
        }
    }

    /// The writer checks whole words, the tail included, before copying a string as is: put each
    /// character that must be escaped at every offset of strings up to 20 bytes long and compare
    /// with escaping one scalar at a time.
    @Test func writerEscapesEverySpecialByteAtEveryOffset() throws {
        func reference(_ text: String) -> String {
            var out = "\""
            for unit in text.unicodeScalars {
                switch unit {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case let c where c.value < 0x20: out += String(format: "\\u%04x", c.value)
                default: out.unicodeScalars.append(unit)
                }
            }
            return out + "\""
        }
        for length in 0..<20 {
            for offset in 0...length {
                for special in ["\"", "\\", "\n", "\u{01}", "\u{1F}", "é", "~", "\u{7F}"] {
                    let text = String(repeating: "a", count: offset) + special + String(repeating: "b", count: length - offset)
                    let written = JSONWriter.string(.string(text))
                    #expect(written == reference(text))
                    #expect(try JSONParser.parse(written) == .string(text))
                }
            }
        }
    }

    @Test func capsNesting() throws {
        let deep = String(repeating: "[", count: JSONParser.maximumDepth) + String(repeating: "]", count: JSONParser.maximumDepth)
        _ = try JSONParser.parse(deep)
        let tooDeep = "[" + deep + "]"
        #expect(throws: TokenError(.malformed, "")) { try JSONParser.parse(tooDeep) }
    }

    @Test func writerRoundTrips() throws {
        let text = #"{"s":"q\"b\\n\n\t\u0001é","n":[0,-1,9223372036854775807],"d":2.5,"o":{},"a":[]}"#
        let value = try JSONParser.parse(text)
        #expect(try JSONParser.parse(JSONWriter.serialize(value)) == value)
        #expect(JSONWriter.string(.string("\u{01}")) == #""\u0001""#)
    }
}
