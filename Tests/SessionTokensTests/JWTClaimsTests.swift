import Testing
@testable import SessionTokens

@Suite struct JWTClaimsTests {
    static let request = SessionTokenRequest(sessionID: "sess_1", userID: "user_1", issuer: "https://tessera.test", authorizedParty: "https://app.test")

    @Test func reusingKnownStringsChangesNoValue() throws {
        let known = ["https://issuer.test", "https://app.test", ""]
        for (payload, issuer, party) in [
            (#"{"iss":"https://issuer.test","azp":"https://app.test","sub":"u"}"#, "https://issuer.test", "https://app.test"),
            (#"{"iss":"https:\/\/issuer.test","azp":"https://other.test","sub":"u"}"#, "https://issuer.test", "https://other.test"),
            (#"{"iss":"https://issuer.tes","azp":"","sub":"u"}"#, "https://issuer.tes", ""),
        ] {
            let claims = try JWTClaims.parse(Array(payload.utf8), reusing: known)
            let plain = try JWTClaims.parse(Array(payload.utf8))
            #expect(claims.issuer == issuer && claims.authorizedParty == party && claims == plain)
        }
        #expect(throws: TokenError.self) { try JWTClaims.parse(Array(#"{"iss":"https://issuer.test"#.utf8), reusing: known) }
        #expect(throws: TokenError.self) { try JWTClaims.parse(Array(#"{"iss":1}"#.utf8), reusing: known) }
    }

    /// Issue 9, fault 4: NumericDates outside years 1970…9999 are malformed, so no later
    /// arithmetic (leeway, the user-wide cut-off in milliseconds) can wrap or trap on them.
    @Test(arguments: [
        #"{"sub":"u","iat":-9223372036854776,"exp":1800000060}"#,
        #"{"sub":"u","iat":-1,"exp":1800000060}"#,
        #"{"sub":"u","iat":1800000000,"exp":253402300800}"#,
        #"{"sub":"u","iat":1800000000,"exp":9223372036854775807}"#,
        #"{"sub":"u","iat":1800000000,"exp":1800000060,"nbf":-9223372036854775808}"#,
        #"{"sub":"u","iat":1800000000,"exp":1800000060,"nbf":99999999999999999}"#,
    ])
    func numericDatesOutsideTheSaneRangeAreMalformed(_ payload: String) {
        #expect(throws: TokenError(.malformed, "")) { try JWTClaims.parse(Array(payload.utf8)) }
    }

    @Test func numericDatesAtTheEdgesOfTheRangeParse() throws {
        let claims = try JWTClaims.parse(Array(#"{"sub":"u","iat":0,"nbf":0,"exp":253402300799}"#.utf8))
        #expect(claims.issuedAt == 0 && claims.notBefore == 0 && claims.expiresAt == 253_402_300_799)
    }

    @Test func sessionTokenHasTheV2ClaimsAndDefaultLifetime() throws {
        let claims = try JWTClaims.sessionToken(Self.request, now: 1_700_000_000, tokenID: "0123456789abcdef0123")
        #expect(String(decoding: claims.serialized(), as: UTF8.self) == #"{"azp":"https://app.test","exp":1700000060,"fva":[0,-1],"iat":1700000000,"iss":"https://tessera.test","jti":"0123456789abcdef0123","nbf":1699999995,"sid":"sess_1","sts":"active","sub":"user_1","v":2}"#)
        #expect(try JWTClaims.parse(claims.serialized()) == claims)
    }

    @Test func expiresInIsBoundedAndCapped() throws {
        var request = Self.request
        for bad: Int64 in [0, 29, 315_360_001, -5] {
            request.expiresInSeconds = bad
            #expect(throws: TokenError(.invalidLifetime, "")) { try JWTClaims.sessionToken(request, now: 0, tokenID: "j") }
        }
        request.expiresInSeconds = 30
        #expect(try JWTClaims.sessionToken(request, now: 100, tokenID: "j").expiresAt == 130)
        request.expiresInSeconds = 315_360_000
        #expect(try JWTClaims.sessionToken(request, now: 100, tokenID: "j", lifetime: TokenLifetime(maximumSeconds: 3600)).expiresAt == 3700)
    }

    @Test func neverOutlivesItsSession() throws {
        var request = Self.request
        request.sessionExpiresAt = 1_000_030
        request.expiresInSeconds = 3600
        #expect(try JWTClaims.sessionToken(request, now: 1_000_000, tokenID: "j").expiresAt == 1_000_030)
        request.sessionExpiresAt = 1_000_000
        #expect(throws: TokenError(.invalidLifetime, "")) { try JWTClaims.sessionToken(request, now: 1_000_000, tokenID: "j") }
    }

    @Test(arguments: [
        #"{"exp":1.5}"#, #"{"exp":"1"}"#, #"{"iat":true}"#, #"{"sub":1}"#, #"{"aud":[1]}"#, #"{"aud":{}}"#,
        #"{"fva":[0.5]}"#, #"{"v":"2"}"#, #"{"sid":null}"#,
    ])
    func refusesWrongClaimTypes(_ json: String) {
        #expect(throws: TokenError(.invalidClaim, "")) { try JWTClaims.parse(Array(json.utf8)) }
    }

    @Test func additionalClaimsCannotShadowRegisteredOnes() throws {
        let claims = JWTClaims(subject: "user_1", additional: ["sub": .string("attacker"), "role": .string("admin")])
        let parsed = try JWTClaims.parse(claims.serialized())
        #expect(parsed.subject == "user_1")
        #expect(parsed.additional == ["role": .string("admin")])
    }

    /// `additional` never holds a registered name, whether set by the initialiser or the setter:
    /// templates and printing read it directly, not only through `serialized()`.
    @Test func additionalNeverHoldsARegisteredName() {
        var claims = JWTClaims(subject: "user_1", additional: ["sub": .string("attacker"), "exp": .integer(9), "role": .string("admin")])
        #expect(claims.additional == ["role": .string("admin")] && claims.subject == "user_1")
        claims.additional = ["iss": .string("https://evil.test"), "org": .string("org_1"), "sid": .string("sess_x")]
        #expect(claims.additional == ["org": .string("org_1")])
        #expect(claims.issuer == nil && claims.sessionID == nil)
    }
}

@Suite struct ClaimPolicyTests {
    let claims = JWTClaims(expiresAt: 1000, issuedAt: 940, issuer: "iss", notBefore: 935, subject: "user_1")

    @Test func expiryBoundaryWithLeeway() {
        let policy = ClaimPolicy(leeway: 5)
        #expect(policy.violation(of: claims, now: 1004) == nil)
        #expect(policy.violation(of: claims, now: 1005) == .expired(expiresAt: 1000))
        #expect(ClaimPolicy(leeway: 0).violation(of: claims, now: 999) == nil)
        #expect(ClaimPolicy(leeway: 0).violation(of: claims, now: 1000) == .expired(expiresAt: 1000))
    }

    @Test func notBeforeAndIssuedAtBoundaries() {
        let policy = ClaimPolicy(leeway: 5)
        #expect(policy.violation(of: claims, now: 940) == nil)
        #expect(policy.violation(of: claims, now: 929) == .notYetValid(notBefore: 935))
        var noNbf = claims
        noNbf.notBefore = nil
        #expect(policy.violation(of: noNbf, now: 935) == nil)
        #expect(policy.violation(of: noNbf, now: 934) == .issuedInFuture(issuedAt: 940))
    }

    /// Leeway is configuration, not input, but a huge one must still saturate rather than wrap
    /// (an `exp` near the top of the range plus leeway) or trap.
    @Test func hugeLeewaySaturatesInsteadOfWrapping() {
        let policy = ClaimPolicy(leeway: .max)
        #expect(policy.violation(of: claims, now: 5_000) == nil)
        #expect(policy.violation(of: claims, now: .max) == .expired(expiresAt: 1000))
        #expect(ClaimPolicy(leeway: 5).violation(of: claims, now: .min) == .notYetValid(notBefore: 935))
    }

    @Test func requiredClaims() {
        var missing = claims
        missing.expiresAt = nil
        #expect(ClaimPolicy().violation(of: missing, now: 950) == .missing("exp"))
        missing = claims
        missing.subject = nil
        #expect(ClaimPolicy().violation(of: missing, now: 950) == .missing("sub"))
        #expect(ClaimPolicy(requireSessionID: true).violation(of: claims, now: 950) == .missing("sid"))
    }

    @Test func issuerPartyAndAudience() {
        #expect(ClaimPolicy(issuer: "other").violation(of: claims, now: 950) == .wrongIssuer("iss"))
        #expect(ClaimPolicy(authorizedParties: ["https://a"]).violation(of: claims, now: 950) == .unauthorizedParty(nil))
        var withAzp = claims
        withAzp.authorizedParty = "https://a"
        #expect(ClaimPolicy(authorizedParties: ["https://a"]).violation(of: withAzp, now: 950) == nil)
        var withAud = claims
        withAud.audience = ["convex"]
        #expect(ClaimPolicy().violation(of: withAud, now: 950) == .wrongAudience(["convex"]))
        #expect(ClaimPolicy(audience: "convex").violation(of: withAud, now: 950) == nil)
        #expect(ClaimPolicy(audience: "convex").violation(of: claims, now: 950) == .wrongAudience([]))
    }
}

/// The claims parser validates non-registered members fully even though it decodes them lazily.
@Suite struct DeferredClaimsTests {
    @Test(arguments: [
        #"{"sub":"a","\u0073ub":"b"}"#,
        #"{"x":1,"x":2}"#,
        #"{"x":1,"\u0078":2}"#,
        #"{"x":{"a":1,"a":2}}"#,
        #"{"x":[{"k":1,"\u006b":2}]}"#,
        #"{"exp":1,"exp":1}"#,
    ])
    func duplicatesAreCaughtAtEveryDepthAndThroughEscapes(_ json: String) {
        #expect(throws: TokenError(.duplicateKey, "")) { try JWTClaims.parse(Array(json.utf8)) }
    }

    @Test(arguments: [
        "{\"x\":\"a\u{01}\"}", #"{"x":"\ud800"}"#, #"{"x":[1,]}"#, #"{"x":01}"#, #"{"x":tru}"#, #"{"x":"\q"}"#, #"{"x":{"a"}}"#,
        #"{"x":"unterminated}"#, #"{"a":1}x"#,
    ])
    func malformedExtrasAreRefused(_ json: String) {
        #expect(throws: TokenError(.malformed, "")) { try JWTClaims.parse(Array(json.utf8)) }
    }

    @Test func invalidUTF8InExtrasIsRefused() {
        #expect(throws: TokenError(.malformed, "")) { try JWTClaims.parse([0x7B, 0x22, 0x78, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D]) }
    }

    @Test func nestingIsCappedInExtras() {
        let deep = #"{"x":"# + String(repeating: "[", count: JSONParser.maximumDepth) + String(repeating: "]", count: JSONParser.maximumDepth) + "}"
        #expect(throws: TokenError(.malformed, "")) { try JWTClaims.parse(Array(deep.utf8)) }
    }

    @Test func lazyDecodingMatchesEagerDecoding() throws {
        let json = #"{"sub":"user_1","long string claim name":"v\u00e9\n\"q\"","\u0061rr":[1,-2.5,true,null,{"n":"Zoë 🦄"}],"obj":{"a":{"b":[]}},"exp":10,"e":""}"#
        let claims = try JWTClaims.parse(Array(json.utf8))
        guard case .object(var eager) = try JSONParser.parse(json) else { Issue.record("not an object"); return }
        eager["sub"] = nil
        eager["exp"] = nil
        #expect(claims.additional == eager)
        #expect(claims.additional.keys == ["long string claim name", "arr", "obj", "e"])
        #expect(claims.subject == "user_1" && claims.expiresAt == 10)
        #expect(try JWTClaims.parse(claims.serialized()) == claims)
    }
}
