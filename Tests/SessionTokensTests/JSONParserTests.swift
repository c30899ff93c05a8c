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

    /// Issue 9, fault 7: every member name was compared with every earlier one, so a 16k-member
    /// object took 39 s. Objects are now capped (the work is bounded by the cap, whatever the
    /// input), and a name is found again in constant time, beyond a handful of members through a hash.
    static func object(members count: Int, from start: Int = 0, last: String? = nil) -> String {
        var text = "{" + (start..<start + count).map { #""m\#($0)":\#($0)"# }.joined(separator: ",")
        if let last { text += #","\#(last)":0"# }
        return text + "}"
    }

    @Test(arguments: [16_384, 100_000])
    func hugeObjectsAreRefusedAtTheCap(_ count: Int) {
        let text = Array(Self.object(members: count).utf8)
        #expect(throws: TokenError(.malformed, "")) { try JSONParser.parse(text) }
        let asClaims = Array(#"{"sub":"u","x":"#.utf8) + text + [UInt8(ascii: "}")]
        #expect(throws: TokenError(.malformed, "")) { try JWTClaims.parse(asClaims) }
        let asTopLevelClaims = Array(Self.object(members: count, last: "sub").utf8)
        #expect(throws: TokenError(.malformed, "")) { try JWTClaims.parse(asTopLevelClaims) }
    }

    @Test func theCapsAreExact() throws {
        #expect(try JSONParser.parse(Self.object(members: JSONParser.maximumMembers)).objectValue?.count == JSONParser.maximumMembers)
        #expect(throws: TokenError(.malformed, "")) { try JSONParser.parse(Self.object(members: JSONParser.maximumMembers + 1)) }
        let inClaims = Array(#"{"x":\#(Self.object(members: JSONParser.maximumMembers))}"#.utf8)
        #expect(try JWTClaims.parse(inClaims).additional["x"]?.objectValue?.count == JSONParser.maximumMembers)
        #expect(try JWTClaims.parse(Array(Self.object(members: JSONParser.maximumMembers - 1, last: "v").utf8)).version == 0)
        #expect(throws: TokenError(.malformed, "")) { try JWTClaims.parse(Array(Self.object(members: JSONParser.maximumMembers, last: "v").utf8)) }
        let array = "[" + Array(repeating: "0", count: JSONParser.maximumElements).joined(separator: ",") + "]"
        #expect(try JSONParser.parse(array).arrayValue?.count == JSONParser.maximumElements)
        #expect(try JWTClaims.parse(Array(#"{"x":\#(array)}"#.utf8)).additional["x"]?.arrayValue?.count == JSONParser.maximumElements)
    }

    @Test func hugeArraysAreRefusedAtTheCap() {
        let text = "[" + Array(repeating: "0", count: 100_000).joined(separator: ",") + "]"
        #expect(throws: TokenError(.malformed, "")) { try JSONParser.parse(text) }
        #expect(throws: TokenError(.malformed, "")) { try JWTClaims.parse(Array(#"{"x":\#(text)}"#.utf8)) }
    }

    /// Past the linear check, duplicates are still found (escaped or not, at any position), and
    /// names that String would call equal but that differ in bytes are still distinct.
    @Test(arguments: [5, 40, 500])
    func duplicatesAreFoundInLargeObjects(_ count: Int) throws {
        for duplicate in ["m0", "m\(count / 2)", "m\(count - 1)", #"\u006d\#(count - 1)"#] {
            let text = Self.object(members: count, last: duplicate)
            #expect(throws: TokenError(.duplicateKey, "")) { try JSONParser.parse(text) }
            #expect(throws: TokenError(.duplicateKey, "")) { try JWTClaims.parse(Array(#"{"x":\#(text)}"#.utf8)) }
            #expect(throws: TokenError(.duplicateKey, "")) { try JWTClaims.parse(Array(text.utf8)) }
        }
        let distinct = "{" + (0..<count).map { #""\#($0)K":0,"\#($0)\u212a":1"# }.joined(separator: ",") + "}"
        #expect(try JSONParser.parse(distinct).objectValue?.count == 2 * count)
        #expect(try JWTClaims.parse(Array(#"{"x":\#(distinct)}"#.utf8)).additional["x"]?.objectValue?.count == 2 * count)
        #expect(try JWTClaims.parse(Array(distinct.utf8)).additional.count == 2 * count)
    }

    @Test func writerRoundTrips() throws {
        let text = #"{"s":"q\"b\\n\n\t\u0001é","n":[0,-1,9223372036854775807],"d":2.5,"o":{},"a":[]}"#
        let value = try JSONParser.parse(text)
        #expect(try JSONParser.parse(JSONWriter.serialize(value)) == value)
        #expect(JSONWriter.string(.string("\u{01}")) == #""\u0001""#)
    }
}
