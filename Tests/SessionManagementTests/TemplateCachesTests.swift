import SessionManagement
import SessionStorage
import SessionTokens
import SessionVerification
import Testing

/// Minting compiles a template and parses a user's metadata once per version of their rows, and a
/// changed row is never served from the cache: not after an update in this process, not after one
/// by another process on the same store, not even when the change keeps `updated_at`.
@Suite struct TemplateCachesTests {
    static func mint(_ manager: SessionManager, _ harness: Harness, _ session: Session) async throws -> JSONObject {
        let token = try await manager.templateToken(in: harness.instance, sessionID: session.id, templateName: "t")
        return try harness.verifier(requireSessionID: false).verify(token, now: harness.clock.now / 1000).claims.additional
    }

    /// A second manager on the same store, with caches of its own: another process on the same database.
    static func otherProcess(_ harness: Harness) -> SessionManager {
        let clock = harness.clock
        return SessionManager(
            store: harness.store, configuration: harness.manager.configuration, keyEncryption: harness.manager.keyEncryption, clock: { clock.now })
    }

    @Test func aTemplateUpdatedAnywhereIsNeverServedStale() async throws {
        let harness = try await Harness()
        let (_, session) = try await harness.userWithSession()
        let record = try await harness.manager.createTemplate(in: harness.instance, TemplateDraft(name: "t", claims: ["n": .integer(1)]))
        #expect(try await Self.mint(harness.manager, harness, session) == ["n": .integer(1)])
        // The test clock stands still: every update below keeps created_at and updated_at as they were.
        _ = try await harness.manager.updateTemplate(
            in: harness.instance, id: record.id, TemplateDraft(name: "t", claims: ["n": .integer(2)]))
        #expect(try await Self.mint(harness.manager, harness, session) == ["n": .integer(2)])
        _ = try await Self.otherProcess(harness).updateTemplate(
            in: harness.instance, id: record.id, TemplateDraft(name: "t", claims: ["n": .string("{{user.first_name}}")]))
        #expect(try await Self.mint(harness.manager, harness, session) == ["n": .string("Ada")])
        var changed = try await harness.manager.template(in: harness.instance, id: record.id)
        changed.claims = #"{"n":3}"#
        changed.lifetime = 120
        try await harness.store.updateTemplate(changed)
        #expect(try await Self.mint(harness.manager, harness, session) == ["n": .integer(3)])
        let token = try await harness.manager.templateToken(in: harness.instance, sessionID: session.id, templateName: "t")
        let claims = try harness.verifier(requireSessionID: false).verify(token, now: harness.clock.now / 1000).claims
        #expect(claims.expiresAt! - claims.issuedAt! == 120)
    }

    @Test func aUserUpdatedAnywhereIsNeverServedStale() async throws {
        let harness = try await Harness()
        let (user, session) = try await harness.userWithSession()
        _ = try await harness.manager.createTemplate(
            in: harness.instance, TemplateDraft(name: "t", claims: ["role": .string("{{user.public_metadata.role}}"), "name": .string("{{user.first_name}}")]))
        #expect(try await Self.mint(harness.manager, harness, session) == ["role": .string("admin"), "name": .string("Ada")])
        _ = try await harness.manager.updateUser(in: harness.instance, id: user.id, UserDraft(publicMetadata: ["role": .string("owner")]))
        #expect(try await Self.mint(harness.manager, harness, session) == ["role": .string("owner"), "name": .string("Ada")])
        _ = try await Self.otherProcess(harness).updateUser(in: harness.instance, id: user.id, UserDraft(firstName: "Grace", publicMetadata: ["role": .string("viewer")]))
        #expect(try await Self.mint(harness.manager, harness, session) == ["role": .string("viewer"), "name": .string("Grace")])
        var changed = try await harness.manager.user(in: harness.instance, id: user.id)
        changed.publicMetadata = #"{"role":"auditor"}"#
        try await harness.store.updateUser(changed)
        #expect(try await Self.mint(harness.manager, harness, session) == ["role": .string("auditor"), "name": .string("Grace")])
    }
}
