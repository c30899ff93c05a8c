@testable import SessionCrypto
import Testing

/// The inline digest the gateway keys its token cache by: the same bytes as `SHA256.hash`, over a
/// string's exact UTF-8 (no normalisation), equal only when every word is.
@Suite struct SHA256DigestTests {
    static func bytes(_ digest: SHA256.Digest) -> [UInt8] {
        withUnsafeBytes(of: digest.words) { Array($0) }
    }

    @Test(arguments: ["", "abc", String(repeating: "header.payload.signature", count: 60)])
    func matchesTheArrayDigest(_ text: String) {
        #expect(Self.bytes(SHA256.digest(utf8: text)) == SHA256.hash(Array(text.utf8)))
    }

    @Test func knownAnswer() {
        // FIPS 180-4's example for "abc".
        let hex = Self.bytes(SHA256.digest(utf8: "abc")).map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
        #expect(hex.joined() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func differentBytesDifferentDigests() {
        let long = String(repeating: "x", count: 1000)
        #expect(SHA256.digest(utf8: long + "a") != SHA256.digest(utf8: long + "b"))
        #expect(SHA256.digest(utf8: "a" + long) != SHA256.digest(utf8: "b" + long))
        #expect(SHA256.digest(utf8: "K") != SHA256.digest(utf8: "\u{212A}"), "canonically equivalent, byte-different")
        #expect(SHA256.digest(utf8: "abc") == SHA256.digest(utf8: "abc"))
        var digest = SHA256.digest(utf8: "abc")
        digest.words.3 ^= 1
        #expect(digest != SHA256.digest(utf8: "abc"), "every word is compared")
    }
}
