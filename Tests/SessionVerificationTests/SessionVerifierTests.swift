import Testing
import TestFixtures
import SessionCrypto
import SessionTokens
import SessionVerification

@Suite struct SessionVerifierTests {
    static let now: Int64 = 1_800_000_000
    static let rsa = try! SigningKey(pem: Fixtures.testKey("rs256.pem"))
    static let ec = try! SigningKey(pem: Fixtures.testKey("es256.pem"))
    static let ed = try! SigningKey(pem: Fixtures.testKey("eddsa.pem"))
    static let verifier = SessionVerifier(keys: try! VerifierKeys([rsa.verificationKey, ec.verificationKey, ed.verificationKey]))

    static func claims(now: Int64 = now, lifetime: Int64 = 60) -> JWTClaims {
        var claims = try! JWTClaims.sessionToken(
            SessionTokenRequest(sessionID: "sess_1", userID: "user_1", issuer: "https://tessera.test", authorizedParty: "https://app.test"),
            now: now, tokenID: "00112233445566778899")
        claims.expiresAt = now + lifetime
        claims.additional = ["role": .string("admin"), "org": .object(["id": .string("org_1")]), "email": .string("a@b.test")]
        return claims
    }

    /// Builds a token from raw header and payload JSON, signed by `key` over exactly those bytes.
    static func forge(header: String, payload: String, key: SigningKey) throws -> String {
        let input = Base64URL.encode(header) + "." + Base64URL.encode(payload)
        let signature = try Array(input.utf8).withUnsafeBytes { try key.sign($0) }
        return input + "." + Base64URL.encode(signature)
    }

    static func expectRejection(_ code: VerificationError.Code, _ token: String, verifier: SessionVerifier = verifier, now: Int64 = now) {
        #expect(throws: VerificationError(code, "")) { try verifier.verify(token, now: now) }
    }

    @Test(arguments: [rsa, ec, ed])
    func roundTripsEveryAlgorithm(_ key: SigningKey) throws {
        let token = try key.mint(Self.claims())
        let verified = try Self.verifier.verify(token, now: Self.now)
        #expect(verified.claims == Self.claims() && verified.header.keyID == key.keyID && verified.sessionID == "sess_1")
    }

