import Foundation
import Testing
@testable import SessionTokens

/// Golden files: `Golden/<case>.template.json` renders, at a fixed instant and for a fixed user
/// and session, to exactly `Golden/<case>.claims.json`. Run with `UPDATE_GOLDEN=1` to rewrite
/// the expectations after an intended change, then review the diff.
@Suite struct TemplateGoldenTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static let user = TemplateUser(
        id: "user_2abc", externalID: "ext-42", firstName: "Ada", lastName: "Lovelace", username: nil,
        imageURL: "https://img.test/ada.png", createdAt: 1_700_000_000_123, updatedAt: 1_700_000_500_999,
        primaryEmailAddress: "ada@example.com", primaryPhoneNumber: nil, emailVerified: true,
        phoneNumberVerified: false, twoFactorEnabled: false,
        publicMetadata: ["profile": .object(["role": .string("admin"), "level": .integer(3)]), "tags": .array([.string("a"), .string("b")]), "count": .integer(5)],
        unsafeMetadata: ["nickname": .string("🦄")])
    static let session = TemplateSession(
        id: "sess_123", actor: ["sub": .string("user_admin")], createdAt: 1_700_000_100_000, expireAt: 1_700_604_900_000)

    static var cases: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".template.json") }.map { String($0.dropLast(".template.json".count)) }.sorted()
    }

    @Test func thereAreGoldenCases() { #expect(Self.cases.count >= 6) }

    @Test(arguments: cases)
    func rendersLikeTheGoldenFile(_ name: String) throws {
        let source = try Data(contentsOf: Self.directory.appendingPathComponent("\(name).template.json"))
        let template = try JWTTemplate(json: JSONParser.parseObject(Array(source)))
        let claims = try JWTClaims.templateToken(
            template, context: TemplateContext(user: Self.user, session: Self.session), user: Self.user,
            request: TemplateTokenRequest(issuer: "https://tessera.test", authorizedParty: "https://app.test"),
            now: 1_700_001_000, tokenID: "00112233445566778899")
        let rendered = JSONWriter.prettyString(.object(claims.jsonObject)) + "\n"
        let goldenURL = Self.directory.appendingPathComponent("\(name).claims.json")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try Data(rendered.utf8).write(to: goldenURL)
        }
        let golden = String(decoding: try Data(contentsOf: goldenURL), as: UTF8.self)
        #expect(rendered == golden, "\(name) rendered differently from its golden file")
        // The payload must also survive a strict re-parse unchanged.
        #expect(try JWTClaims.parse(claims.serialized()) == claims)
    }
}

@Suite struct TemplateRulesTests {
    @Test(arguments: ["sub", "iss", "exp", "iat", "nbf", "jti", "azp", "sid", "v", "fva", "sts", "client_id"])
    func reservedClaimsAreRefusedWhenSaved(_ claim: String) {
        #expect(throws: TokenError(.reservedClaim, "")) { try JWTTemplate(name: "t", claims: [claim: .string("x")]) }
    }

    @Test(arguments: ["{{", "{{ }}", "{{user.}}", "{{ user.id || }}", "{{'open}}", "{{user.id user.name}}", "a {{b", "{{1abc}}", "{{user..id}}"])
    func malformedShortcodesAreRefusedWhenSaved(_ value: String) {
        #expect(throws: TokenError(.invalidShortcode, "")) { try JWTTemplate(name: "t", claims: ["c": .string(value)]) }
    }

    @Test func settingsAreRangeChecked() {
        #expect(throws: TokenError(.invalidTemplate, "")) { try JWTTemplate(name: "t", claims: [:], lifetime: 29) }
        #expect(throws: TokenError(.invalidTemplate, "")) { try JWTTemplate(name: "t", claims: [:], lifetime: 315_360_001) }
        #expect(throws: TokenError(.invalidTemplate, "")) { try JWTTemplate(name: "t", claims: [:], allowedClockSkew: 301) }
        #expect(throws: TokenError(.invalidTemplate, "")) { try JWTTemplate(name: "a/b", claims: [:]) }
        #expect(throws: TokenError(.invalidTemplate, "")) { try JWTTemplate(name: "", claims: [:]) }
    }

    @Test func reservedClaimsAreReassertedAfterRendering() throws {
        // A nested "sub" is data, not a claim; the top-level one is always the service's.
        let template = try JWTTemplate(name: "t", claims: ["data": .object(["sub": .string("{{user.username}}")])], lifetime: 120, allowedClockSkew: 0)
        let user = TemplateUser(id: "user_1", username: "root")
        let claims = try JWTClaims.templateToken(
            template, context: TemplateContext(user: user, session: nil), user: user,
            request: TemplateTokenRequest(issuer: "iss", expiresInSeconds: 45), now: 1000, tokenID: "j")
        #expect(claims.subject == "user_1")
        #expect(claims.expiresAt == 1045 && claims.notBefore == 1000 && claims.sessionID == nil)
        #expect(claims.additional == ["data": .object(["sub": .string("root")])])
    }

