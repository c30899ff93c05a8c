import SessionCrypto
import SessionManagement
import SessionStorage
import SessionTokens
import SessionVerification
import Synchronization
import TestFixtures
import Testing

/// A clock the test moves by hand (Unix milliseconds).
final class TestClock: Sendable {
    private let value = Mutex<Int64>(1_800_000_000_000)
    var now: Int64 { value.withLock { $0 } }
    func advance(by milliseconds: Int64) { value.withLock { $0 += milliseconds } }
}

struct Harness {
    let clock = TestClock()
    let store = InMemorySessionStore()
    let manager: SessionManager
    let instance: Instance
    let secretKey: String
    /// The tenant's JWKS when the harness was made.
    let jwks: JWKS

    init(
        environment: Instance.Environment = .development, allowsBackendSignIn: Bool = false,
        configuration: ManagementConfiguration = ManagementConfiguration(issuer: "https://tessera.test"), events: ManagementEvents = .none
    ) async throws {
        let clock = clock
        manager = SessionManager(
            store: store, configuration: configuration, keyEncryption: KeyEncryptionKeys(current: try .generate()), events: events,
            clock: { clock.now })
        let (tenant, secretKey) = try await manager.createTenant(
            TenantDraft(
                slug: "app", environment: environment, privateKeyPEM: try Fixtures.testKey("rs256.pem"), allowsBackendSignIn: allowsBackendSignIn))
        (instance, self.secretKey, jwks) = (tenant.instance, secretKey, tenant.jwks(at: clock.now))
    }

    /// A second tenant (ES256: its key is quick to generate).
    func otherTenant(_ slug: String = "other") async throws -> (Instance, secretKey: String) {
        let (tenant, secretKey) = try await manager.createTenant(TenantDraft(slug: slug, signingAlgorithm: .es256))
        return (tenant.instance, secretKey)
    }

    func verifier(requireSessionID: Bool = true, audience: String? = nil) throws -> SessionVerifier {
        SessionVerifier(
            keys: try VerifierKeys(jwks: jwks),
            policy: ClaimPolicy(issuer: manager.issuer(for: instance), audience: audience, requireSessionID: requireSessionID))
    }

    /// The instance's first such user is ada@example.com; later ones get addresses of their own
    /// (no two users of an instance share one).
    func userWithSession() async throws -> (User, Session) {
        let count = try await manager.userCount(in: instance, UserQuery(instanceID: instance.id))
        let email = count == 0 ? "ada@example.com" : "ada+\(count)@example.com"
        let user = try await manager.createUser(
            in: instance,
            UserDraft(firstName: "Ada", lastName: "Lovelace", emailAddresses: [email], publicMetadata: ["role": .string("admin")]))
        return (user, try await manager.createSession(in: instance, userID: user.id))
    }
}

