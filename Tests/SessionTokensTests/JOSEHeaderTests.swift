import Testing
@testable import SessionTokens

@Suite struct JOSEHeaderTests {
    @Test(arguments: ["none", "None", "NONE", "nOnE", "HS512", "RS384", "PS256", "es256", "rs256", ""])
    func unsupportedAlgorithmsDoNotParse(_ name: String) throws {
        let header = try JOSEHeader.parse(Array(#"{"alg":"\#(name)"}"#.utf8))
        #expect(header.algorithm == nil)
        #expect(header.algorithmName == name)
    }

    @Test func acceptsBothEdDSANames() throws {
        #expect(try JOSEHeader.parse(Array(#"{"alg":"EdDSA"}"#.utf8)).algorithm == .edDSA)
        #expect(try JOSEHeader.parse(Array(#"{"alg":"Ed25519"}"#.utf8)).algorithm == .edDSA)
    }

    @Test func refusesCritAndBadTypes() {
        #expect(throws: TokenError(.unsupportedCritical, "")) { try JOSEHeader.parse(Array(#"{"alg":"RS256","crit":["exp"]}"#.utf8)) }
        #expect(throws: TokenError(.malformed, "")) { try JOSEHeader.parse(Array(#"{"alg":1}"#.utf8)) }
        #expect(throws: TokenError(.malformed, "")) { try JOSEHeader.parse(Array(#"{"kid":"a"}"#.utf8)) }
        #expect(throws: TokenError(.malformed, "")) { try JOSEHeader.parse(Array(#"{"alg":"RS256","kid":7}"#.utf8)) }
        #expect(throws: TokenError(.duplicateKey, "")) { try JOSEHeader.parse(Array(#"{"alg":"RS256","alg":"none"}"#.utf8)) }
    }

    @Test func serializesInFixedOrder() {
        let header = JOSEHeader(algorithm: .es256, keyID: "k1")
        #expect(String(decoding: header.serialized(), as: UTF8.self) == #"{"alg":"ES256","kid":"k1","typ":"JWT"}"#)
    }

    @Test(arguments: ["a.b", "a.b.c.d", ".b.c", "a.b.", "..", "abc", ""])
    func splitRefusesWrongShapes(_ token: String) {
        let bytes = Array(token.utf8)
        #expect(throws: TokenError(.malformed, "")) { try bytes.withUnsafeBufferPointer { try CompactJWS.split($0) } }
    }

    @Test func splitAllowsAnEmptyPayload() throws {
        let bytes = Array("aa..cc".utf8)
        let parts = try bytes.withUnsafeBufferPointer { try CompactJWS.split($0) }
        #expect(parts.header == 0..<2 && parts.payload == 3..<3 && parts.signature == 4..<6)
    }
}
