import SessionCrypto
import SessionManagement
import SessionStorage
import SessionTokens
import SessionVerification
import TestFixtures
import Testing

/// The signing algorithm is honoured everywhere (issue 10): every combination of
/// `custom_signing_key`, `signing_algorithm` and `signing_key` is honoured or refused with the
/// parameter at fault, on create and update alike, and the saved `signing_algorithm` is what the
/// tokens carry.
@Suite struct TemplateSigningTests {
    static let secret = "a-shared-secret-of-at-least-32-bytes!!"

    static func draft(_ signing: TemplateSigning, name: String = "t") -> TemplateDraft {
        TemplateDraft(name: name, claims: ["x": .integer(1)], signing: signing)
    }

    /// The token's header algorithm, once it verified against `key` alone.
    static func verifiedAlgorithm(_ token: String, with key: VerificationKey, harness: Harness) throws -> JWSAlgorithm? {
        try SessionVerifier(keys: .trusting(key)).verify(token, now: harness.clock.now / 1000).header.algorithm
    }

    @Test(arguments: [JWSAlgorithm.es256, .edDSA, .rs256])
    func aTemplateWithItsOwnKeyMintsWithItsAlgorithm(algorithm: JWSAlgorithm) async throws {
        let harness = try await Harness()
        let (_, session) = try await harness.userWithSession()
        // A fresh key: the harness's instance keys are the fixtures.
        let pem = try SigningKey.generate(algorithm).privateKeyPEM()
        let record = try await harness.manager.createTemplate(in: harness.instance, Self.draft(.custom(.init(algorithm: algorithm, material: pem))))
        #expect(record.signingAlgorithm == algorithm.rawValue && record.customSigningKey?.algorithm == algorithm.rawValue)
        #expect(try await harness.manager.template(in: harness.instance, id: record.id).signingAlgorithm == algorithm.rawValue)
        let token = try await harness.manager.templateToken(in: harness.instance, sessionID: session.id, templateName: "t")
        // The public half, through its own PEM: the token verifies against the template's key and no other.
        let publicHalf = try VerificationKey(pem: SigningKey(pem: pem).publicKeyPEM())
        #expect(try Self.verifiedAlgorithm(token, with: publicHalf, harness: harness) == algorithm)
        #expect(throws: (any Error).self) { try harness.verifier(requireSessionID: false).verify(token, now: harness.clock.now / 1000) }
    }

    @Test func anHMACKeyIsAcceptedOnlyAsTheTemplatesOwnKey() async throws {
        let harness = try await Harness()
        let (_, session) = try await harness.userWithSession()
        let record = try await harness.manager.createTemplate(in: harness.instance, Self.draft(.custom(.init(algorithm: .hs256, material: Self.secret))))
        #expect(record.signingAlgorithm == "HS256")
        let token = try await harness.manager.templateToken(in: harness.instance, sessionID: session.id, templateName: "t")
        #expect(try Self.verifiedAlgorithm(token, with: VerificationKey(hmacSecret: Array(Self.secret.utf8), keyID: nil), harness: harness) == .hs256)
        await expectParameter("signing_algorithm") {
            _ = try await harness.manager.createTemplate(in: harness.instance, Self.draft(TemplateSigning(algorithm: .hs256), name: "u"))
        }
    }

    @Test func withoutItsOwnKeyATemplateSignsWithTheInstancesAlgorithmOrIsRefused() async throws {
        let harness = try await Harness()
        let (_, session) = try await harness.userWithSession()
        for signing in [TemplateSigning(), TemplateSigning(algorithm: .rs256), TemplateSigning(customSigningKey: false, algorithm: .rs256)] {
            let record = try await harness.manager.createTemplate(in: harness.instance, Self.draft(signing))
            #expect(record.signingAlgorithm == "RS256" && record.customSigningKey == nil)
            let token = try await harness.manager.templateToken(in: harness.instance, sessionID: session.id, templateName: "t")
            #expect(try harness.verifier(requireSessionID: false).verify(token, now: harness.clock.now / 1000).header.algorithm == .rs256)
            try await harness.manager.deleteTemplate(in: harness.instance, id: record.id)
        }
        // Today it was stored as RS256 and minted RS256: an ES256 template without its key is refused.
        for algorithm in [JWSAlgorithm.es256, .edDSA] {
            await expectParameter("signing_algorithm") {
                _ = try await harness.manager.createTemplate(in: harness.instance, Self.draft(TemplateSigning(algorithm: algorithm)))
            }
            await expectParameter("signing_algorithm") {
                _ = try await harness.manager.createTemplate(in: harness.instance, Self.draft(TemplateSigning(customSigningKey: false, algorithm: algorithm)))
            }
        }
    }

