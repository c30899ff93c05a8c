import Foundation
import Testing
@testable import SessionTokens

@Suite struct Base64URLTests {
    @Test func roundTripsEveryLengthAndByte() throws {
        for length in 0..<70 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ length) }
            let encoded = Base64URL.encode(bytes)
            #expect(encoded.utf8.count == Base64URL.encodedLength(length))
            #expect(!encoded.contains("=") && !encoded.contains("+") && !encoded.contains("/"))
            #expect(Base64URL.decode(encoded) == bytes)
            let reference = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(encoded == reference)
        }
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
    }

    @Test func knownAnswers() {
        #expect(Base64URL.encode(#"{"alg":"ES256"}"#) == "eyJhbGciOiJFUzI1NiJ9")
        #expect(Base64URL.decode("RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc").map { String(decoding: $0, as: UTF8.self) } == "Example of Ed25519 signing")
    }

    @Test(arguments: [
        "QQ==",  // padding
        "QQ=",
        "Q",  // length 1 mod 4
        "QR",  // non-canonical: unused low bits set (canonical is "QQ")
        "QUJ",  // non-canonical 3-char tail (canonical "QUI")
        "a+b/",  // standard alphabet, not URL-safe
        "ab c",
        "ab\ncd",
        "ab.c",
    ])
    func refusesNonCanonicalInput(_ text: String) {
        #expect(Base64URL.decode(text) == nil)
    }
}