func expectError(_ code: ManagementError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async {
    do {
        try await body()
        Issue.record("expected \(code), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as ManagementError {
        #expect(error.code == code, "expected \(code), got \(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(code), got \(error)", sourceLocation: sourceLocation)
    }
}

@Suite struct SecretKeyTests {
    @Test func theBootstrapKeyAuthenticatesAndOthersDoNot() async throws {
        let harness = try await Harness()
        #expect(harness.secretKey.hasPrefix("sk_test_"))
        #expect(try await harness.manager.authenticate(secretKey: harness.secretKey) == harness.instance)
        await expectError(.unauthenticated) { _ = try await harness.manager.authenticate(secretKey: "sk_test_wrong") }
        await expectError(.unauthenticated) { _ = try await harness.manager.authenticate(secretKey: "Bearer " + harness.secretKey) }
        let live = "sk_live_" + harness.secretKey.dropFirst("sk_test_".count)
        await expectError(.unauthenticated) { _ = try await harness.manager.authenticate(secretKey: live) }
    }

    @Test func verifierKeysAuthenticateWithTheirScopeOnly() async throws {
        let harness = try await Harness()
        let key = try await harness.manager.addSecretKey(to: harness.instance, scope: .verifier)
        #expect(key.hasPrefix("vk_test_"))
        let (instance, scope) = try await harness.manager.authenticate(key: key)
        #expect(instance == harness.instance && scope == .verifier)
        #expect(try await harness.manager.authenticate(key: harness.secretKey).1 == .full)
        await expectError(.unauthenticated) { _ = try await harness.manager.authenticate(secretKey: key) }
        await expectError(.unauthenticated) { _ = try await harness.manager.authenticate(key: "sk_" + key.dropFirst(3)) }
    }

    @Test func productionKeysAreLiveKeys() async throws {
        let harness = try await Harness(environment: .production)
        #expect(harness.secretKey.hasPrefix("sk_live_"))
        #expect(try await harness.manager.authenticate(secretKey: harness.secretKey).environment == .production)
    }
}

@Suite struct UserAndSessionTests {
    @Test func usersGetAPrimaryEmailAndValidatedFields() async throws {
        let harness = try await Harness()
        let (user, _) = try await harness.userWithSession()
        #expect(user.id.hasPrefix("user_") && user.primaryEmailAddressID == user.emailAddresses.first?.id)
        await expectError(.invalidParameter) { _ = try await harness.manager.createUser(in: harness.instance, UserDraft(emailAddresses: ["not-an-email"])) }
        let huge: JSONObject = ["blob": .string(String(repeating: "x", count: 9000))]
        await expectError(.invalidParameter) { _ = try await harness.manager.createUser(in: harness.instance, UserDraft(publicMetadata: huge)) }
        let renamed = try await harness.manager.updateUser(in: harness.instance, id: user.id, UserDraft(firstName: "Grace"))
        #expect(renamed.firstName == "Grace" && renamed.lastName == "Lovelace")
    }

    @Test func sessionsAreForDevelopmentOrBackendSignIn() async throws {
        let production = try await Harness(environment: .production)
        let user = try await production.manager.createUser(in: production.instance, UserDraft())
        await expectError(.forbiddenInEnvironment) { _ = try await production.manager.createSession(in: production.instance, userID: user.id) }
        let allowed = try await Harness(environment: .production, allowsBackendSignIn: true)
        let member = try await allowed.manager.createUser(in: allowed.instance, UserDraft())
        #expect(try await allowed.manager.createSession(in: allowed.instance, userID: member.id).status == .active)
        let development = try await Harness()
        await expectError(.notFound) { _ = try await development.manager.createSession(in: development.instance, userID: "user_none") }
    }

    @Test func listingFiltersByUserOrClientOrCoversTheInstanceWithValidPaging() async throws {
        let harness = try await Harness()
        let (user, session) = try await harness.userWithSession()
        let (_, second) = try await harness.userWithSession()
        // Without a filter, the whole instance (Clerk's surface asks for one; other surfaces need not).
        #expect(Set(try await harness.manager.sessions(in: harness.instance, SessionListRequest()).items.map(\.id)) == [second.id, session.id])
        await expectError(.invalidParameter) { _ = try await harness.manager.sessions(in: harness.instance, SessionListRequest(userID: user.id, limit: 0)) }
        await expectError(.invalidParameter) { _ = try await harness.manager.sessions(in: harness.instance, SessionListRequest(userID: user.id, limit: 501)) }
        let page = try await harness.manager.sessions(in: harness.instance, SessionListRequest(clientID: session.clientID, status: .active))
        #expect(page.items.map(\.id) == [session.id] && page.totalCount == 1)
    }

    @Test func sessionsShowTheirEffectiveStatus() async throws {
        let harness = try await Harness()
        let (_, session) = try await harness.userWithSession()
        harness.clock.advance(by: 7 * 86_400_000)
        #expect(try await harness.manager.session(in: harness.instance, id: session.id).status == .expired)
        await expectError(.sessionNotActive) { _ = try await harness.manager.sessionToken(in: harness.instance, sessionID: session.id) }
    }
}

@Suite struct TokenTests {
    @Test func sessionTokensCarryTheV2ClaimsAndVerify() async throws {
        let harness = try await Harness()
        let (user, session) = try await harness.userWithSession()
        let token = try await harness.manager.sessionToken(in: harness.instance, sessionID: session.id)
        let verified = try harness.verifier().verify(token, now: harness.clock.now / 1000)
        #expect(verified.header.algorithm == .rs256)
        #expect(verified.claims.sessionID == session.id && verified.claims.subject == user.id && verified.claims.version == 2)
        #expect(verified.claims.expiresAt! - verified.claims.issuedAt! == 60 && verified.claims.sessionStatus == "active")
        let longer = try await harness.manager.sessionToken(in: harness.instance, sessionID: session.id, expiresInSeconds: 120)
        let claims = try harness.verifier().verify(longer, now: harness.clock.now / 1000).claims
        #expect(claims.expiresAt! - claims.issuedAt! == 120)
        await expectError(.invalidParameter) { _ = try await harness.manager.sessionToken(in: harness.instance, sessionID: session.id, expiresInSeconds: 29) }
        // Never past the session's own end.
        let year = try await harness.manager.sessionToken(in: harness.instance, sessionID: session.id, expiresInSeconds: 31_536_000)
        #expect(try harness.verifier().verify(year, now: harness.clock.now / 1000).claims.expiresAt == session.expireAt / 1000)
    }

    @Test func mintingTouchesTheSessionAtMostOncePerInterval() async throws {
        let harness = try await Harness()
        let (_, session) = try await harness.userWithSession()
        harness.clock.advance(by: 5_000)
        _ = try await harness.manager.sessionToken(in: harness.instance, sessionID: session.id)
        #expect(try await harness.manager.session(in: harness.instance, id: session.id).lastActiveAt == session.lastActiveAt)
        harness.clock.advance(by: 5_000)
        _ = try await harness.manager.sessionToken(in: harness.instance, sessionID: session.id)
        #expect(try await harness.manager.session(in: harness.instance, id: session.id).lastActiveAt == harness.clock.now)
    }

    @Test func revokedSessionsGetNoTokensAndRevokingIsIdempotent() async throws {
        let harness = try await Harness()
        let (_, session) = try await harness.userWithSession()
        let (revoked, entry) = try await harness.manager.revokeSession(in: harness.instance, id: session.id)
        #expect(revoked.status == .revoked)
        let recorded = try #require(entry)
        #expect(recorded.retainUntil == session.tokenHorizon + 5_000 && session.tokenHorizon < session.expireAt)
        let (again, none) = try await harness.manager.revokeSession(in: harness.instance, id: session.id)
        #expect(again.status == .revoked && none == nil)
        await expectError(.sessionNotActive) { _ = try await harness.manager.sessionToken(in: harness.instance, sessionID: session.id) }
        await expectError(.notFound) { _ = try await harness.manager.revokeSession(in: harness.instance, id: "sess_none") }
    }

    @Test func templateTokensRenderClaimsAndCarryTheirSession() async throws {
        let harness = try await Harness()
        let (user, session) = try await harness.userWithSession()
        let template = try await harness.manager.createTemplate(
            in: harness.instance,
            TemplateDraft(
                name: "backend", claims: ["aud": .string("api"), "email": .string("{{user.primary_email_address}}"),
                    "name": .string("{{user.first_name}} {{user.last_name}}"), "role": .string("{{user.public_metadata.role || 'member'}}")],
                lifetime: 300))
        #expect(template.id.hasPrefix("jtmp_") && template.signingAlgorithm == "RS256")
        let token = try await harness.manager.templateToken(in: harness.instance, sessionID: session.id, templateName: "backend")
        let claims = try harness.verifier(requireSessionID: false, audience: "api").verify(token, now: harness.clock.now / 1000).claims
        #expect(claims.sessionID == session.id && claims.subject == user.id && claims.expiresAt! - claims.issuedAt! == 300)
        #expect(claims.additional == ["email": .string("ada@example.com"), "name": .string("Ada Lovelace"), "role": .string("admin")])
        let preview = try await harness.manager.previewTemplate(in: harness.instance, id: template.id, sessionID: session.id)
        #expect(preview.tokenBytes == token.utf8.count)
        await expectError(.notFound) { _ = try await harness.manager.templateToken(in: harness.instance, sessionID: session.id, templateName: "missing") }
    }

    @Test func templatesAreValidatedBeforeTheyAreStored() async throws {
        let harness = try await Harness()
        await expectError(.reservedClaim) { _ = try await harness.manager.createTemplate(in: harness.instance, TemplateDraft(name: "t", claims: ["sub": .string("x")])) }
        await expectError(.invalidTemplate) { _ = try await harness.manager.createTemplate(in: harness.instance, TemplateDraft(name: "t", claims: ["a": .string("{{ user. }}")])) }
        await expectError(.invalidTemplate) { _ = try await harness.manager.createTemplate(in: harness.instance, TemplateDraft(name: "t", claims: [:], lifetime: 10)) }
        let weakKey = JWTTemplate.CustomSigningKey(algorithm: .hs256, material: "short")
        await expectError(.invalidParameter) { _ = try await harness.manager.createTemplate(in: harness.instance, TemplateDraft(name: "t", claims: [:], customSigningKey: weakKey)) }
        _ = try await harness.manager.createTemplate(in: harness.instance, TemplateDraft(name: "t", claims: [:]))
        await expectError(.conflict) { _ = try await harness.manager.createTemplate(in: harness.instance, TemplateDraft(name: "t", claims: [:])) }
        #expect(try await harness.manager.templates(in: harness.instance).totalCount == 1)
    }

    /// Issue 9, fault 7: metadata rendered deep inside a template made the server mint a token its
    /// own verifier refused as malformed. Now minting refuses it; at the limit, the token verifies.
    @Test func templateTokensTooDeepForTheVerifierAreNotMinted() async throws {
        let harness = try await Harness()
        func nested(_ levels: Int, around leaf: JSONValue) -> JSONValue { (0..<levels).reduce(leaf) { inner, _ in .object(["n": inner]) } }
        let deep = nested(40, around: .string("{{user.public_metadata}}")).objectValue!
        _ = try await harness.manager.createTemplate(in: harness.instance, TemplateDraft(name: "deep", claims: deep))
        for (levels, mints) in [(24, true), (25, false)] {
            let user = try await harness.manager.createUser(in: harness.instance, UserDraft(publicMetadata: nested(levels, around: .integer(1)).objectValue!))
            let session = try await harness.manager.createSession(in: harness.instance, userID: user.id)
            if mints {
                let token = try await harness.manager.templateToken(in: harness.instance, sessionID: session.id, templateName: "deep")
                _ = try harness.verifier(requireSessionID: false).verify(token, now: harness.clock.now / 1000)
            } else {
                await expectError(.tokenTooLarge) { _ = try await harness.manager.templateToken(in: harness.instance, sessionID: session.id, templateName: "deep") }
            }
        }
        await expectError(.invalidTemplate) {
            _ = try await harness.manager.createTemplate(in: harness.instance, TemplateDraft(name: "deeper", claims: nested(65, around: .integer(1)).objectValue!))
        }
    }

    @Test func templatesWithTheirOwnHMACKeySignWithIt() async throws {
        let harness = try await Harness()
        let (_, session) = try await harness.userWithSession()
        let secret = "a-shared-secret-of-at-least-32-bytes!!"
        _ = try await harness.manager.createTemplate(
            in: harness.instance, TemplateDraft(name: "hasura", claims: ["x": .integer(1)], customSigningKey: .init(algorithm: .hs256, material: secret)))
        let token = try await harness.manager.templateToken(in: harness.instance, sessionID: session.id, templateName: "hasura")
        let hmac = try VerificationKey(hmacSecret: Array(secret.utf8), keyID: nil)
        let verifier = SessionVerifier(keys: .trusting(hmac))
        #expect(try verifier.verify(token, now: harness.clock.now / 1000).claims.additional == ["x": .integer(1)])
    }

    @Test func deletingAUserRevokesEverythingWithOneEntry() async throws {
        let harness = try await Harness()
        let (user, session) = try await harness.userWithSession()
        let entry = try await harness.manager.deleteUser(in: harness.instance, id: user.id)
        #expect(entry.target == .user(id: user.id, notBefore: harness.clock.now, sessionIDs: [session.id]))
        #expect(entry.retainUntil == harness.clock.now + (315_360_000 + 5) * 1000)
        #expect(try await harness.manager.session(in: harness.instance, id: session.id).status == .revoked)
        await expectError(.notFound) { _ = try await harness.manager.user(in: harness.instance, id: user.id) }
    }
}

/// The default instance's first secret key is created only when the caller can show it.
@Suite struct BootstrapTests {
    @Test func aStartThatNeverShowedTheKeyLeavesTheNextStartToCreateIt() async throws {
        let harness = try await Harness()
        // A start that prepared the instance, then failed (port in use) before creating the key.
        let (instance, needsKey) = try await harness.manager.prepareDefaultInstance(secretKey: nil)
        #expect(needsKey)
        let (again, stillNeedsKey) = try await harness.manager.prepareDefaultInstance(secretKey: nil)
        #expect(again == instance && stillNeedsKey, "the next start must still create and show a key")
        let key = try await harness.manager.addSecretKey(to: instance)
        #expect(try await harness.manager.authenticate(secretKey: key) == instance)
        #expect(try await harness.manager.prepareDefaultInstance(secretKey: nil).needsFirstKey == false)
        #expect(try await harness.manager.bootstrapDefaultInstance(secretKey: nil).generatedKey == nil)
    }

    @Test func aChosenKeyIsRegisteredAndNoneIsGenerated() async throws {
        let harness = try await Harness()
        let chosen = "sk_test_" + String(repeating: "a1", count: 16)
        let (instance, needsKey) = try await harness.manager.prepareDefaultInstance(secretKey: chosen)
        #expect(!needsKey)
        #expect(try await harness.manager.authenticate(secretKey: chosen) == instance)
    }
}