    @Test func aKeyWithoutCustomSigningKeyTrueIsRefused() async throws {
        let harness = try await Harness()
        let pem = try Fixtures.testKey("es256.pem")
        for signing in [
            TemplateSigning(key: pem), TemplateSigning(algorithm: .es256, key: pem), TemplateSigning(customSigningKey: false, key: pem),
            TemplateSigning(customSigningKey: false, algorithm: .es256, key: pem), TemplateSigning(customSigningKey: false, algorithm: .rs256, key: ""),
        ] {
            await expectParameter("signing_key") { _ = try await harness.manager.createTemplate(in: harness.instance, Self.draft(signing)) }
        }
        #expect(try await harness.manager.templates(in: harness.instance).totalCount == 0)
    }

    @Test func aCustomKeyNeedsItsAlgorithmAndAKeyOfThatAlgorithm() async throws {
        let harness = try await Harness()
        let es256 = try Fixtures.testKey("es256.pem")
        let rs256 = try Fixtures.testKey("rs256.pem")
        await expectParameter("signing_algorithm") {
            _ = try await harness.manager.createTemplate(in: harness.instance, Self.draft(TemplateSigning(customSigningKey: true, key: es256)))
        }
        for missing in [nil, ""] {
            await expectParameter("signing_key") {
                _ = try await harness.manager.createTemplate(in: harness.instance, Self.draft(TemplateSigning(customSigningKey: true, algorithm: .es256, key: missing)))
            }
        }
        for (algorithm, pem) in [(JWSAlgorithm.es256, rs256), (.rs256, es256), (.edDSA, es256), (.es256, try Fixtures.testKey("eddsa.pem"))] {
            await expectParameter("signing_key") {
                _ = try await harness.manager.createTemplate(in: harness.instance, Self.draft(.custom(.init(algorithm: algorithm, material: pem))))
            }
        }
        // A PEM key is not an HS256 secret, whatever its length: it would be an HMAC over key text.
        await expectParameter("signing_key") {
            _ = try await harness.manager.createTemplate(in: harness.instance, Self.draft(.custom(.init(algorithm: .hs256, material: rs256))))
        }
        await expectParameter("signing_key") {
            let publicHalf = try Fixtures.testKey("rs256-public.pem")
            _ = try await harness.manager.createTemplate(in: harness.instance, Self.draft(.custom(.init(algorithm: .hs256, material: publicHalf))))
        }
        #expect(try await harness.manager.templates(in: harness.instance).totalCount == 0)
    }

