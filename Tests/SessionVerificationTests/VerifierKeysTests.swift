import Testing
import SessionCrypto
import SessionTokens
import SessionVerification

/// Which keys a verifier trusts, and how a token's header picks one.
@Suite struct VerifierKeysTests {
    static let now = SessionVerifierTests.now
    static let rsa = SessionVerifierTests.rsa
    static let ec = SessionVerifierTests.ec

    /// A JWKS is public: an HMAC secret published in one is known to everybody, so trusting it
    /// would let anyone mint tokens. The `oct` key is skipped, and a token signed with it is refused.
    @Test func anHMACKeyInAJWKSIsNeverTrusted() throws {
        let secret = [UInt8](repeating: 0x42, count: 32)
        var oct = JWK(keyType: .oct)
        oct.keyID = "published-secret"
        oct.algorithm = "HS256"
        oct.k = Base64URL.encode(secret)
        let keys = try VerifierKeys(jwks: JWKS(keys: [try #require(Self.rsa.verificationKey.publicJWK), oct]))
        #expect(keys.keyIDs == [try #require(Self.rsa.keyID)])
        let forged = try SigningKey(hmacSecret: secret, keyID: "published-secret").mint(SessionVerifierTests.claims())
        SessionVerifierTests.expectRejection(.unknownKeyID, forged, verifier: SessionVerifier(keys: keys))
        #expect(throws: CryptoError(.invalidKey, "")) { try VerifierKeys(jwks: JWKS(keys: [oct])) }
    }

    /// A header segment that merely starts with a known one is not that header: it is decoded like
    /// any other (and here refused as malformed), even when the signature over it is valid. Known
    /// segments are stored back to back, so a prefix match would also read into the next one.
    @Test func aSegmentThatOnlyStartsWithAKnownHeaderIsNotIt() throws {
        let verifier = SessionVerifier(keys: try VerifierKeys([Self.rsa.verificationKey, Self.ec.verificationKey]))
        let genuine = try Self.rsa.mint(SessionVerifierTests.claims())
        #expect(try verifier.verify(genuine, now: Self.now).header.keyID == Self.rsa.keyID)
        let parts = genuine.split(separator: ".").map(String.init)
        let ecSegment = String(try Self.ec.mint(SessionVerifierTests.claims()).split(separator: ".")[0])
        for header in [parts[0] + ecSegment, parts[0] + ecSegment.prefix(4), parts[0] + ecSegment.prefix(7)] {
            let input = header + "." + parts[1]
            let signature = try Array(input.utf8).withUnsafeBytes { try Self.rsa.sign($0) }
            let token = input + "." + Base64URL.encode(signature)
            #expect(throws: VerificationError(.malformed, "")) { try verifier.verify(token, now: Self.now) }
        }
    }
}