    @Test func audienceMustRenderToStrings() throws {
        let user = TemplateUser(id: "user_1", publicMetadata: ["n": .integer(1)])
        let bad = try JWTTemplate(name: "t", claims: ["aud": .string("{{user.public_metadata.n}}")])
        #expect(throws: TokenError(.invalidClaim, "")) {
            try JWTClaims.templateToken(bad, context: TemplateContext(user: user, session: nil), user: user,
                request: TemplateTokenRequest(issuer: "i"), now: 0, tokenID: "j")
        }
    }

    @Test func previewReportsExactSizeAndEnforcesTheBudget() throws {
        let user = TemplateUser(id: "user_1", publicMetadata: ["blob": .string(String(repeating: "x", count: 5000))])
        let template = try JWTTemplate(name: "t", claims: ["blob": .string("{{user.public_metadata.blob}}")])
        let claims = try JWTClaims.templateToken(template, context: TemplateContext(user: user, session: nil), user: user,
            request: TemplateTokenRequest(issuer: "i"), now: 0, tokenID: "j")
        let header = JOSEHeader(algorithm: .es256, keyID: "kid")
        #expect(throws: TokenError(.tokenTooLarge, "")) { try JWTClaims.preview(claims: claims, header: header, signatureLength: 64) }
        let preview = try JWTClaims.preview(claims: claims, header: header, signatureLength: 64, budget: 10_000)
        let expected = Base64URL.encodedLength(header.serialized().count) + 1 + Base64URL.encodedLength(claims.serialized().count) + 1 + 86
        #expect(preview.tokenBytes == expected)
    }

    /// `levels` objects, each the only member `n` of the one outside it, around `leaf`.
    static func nested(_ levels: Int, around leaf: JSONValue) -> JSONValue {
        (0..<levels).reduce(leaf) { inner, _ in .object(["n": inner]) }
    }

    /// Issue 9, fault 7: metadata rendered deep inside a template made a token nested deeper than
    /// the verifier's parser accepts, so the server minted tokens its own gateway refused. Minting
    /// now refuses exactly what the parser would: every token it returns parses.
    @Test func templateTokensNeverNestDeeperThanTheParserReads() throws {
        let template = try JWTTemplate(name: "t", claims: Self.nested(40, around: .string("{{user.public_metadata}}")).objectValue!)
        var refused = 0
        for levels in 18...30 {
            let user = TemplateUser(id: "user_1", publicMetadata: Self.nested(levels, around: .integer(1)).objectValue!)
            do {
                let claims = try JWTClaims.templateToken(template, context: TemplateContext(user: user, session: nil), user: user,
                    request: TemplateTokenRequest(issuer: "i"), now: 1_800_000_000, tokenID: "j")
                // The template's 40 levels (the payload is the outermost) and the metadata's.
                #expect(40 + levels <= 64)
                #expect(try JWTClaims.parse(claims.serialized()).additional == claims.additional)
            } catch {
                #expect(error.code == .tokenTooLarge && 40 + levels > 64, "\(error)")
                refused += 1
            }
        }
        #expect(refused == 30 - 24)
    }

    /// A template whose own claims nest deeper than a token may is refused when saved.
    @Test func templatesNestingTooDeepAreRefusedWhenSaved() throws {
        _ = try JWTTemplate(name: "t", claims: Self.nested(64, around: .integer(1)).objectValue!)
        #expect(throws: TokenError(.invalidTemplate, "")) { try JWTTemplate(name: "t", claims: Self.nested(65, around: .integer(1)).objectValue!) }
        #expect(throws: TokenError(.invalidTemplate, "")) { try JWTTemplate(name: "t", claims: Self.nested(64, around: .array([.integer(1)])).objectValue!) }
        let wide = JSONObject((0..<5000).map { JSONObject.Member(key: "m\($0)", value: .integer(1)) })
        #expect(throws: TokenError(.invalidTemplate, "")) { try JWTTemplate(name: "t", claims: ["x": .object(wide)]) }
    }

    @Test func readsClerkUsers() throws {
        let json = #"{"id":"user_9","first_name":"Grace","last_name":null,"primary_email_address_id":"idn_2","email_addresses":[{"id":"idn_1","email_address":"old@x.test","verification":{"status":"verified"}},{"id":"idn_2","email_address":"g@x.test","verification":{"status":"unverified"}}],"public_metadata":{"k":1},"created_at":1700000000000}"#
        let user = try TemplateUser(clerkJSON: JSONParser.parseObject(Array(json.utf8)))
        #expect(user.id == "user_9" && user.fullName == "Grace" && user.primaryEmailAddress == "g@x.test" && !user.emailVerified)
        #expect(user.publicMetadata == ["k": .integer(1)])
    }
}