    /// Tessera's own header segments are matched byte for byte to their key: each picks its own,
    /// another key's segment on a token is judged under that other key, and a segment of the same
    /// length that differs in one byte goes through decoding like any other.
    @Test func knownHeaderSegmentsPickTheirOwnKey() throws {
        let tokens = try [Self.rsa, Self.ec, Self.ed].map { try $0.mint(Self.claims()) }
        let segments = tokens.map { String($0.split(separator: ".")[0]) }
        for (index, key) in [Self.rsa, Self.ec, Self.ed].enumerated() {
            #expect(try Self.verifier.verify(tokens[index], now: Self.now).header.keyID == key.keyID)
        }
        let rsaRest = tokens[0].split(separator: ".").dropFirst().joined(separator: ".")
        Self.expectRejection(.badSignature, segments[2] + "." + rsaRest)
        Self.expectRejection(.badSignature, segments[1] + "." + rsaRest)
        let kid = Self.rsa.keyID!
        let altered = String(kid.dropLast()) + (kid.last == "A" ? "B" : "A")
        let sameLength = Base64URL.encode(#"{"alg":"RS256","kid":"\#(altered)","typ":"JWT"}"#)
        #expect(sameLength.utf8.count == segments[0].utf8.count && sameLength != segments[0])
        Self.expectRejection(.unknownKeyID, sameLength + "." + rsaRest)
    }

    /// Minting serialises the payload on the stack up to 2 KB and on the heap beyond: payloads on
    /// both sides of that edge come out whole and verify.
    @Test func payloadsEitherSideOfTheStackBufferRoundTrip() throws {
        let base = Self.claims().serialized().count
        for size in stride(from: 2048 - 40, through: 2048 + 40, by: 3) + [4096, 5500] {
            var claims = Self.claims()
            var extra = claims.additional
            extra["blob"] = .string(String(repeating: "x", count: max(0, size - base - 10)))
            claims.additional = extra
            let token = try Self.ec.mint(claims)
            let payload = Base64URL.decode(token.split(separator: ".")[1])
            #expect(payload == claims.serialized())
            #expect(try Self.verifier.verify(token, now: Self.now).claims == claims)
        }
    }

    @Test func roundTripsHS256TemplateKeys() throws {
        let key = try SigningKey(templateKey: .init(algorithm: .hs256, material: "a-template-secret-of-at-least-32-bytes!"))
        let verifier = SessionVerifier(keys: try VerifierKeys([key.verificationKey]))
        #expect(try verifier.verify(key.mint(Self.claims()), now: Self.now).claims.subject == "user_1")
    }

    @Test(arguments: ["none", "None", "NONE", "nOnE"])
    func algNoneIsRefusedInAnyCasing(_ alg: String) throws {
        let header = Base64URL.encode(#"{"alg":"\#(alg)","kid":"\#(Self.rsa.keyID!)","typ":"JWT"}"#)
        let payload = Base64URL.encode(Self.claims().serialized())
        Self.expectRejection(.unsupportedAlgorithm, "\(header).\(payload).AAAA")
        Self.expectRejection(.malformed, "\(header).\(payload).")
    }

    @Test func hs256WithTheRSAPublicKeyAsSecretIsRefused() throws {
        // The classic confusion: an attacker HMACs with the published public key as the secret.
        let publicPEM = try Self.rsa.publicKeyPEM()
        let attacker = try SigningKey(hmacSecret: Array(publicPEM.utf8), keyID: Self.rsa.keyID)
        let token = try Self.forge(
            header: #"{"alg":"HS256","kid":"\#(Self.rsa.keyID!)","typ":"JWT"}"#, payload: String(decoding: Self.claims().serialized(), as: UTF8.self),
            key: attacker)
        Self.expectRejection(.algorithmMismatch, token)
        // Trusting one key (no kid lookup) pins the algorithm just the same.
        Self.expectRejection(.algorithmMismatch, token, verifier: SessionVerifier(keys: .trusting(Self.rsa.verificationKey)))
    }

    @Test func algorithmMustMatchTheKey() throws {
        // An ES256 signature presented under the RSA key's kid.
        let token = try Self.forge(
            header: #"{"alg":"ES256","kid":"\#(Self.rsa.keyID!)"}"#, payload: String(decoding: Self.claims().serialized(), as: UTF8.self), key: Self.ec)
        Self.expectRejection(.algorithmMismatch, token)
    }

    @Test func kidMustMatchExactly() throws {
        let payload = String(decoding: Self.claims().serialized(), as: UTF8.self)
        Self.expectRejection(.unknownKeyID, try Self.forge(header: #"{"alg":"RS256","kid":"unknown"}"#, payload: payload, key: Self.rsa))
        Self.expectRejection(.unknownKeyID, try Self.forge(header: #"{"alg":"RS256"}"#, payload: payload, key: Self.rsa))
        let kid = Self.rsa.keyID!
        Self.expectRejection(.unknownKeyID, try Self.forge(header: #"{"alg":"RS256","kid":"\#(kid.uppercased())"}"#, payload: payload, key: Self.rsa))
        Self.expectRejection(.unknownKeyID, try Self.forge(header: #"{"alg":"RS256","kid":"\#(kid) "}"#, payload: payload, key: Self.rsa))
    }

    @Test func es256SignaturesMustBeRaw64Bytes() throws {
        let token = try Self.ec.mint(Self.claims())
        let parts = token.split(separator: ".").map(String.init)
        let raw = try #require(Base64URL.decode(parts[2]))
        func integer(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
            var value = Array(bytes.drop { $0 == 0 })
            if value.first.map({ $0 & 0x80 != 0 }) ?? true { value.insert(0, at: 0) }
            return [0x02, UInt8(value.count)] + value
        }
        let body = integer(raw[0..<32]) + integer(raw[32..<64])
        let der = [0x30, UInt8(body.count)] + body
        Self.expectRejection(.badSignature, "\(parts[0]).\(parts[1]).\(Base64URL.encode(der))")
        Self.expectRejection(.badSignature, "\(parts[0]).\(parts[1]).\(Base64URL.encode(Array(raw.dropLast())))")
        Self.expectRejection(.badSignature, "\(parts[0]).\(parts[1]).\(Base64URL.encode(raw + [0]))")
        Self.expectRejection(.badSignature, "\(parts[0]).\(parts[1]).\(Base64URL.encode([UInt8](repeating: 0, count: 64)))")
    }

    @Test func nonCanonicalBase64URLIsRefusedInEveryPart() throws {
        let token = try Self.ed.mint(Self.claims())
        var parts = token.split(separator: ".").map(String.init)
        // The Ed25519 signature is 64 bytes: 86 characters, the last carrying 4 unused bits.
        var signature = Array(parts[2].utf8)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        let last = alphabet.firstIndex(of: signature[signature.count - 1])!
        signature[signature.count - 1] = alphabet[last | 1]
        Self.expectRejection(.malformed, "\(parts[0]).\(parts[1]).\(String(decoding: signature, as: UTF8.self))")
        Self.expectRejection(.malformed, "\(parts[0]).\(parts[1]).\(parts[2])==")
        Self.expectRejection(.malformed, "\(parts[0])=.\(parts[1]).\(parts[2])")
        // A payload change alone fails the signature first: nothing is decoded before it verifies.
        parts[1] = "+" + parts[1].dropFirst()
        Self.expectRejection(.badSignature, parts.joined(separator: "."))
        // A validly signed but non-canonical payload is refused once the signature has passed.
        var json = String(decoding: Self.claims().serialized(), as: UTF8.self)
        while json.utf8.count % 3 == 0 { json += " " }
        var payload = Array(Base64URL.encode(json).utf8)
        payload[payload.count - 1] = alphabet[alphabet.firstIndex(of: payload[payload.count - 1])! | 1]
        let input = Base64URL.encode(#"{"alg":"EdDSA","kid":"\#(Self.ed.keyID!)"}"#) + "." + String(decoding: payload, as: UTF8.self)
        let signed = input + "." + Base64URL.encode(try Array(input.utf8).withUnsafeBytes { try Self.ed.sign($0) })
        Self.expectRejection(.malformed, signed)
    }

    @Test func duplicateMembersAreRefused() throws {
        let kid = Self.rsa.keyID!
        Self.expectRejection(.malformed, try Self.forge(header: #"{"alg":"RS256","kid":"\#(kid)","alg":"none"}"#, payload: "{}", key: Self.rsa))
        let payload = #"{"exp":\#(Self.now + 60),"iat":\#(Self.now),"sub":"user_1","sub":"user_admin"}"#
        Self.expectRejection(.malformed, try Self.forge(header: #"{"alg":"RS256","kid":"\#(kid)"}"#, payload: payload, key: Self.rsa))
    }

    @Test func hugeTokensAreRefusedUnread() throws {
        var claims = Self.claims()
        claims.additional = ["blob": .string(String(repeating: "x", count: 9000))]
        Self.expectRejection(.tokenTooLarge, try Self.ec.mint(claims))
        Self.expectRejection(.tokenTooLarge, String(repeating: "a", count: 1_000_000))
    }

    @Test func structuralGarbageIsMalformed() {
        for token in ["", "abc", "a.b", "a.b.c.d", "....", "eyJhbGciOiJSUzI1NiJ9..sig", "%%%.e30.AAAA", "e30.e30.AAAA"] {
            #expect(throws: VerificationError.self) { try Self.verifier.verify(token, now: Self.now) }
        }
        Self.expectRejection(.malformed, "e30.e30.AAAA")  // {} has no alg
    }

    @Test func tamperedPayloadFailsTheSignature() throws {
        let token = try Self.rsa.mint(Self.claims())
        let parts = token.split(separator: ".").map(String.init)
        var claims = Self.claims()
        claims.subject = "user_admin"
        Self.expectRejection(.badSignature, "\(parts[0]).\(Base64URL.encode(claims.serialized())).\(parts[2])")
    }

    @Test func expiryAndNotBeforeBoundariesWithLeeway() throws {
        let token = try Self.ec.mint(Self.claims(now: Self.now, lifetime: 60))
        _ = try Self.verifier.verify(token, now: Self.now + 64)
        Self.expectRejection(.expired, token, now: Self.now + 65)
        // iat is checked too: a token from more than the leeway in the future is refused.
        _ = try Self.verifier.verify(token, now: Self.now - 5)
        Self.expectRejection(.issuedInFuture, token, now: Self.now - 6)
        var later = Self.claims()
        later.notBefore = Self.now + 30
        let notYet = try Self.ec.mint(later)
        _ = try Self.verifier.verify(notYet, now: Self.now + 25)
        Self.expectRejection(.notYetValid, notYet, now: Self.now + 24)
        var strict = Self.verifier
        strict.policy.leeway = 0
        Self.expectRejection(.expired, token, verifier: strict, now: Self.now + 60)
        Self.expectRejection(.issuedInFuture, token, verifier: strict, now: Self.now - 1)
    }

    @Test func issuerAuthorizedPartyAudienceAndType() throws {
        let token = try Self.rsa.mint(Self.claims())
        var verifier = Self.verifier
        verifier.policy = ClaimPolicy(issuer: "https://tessera.test", authorizedParties: ["https://app.test"])
        _ = try verifier.verify(token, now: Self.now)
        verifier.policy.issuer = "https://evil.test"
        Self.expectRejection(.wrongIssuer, token, verifier: verifier)
        verifier.policy = ClaimPolicy(authorizedParties: ["https://other.test"])
        Self.expectRejection(.unauthorizedParty, token, verifier: verifier)
        verifier.policy = ClaimPolicy(audience: "api")
        Self.expectRejection(.wrongAudience, token, verifier: verifier)
        let typed = try Self.forge(
            header: #"{"alg":"RS256","kid":"\#(Self.rsa.keyID!)","typ":"at+jwt"}"#, payload: String(decoding: Self.claims().serialized(), as: UTF8.self),
            key: Self.rsa)
        Self.expectRejection(.malformed, typed)
        let critical = try Self.forge(
            header: #"{"alg":"RS256","kid":"\#(Self.rsa.keyID!)","crit":["b64"],"b64":false}"#, payload: "{}", key: Self.rsa)
        Self.expectRejection(.malformed, critical)
    }

    @Test func revokedSessionsAndUsersAreRefused() throws {
        let revocations = RevocationList()
        var verifier = Self.verifier
        verifier.revocations = revocations
        let token = try Self.ec.mint(Self.claims())
        _ = try verifier.verify(token, now: Self.now)
        revocations.revokeSession("sess_other")
        _ = try verifier.verify(token, now: Self.now)
        revocations.revokeSession("sess_1")
        Self.expectRejection(.revoked, token, verifier: verifier)

        // A user-wide cut-off revokes tokens issued at or before it, template tokens (no sid) included.
        revocations.replace(with: RevocationSnapshot())
        var template = Self.claims()
        template.sessionID = nil
        let templateToken = try Self.ec.mint(template)
        revocations.revokeUser("user_1", notBefore: (Self.now - 1) * 1000 + 999)
        _ = try verifier.verify(templateToken, now: Self.now)
        revocations.revokeUser("user_1", notBefore: Self.now * 1000)
        Self.expectRejection(.revoked, templateToken, verifier: verifier)
        // A token with a sid is judged by its session, not by the cut-off: the user-wide entry
        // lists the sessions it revoked, so a session opened in the same second stays usable.
        _ = try verifier.verify(token, now: Self.now)
        revocations.revokeUser("user_1", notBefore: Self.now * 1000, sessionIDs: ["sess_1"])
        Self.expectRejection(.revoked, token, verifier: verifier)
        var newSession = Self.claims()
        newSession.sessionID = "sess_2"
        _ = try verifier.verify(try Self.ec.mint(newSession), now: Self.now)
        // A token without sid issued after the cut-off (a new sign-in) is accepted.
        var later = Self.claims(now: Self.now + 1)
        later.sessionID = nil
        _ = try verifier.verify(try Self.ec.mint(later), now: Self.now + 1)
    }

    /// A revoked consent refuses the user's tokens that name its client in `client_id`, and no others.
    @Test func aRevokedConsentRefusesTheClientsTokensOfThatUser() throws {
        let revocations = RevocationList()
        var verifier = Self.verifier
        verifier.revocations = revocations
        var forClient = Self.claims()
        forClient.additional = ["client_id": .string("photo-app")]
        let clientToken = try Self.ec.mint(forClient)
        let plainToken = try Self.ec.mint(Self.claims())
        var otherUser = forClient
        otherUser.subject = "user_2"
        let otherUsersToken = try Self.ec.mint(otherUser)
        revocations.revokeConsent(userID: "user_1", clientID: "other-app", notBefore: Self.now * 1000)
        _ = try verifier.verify(clientToken, now: Self.now)
        revocations.revokeConsent(userID: "user_1", clientID: "photo-app", notBefore: Self.now * 1000)
        Self.expectRejection(.revoked, clientToken, verifier: verifier)
        _ = try verifier.verify(plainToken, now: Self.now)
        _ = try verifier.verify(otherUsersToken, now: Self.now)
        // A token for the client issued in a later second (a new grant) is accepted.
        var regranted = forClient
        regranted.issuedAt = Self.now + 1
        regranted.notBefore = Self.now + 1
        _ = try verifier.verify(try Self.ec.mint(regranted), now: Self.now + 1)
    }

    /// Issue 9, fault 4: `iat * 1000` wrapped, so `iat=-9223372036854776` came out after any
    /// user-wide cut-off. The claim is now malformed, and the comparison itself cannot wrap.
    @Test func aUserCutOffCannotBeWrappedPast() throws {
        let revocations = RevocationList()
        var verifier = Self.verifier
        verifier.revocations = revocations
        revocations.revokeUser("user_1", notBefore: Self.now * 1000)
        let payload = #"{"exp":\#(Self.now + 60),"iat":-9223372036854776,"sub":"user_1"}"#
        let wrapped = try Self.forge(header: #"{"alg":"ES256","kid":"\#(Self.ec.keyID!)"}"#, payload: payload, key: Self.ec)
        Self.expectRejection(.malformed, wrapped, verifier: verifier)

        let snapshot = RevocationSnapshot(usersNotBefore: ["user_1": Self.now * 1000])
        #expect(snapshot.isRevoked(sessionID: nil, userID: "user_1", issuedAt: -9_223_372_036_854_776))
        #expect(snapshot.isRevoked(sessionID: nil, userID: "user_1", issuedAt: .min))
        #expect(!snapshot.isRevoked(sessionID: nil, userID: "user_1", issuedAt: 9_223_372_036_854_776))
        #expect(!snapshot.isRevoked(sessionID: nil, userID: "user_1", issuedAt: .max))
        #expect(snapshot.isRevoked(sessionID: nil, userID: "user_1", issuedAt: Self.now))
        #expect(!snapshot.isRevoked(sessionID: nil, userID: "user_1", issuedAt: Self.now + 1))
    }

    @Test func signatureOnlyReturnsThePayloadAsIs() throws {
        let token = try Self.forge(header: #"{"alg":"EdDSA"}"#, payload: "not json at all", key: Self.ed)
        let verifier = SessionVerifier(keys: .trusting(Self.ed.verificationKey))
        #expect(try verifier.verifySignature(token).payload == Array("not json at all".utf8))
        Self.expectRejection(.malformed, token, verifier: verifier)
    }
}
