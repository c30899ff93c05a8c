import SessionCrypto
import SessionManagement
import SessionStorage
import SessionTokens
import SessionVerification
import TestFixtures
import Testing

/// Template signing keys are sealed under the key-encryption key in the store, opened only to sign,
/// and re-sealed by the start-up pass (rotation, legacy clear-text rows).
@Suite struct TemplateKeySealingTests {
    static let secret = "a-shared-secret-of-at-least-32-bytes!!"

    static func manager(_ harness: Harness, _ keys: KeyEncryptionKeys?) -> SessionManager {
        SessionManager(
            store: harness.store, configuration: harness.manager.configuration, keyEncryption: keys,
            clock: { harness.clock.now })
    }

    static func hmacTemplate(_ name: String) -> TemplateDraft {
        TemplateDraft(name: name, claims: ["x": .integer(1)], customSigningKey: .init(algorithm: .hs256, material: secret))
    }

    /// Mints from the template and checks the token against the shared secret.
    static func mintsWithTheSecret(_ manager: SessionManager, _ harness: Harness, session: Session, template: String) async throws {
        let token = try await manager.templateToken(in: harness.instance, sessionID: session.id, templateName: template)
        let verifier = SessionVerifier(keys: .trusting(try VerificationKey(hmacSecret: Array(secret.utf8), keyID: nil)))
        #expect(try verifier.verify(token, now: harness.clock.now / 1000).claims.additional == ["x": .integer(1)])
    }

    @Test func storedRowsHoldNoKeyMaterial() async throws {
        let harness = try await Harness()
        let (_, session) = try await harness.userWithSession()
        let pem = try Fixtures.testKey("es256.pem")
        _ = try await harness.manager.createTemplate(in: harness.instance, Self.hmacTemplate("hmac"))
        let own = try await harness.manager.createTemplate(
            in: harness.instance, TemplateDraft(name: "es", claims: [:], customSigningKey: .init(algorithm: .es256, material: pem)))
        #expect(own.customSigningKey.map { SealedValue($0.material) != nil } == true)
        let raw = await harness.store.templateKeyMaterials()
        let kek = try #require(harness.manager.keyEncryption).current.id
        #expect(raw.count == 2)
        for row in raw {
            #expect(SealedValue(row.material)?.keyID == kek)
            #expect(!row.material.contains(Self.secret) && !row.material.contains("PRIVATE KEY") && !row.material.contains(String(pem.dropFirst(40).prefix(40))))
        }
        try await Self.mintsWithTheSecret(harness.manager, harness, session: session, template: "hmac")
        _ = try await harness.manager.templateToken(in: harness.instance, sessionID: session.id, templateName: "es")
        // Updating re-seals too.
        let updated = try await harness.manager.updateTemplate(in: harness.instance, id: own.id, Self.hmacTemplate("es"))
        #expect(updated.customSigningKey.map { $0.material.contains(Self.secret) } == false)
    }

    @Test func aSealedKeyMovedToAnotherRowDoesNotOpen() async throws {
        let harness = try await Harness()
        let (_, session) = try await harness.userWithSession()
        _ = try await harness.manager.createTemplate(in: harness.instance, Self.hmacTemplate("a"))
        _ = try await harness.manager.createTemplate(in: harness.instance, Self.hmacTemplate("b"))
        let raw = await harness.store.templateKeyMaterials()
        #expect(await harness.store.replaceTemplateKeyMaterials([.init(stored: raw[1], material: raw[0].material)]) == 1)
        let moved = try #require(await harness.store.template(instanceID: harness.instance.id, id: raw[1].templateID)?.name)
        await expectError(.unavailable) { _ = try await harness.manager.templateToken(in: harness.instance, sessionID: session.id, templateName: moved) }
    }

    @Test func rotationResealsEveryKeyUnderTheNewKey() async throws {
        let harness = try await Harness()
        let (_, session) = try await harness.userWithSession()
        let old = try #require(harness.manager.keyEncryption).current
        _ = try await harness.manager.createTemplate(in: harness.instance, Self.hmacTemplate("hmac"))
        let new = try KeyEncryptionKey.generate()
        // Without the previous key, the pass refuses and changes nothing.
        await expectError(.unavailable) { _ = try await Self.manager(harness, KeyEncryptionKeys(current: new)).sealTemplateKeys() }
        #expect(await harness.store.templateKeyMaterials().allSatisfy { SealedValue($0.material)?.keyID == old.id })

        let rotating = Self.manager(harness, KeyEncryptionKeys(current: new, previous: old))
        #expect(try await rotating.sealTemplateKeys() == TemplateKeySealingReport(sealed: 0, resealed: 1, unchanged: 0))
        #expect(await harness.store.templateKeyMaterials().allSatisfy { SealedValue($0.material)?.keyID == new.id })
        #expect(try await rotating.sealTemplateKeys() == TemplateKeySealingReport(sealed: 0, resealed: 0, unchanged: 1))
        // The tenant's own signing key is re-sealed by the same start-up, once.
        await expectError(.unavailable) { _ = try await Self.manager(harness, KeyEncryptionKeys(current: new)).resealSigningKeys() }
        #expect(try await rotating.resealSigningKeys() == 1)
        #expect(try await rotating.resealSigningKeys() == 0)
        #expect(await harness.store.allSigningKeys().allSatisfy { SealedValue($0.material)?.keyID == new.id })
        // The old key can now be dropped; it no longer opens anything.
        try await Self.mintsWithTheSecret(Self.manager(harness, KeyEncryptionKeys(current: new)), harness, session: session, template: "hmac")
        await expectError(.unavailable) {
            _ = try await Self.manager(harness, KeyEncryptionKeys(current: old)).templateToken(in: harness.instance, sessionID: session.id, templateName: "hmac")
        }
    }

    @Test func legacyClearTextRowsAreSealedAtStart() async throws {
        let harness = try await Harness()
        let (_, session) = try await harness.userWithSession()
        // A row as an older version wrote it: the secret in clear.
        try await harness.store.createTemplate(JWTTemplateRecord(
            id: "jtmp_legacy", instanceID: harness.instance.id, name: "legacy", claims: #"{"x":1}"#, signingAlgorithm: "HS256",
            customSigningKey: .init(algorithm: "HS256", material: Self.secret), createdAt: 1, updatedAt: 1))
        await expectError(.unavailable) { _ = try await harness.manager.templateToken(in: harness.instance, sessionID: session.id, templateName: "legacy") }
        await expectError(.unavailable) { _ = try await Self.manager(harness, nil).sealTemplateKeys() }
        #expect(try await harness.manager.sealTemplateKeys() == TemplateKeySealingReport(sealed: 1, resealed: 0, unchanged: 0))
        let raw = try #require(await harness.store.templateKeyMaterials().first)
        #expect(SealedValue(raw.material) != nil && !raw.material.contains(Self.secret))
        try await Self.mintsWithTheSecret(harness.manager, harness, session: session, template: "legacy")
    }

    @Test func withoutAKeyEncryptionKeyOwnKeysAreRefused() async throws {
        let harness = try await Harness()
        let bare = Self.manager(harness, nil)
        #expect(try await bare.sealTemplateKeys() == TemplateKeySealingReport(sealed: 0, resealed: 0, unchanged: 0))
        await expectError(.unavailable) { _ = try await bare.createTemplate(in: harness.instance, Self.hmacTemplate("hmac")) }
        _ = try await bare.createTemplate(in: harness.instance, TemplateDraft(name: "plain", claims: [:]))
        #expect(await harness.store.templateKeyMaterials().isEmpty)
    }
}