    /// A template without its own key signs with the tenant's key: in an ES256 tenant it is saved
    /// and minted as ES256, and a template asking for RS256 there is refused, never signed otherwise.
    @Test func theTenantsAlgorithmIsHonouredWhenSavingAndMinting() async throws {
        let harness = try await Harness()
        let (tenant, _) = try await harness.otherTenant()
        let user = try await harness.manager.createUser(in: tenant, UserDraft(firstName: "E"))
        let session = try await harness.manager.createSession(in: tenant, userID: user.id)
        let record = try await harness.manager.createTemplate(in: tenant, Self.draft(TemplateSigning(algorithm: .es256)))
        #expect(record.signingAlgorithm == "ES256")
        await expectParameter("signing_algorithm") {
            _ = try await harness.manager.createTemplate(in: tenant, Self.draft(TemplateSigning(algorithm: .rs256), name: "u"))
        }
        let token = try await harness.manager.templateToken(in: tenant, sessionID: session.id, templateName: "t")
        let segment = try #require(token.split(separator: ".").first)
        let header = try JSONParser.parse(try #require(Base64URL.decode(String(segment))))
        #expect(header["alg"]?.stringValue == "ES256")
        // Without a signing algorithm, the tenant's is saved.
        #expect(try await harness.manager.createTemplate(in: tenant, TemplateDraft(name: "plain", claims: [:])).signingAlgorithm == "ES256")
        #expect(try await harness.manager.createTemplate(in: harness.instance, TemplateDraft(name: "plain", claims: [:])).signingAlgorithm == "RS256")
    }

    /// A row whose `signing_algorithm` disagrees with its own key (written by hand, or by a bug) mints nothing.
    @Test func aRowThatDisagreesWithItsKeyDoesNotMint() async throws {
        let harness = try await Harness()
        let (_, session) = try await harness.userWithSession()
        let record = try await harness.manager.createTemplate(
            in: harness.instance, Self.draft(.custom(.init(algorithm: .es256, material: try Fixtures.testKey("es256.pem")))))
        var tampered = record
        tampered.signingAlgorithm = "RS256"
        _ = try await harness.store.updateTemplate(tampered, retainUntil: .max)
        try await harness.manager.revocations.catchUp()
        await expectError(.invalidTemplate) { _ = try await harness.manager.templateToken(in: harness.instance, sessionID: session.id, templateName: "t") }
        tampered.signingAlgorithm = "none"
        _ = try await harness.store.updateTemplate(tampered, retainUntil: .max)
        try await harness.manager.revocations.catchUp()
        await expectError(.invalidTemplate) { _ = try await harness.manager.templateToken(in: harness.instance, sessionID: session.id, templateName: "t") }
    }

    @Test func anUpdateFollowsTheSameRulesAndKeepsTheKeyWhenSigningIsLeftOut() async throws {
        let harness = try await Harness()
        let (_, session) = try await harness.userWithSession()
        let pem = try Fixtures.testKey("es256.pem")
        let publicHalf = try VerificationKey(pem: SigningKey(pem: pem).publicKeyPEM())
        let record = try await harness.manager.createTemplate(in: harness.instance, Self.draft(.custom(.init(algorithm: .es256, material: pem))))
        func update(_ signing: TemplateSigning, claims: JSONObject = ["x": .integer(2)]) async throws -> JWTTemplateRecord {
            try await harness.manager.updateTemplate(
                in: harness.instance, id: record.id, TemplateDraft(name: "t", claims: claims, signing: signing))
        }
        await expectParameter("signing_algorithm") { _ = try await update(TemplateSigning(algorithm: .es256)) }
        await expectParameter("signing_key") { _ = try await update(TemplateSigning(customSigningKey: true, algorithm: .es256)) }
        await expectParameter("signing_key") { _ = try await update(TemplateSigning(customSigningKey: false, key: pem)) }
        await expectParameter("signing_key") { _ = try await update(.custom(.init(algorithm: .edDSA, material: pem))) }
        // Leaving all three out keeps the key (which the API never returns, so it cannot be sent back).
        let kept = try await update(TemplateSigning(), claims: ["x": .integer(3)])
        #expect(kept.signingAlgorithm == "ES256" && kept.customSigningKey == record.customSigningKey)
        var token = try await harness.manager.templateToken(in: harness.instance, sessionID: session.id, templateName: "t")
        var verified = try SessionVerifier(keys: .trusting(publicHalf)).verify(token, now: harness.clock.now / 1000)
        #expect(verified.header.algorithm == .es256 && verified.claims.additional == ["x": .integer(3)])
        // Saying custom_signing_key: false drops it, and the template signs with the instance's key.
        let dropped = try await update(TemplateSigning(customSigningKey: false))
        #expect(dropped.signingAlgorithm == "RS256" && dropped.customSigningKey == nil)
        token = try await harness.manager.templateToken(in: harness.instance, sessionID: session.id, templateName: "t")
        verified = try harness.verifier(requireSessionID: false).verify(token, now: harness.clock.now / 1000)
        #expect(verified.header.algorithm == .rs256)
        // And a new key of another algorithm is honoured.
        let eddsa = try Fixtures.testKey("eddsa.pem")
        #expect(try await update(.custom(.init(algorithm: .edDSA, material: eddsa))).signingAlgorithm == "EdDSA")
        token = try await harness.manager.templateToken(in: harness.instance, sessionID: session.id, templateName: "t")
        #expect(try Self.verifiedAlgorithm(token, with: VerificationKey(pem: SigningKey(pem: eddsa).publicKeyPEM()), harness: harness) == .edDSA)
    }
}

/// Expects an `invalidParameter` naming `parameter`.
func expectParameter(_ parameter: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async {
    do {
        try await body()
        Issue.record("expected \(parameter) to be refused, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as ManagementError {
        #expect(error.code == .invalidParameter && error.parameter == parameter, "expected \(parameter), got \(error) (\(error.parameter ?? "-"))",
            sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(parameter) to be refused, got \(error)", sourceLocation: sourceLocation)
    }
}
