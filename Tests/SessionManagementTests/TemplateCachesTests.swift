import SessionManagement
import SessionStorage
import SessionTokens
import SessionVerification
import Testing

/// Minting reads neither the template nor the user from the store while they stay unchanged: both
/// are views of the stream of committed changes. A change made in this process is seen by the very
/// next token; one made by another process on the same store, once the stream has caught up (the
/// maintenance service does so every 200 ms); a change written to the store without its stream entry
/// is the only thing that can go unseen, and then only for the entry's lifetime.
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

    @Test func aTemplateChangedAnywhereIsDroppedByTheStream() async throws {
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
        try await harness.manager.revocations.catchUp()
        #expect(try await Self.mint(harness.manager, harness, session) == ["n": .string("Ada")])
        // A rename: the old name is gone at once, the new one mints.
        _ = try await harness.manager.updateTemplate(in: harness.instance, id: record.id, TemplateDraft(name: "u", claims: ["n": .integer(4)]))
        await expectError(.notFound) { _ = try await Self.mint(harness.manager, harness, session) }
        _ = try await harness.manager.updateTemplate(in: harness.instance, id: record.id, TemplateDraft(name: "t", claims: ["n": .integer(5)]))
        #expect(try await Self.mint(harness.manager, harness, session) == ["n": .integer(5)])
        // Deleted by another process: gone here after the catch-up.
        try await Self.otherProcess(harness).deleteTemplate(in: harness.instance, id: record.id)
        try await harness.manager.revocations.catchUp()
        await expectError(.notFound) { _ = try await Self.mint(harness.manager, harness, session) }
    }

    @Test func aUserChangedAnywhereIsDroppedByTheStream() async throws {
        let harness = try await Harness()
        let (user, session) = try await harness.userWithSession()
        _ = try await harness.manager.createTemplate(
            in: harness.instance, TemplateDraft(name: "t", claims: ["role": .string("{{user.public_metadata.role}}"), "name": .string("{{user.first_name}}")]))
        #expect(try await Self.mint(harness.manager, harness, session) == ["role": .string("admin"), "name": .string("Ada")])
        _ = try await harness.manager.updateUser(in: harness.instance, id: user.id, UserDraft(publicMetadata: ["role": .string("owner")]))
        #expect(try await Self.mint(harness.manager, harness, session) == ["role": .string("owner"), "name": .string("Ada")])
        #expect(try await harness.manager.user(in: harness.instance, id: user.id).publicMetadata == #"{"role":"owner"}"#)
        _ = try await Self.otherProcess(harness).updateUser(in: harness.instance, id: user.id, UserDraft(firstName: "Grace", publicMetadata: ["role": .string("viewer")]))
        try await harness.manager.revocations.catchUp()
        #expect(try await Self.mint(harness.manager, harness, session) == ["role": .string("viewer"), "name": .string("Grace")])
        #expect(try await harness.manager.user(in: harness.instance, id: user.id).firstName == "Grace")
        // An update starts from the store, never from a copy: another process's change is kept.
        _ = try await Self.otherProcess(harness).updateUser(in: harness.instance, id: user.id, UserDraft(lastName: "Hopper"))
        let updated = try await harness.manager.updateUser(in: harness.instance, id: user.id, UserDraft(publicMetadata: ["role": .string("auditor")]))
        #expect(updated.lastName == "Hopper" && updated.firstName == "Grace")
    }

    /// The store is not read again while nothing changes; a deleted user is gone at once.
    @Test func anUnchangedUserAndTemplateAreReadOnce() async throws {
        let harness = try await Harness()
        let (user, session) = try await harness.userWithSession()
        _ = try await harness.manager.createTemplate(in: harness.instance, TemplateDraft(name: "t", claims: ["name": .string("{{user.first_name}}")]))
        // Nothing is kept before the stream starts (the server starts it before it serves).
        #expect(try await Self.mint(harness.manager, harness, session) == ["name": .string("Ada")])
        var renamed = try await harness.store.user(instanceID: harness.instance.id, id: user.id)!
        renamed.firstName = "Before"
        _ = try await harness.store.updateUser(renamed, retainUntil: .max)
        #expect(try await Self.mint(harness.manager, harness, session) == ["name": .string("Before")])
        try await harness.manager.revocations.start()
        #expect(try await Self.mint(harness.manager, harness, session) == ["name": .string("Before")])
        // Written behind the manager's back (no stream entry): the copies in memory still answer.
        var changed = try await harness.store.user(instanceID: harness.instance.id, id: user.id)!
        changed.firstName = "Behind"
        _ = try await harness.store.updateUser(changed, retainUntil: .max)
        var template = try await harness.store.template(instanceID: harness.instance.id, name: "t")!
        template.claims = #"{"name":"fixed"}"#
        _ = try await harness.store.updateTemplate(template, retainUntil: .max)
        #expect(try await Self.mint(harness.manager, harness, session) == ["name": .string("Before")])
        // Their entries reach the stream: both are read again.
        try await harness.manager.revocations.catchUp()
        #expect(try await Self.mint(harness.manager, harness, session) == ["name": .string("fixed")])
        _ = try await harness.manager.deleteUser(in: harness.instance, id: user.id)
        await expectError(.notFound) { _ = try await harness.manager.user(in: harness.instance, id: user.id) }
    }

    /// A copy outlives no change for longer than its lifetime, even one the stream never delivered.
    @Test func copiesExpire() async throws {
        let harness = try await Harness()
        let (user, session) = try await harness.userWithSession()
        try await harness.manager.revocations.start()
        _ = try await harness.manager.createTemplate(in: harness.instance, TemplateDraft(name: "t", claims: ["name": .string("{{user.first_name}}")]))
        #expect(try await Self.mint(harness.manager, harness, session) == ["name": .string("Ada")])
        var changed = try await harness.store.user(instanceID: harness.instance.id, id: user.id)!
        changed.firstName = "Later"
        _ = try await harness.store.updateUser(changed, retainUntil: .max)
        harness.clock.advance(by: 300_001)
        let token = try await harness.manager.templateToken(in: harness.instance, sessionID: session.id, templateName: "t")
        let claims = try harness.verifier(requireSessionID: false).verify(token, now: harness.clock.now / 1000).claims.additional
        #expect(claims == ["name": .string("Later")])
    }

    /// Another tenant's user id finds nothing, cached or not.
    @Test func aCachedUserIsScopedToItsTenant() async throws {
        let harness = try await Harness()
        try await harness.manager.revocations.start()
        let (user, _) = try await harness.userWithSession()
        _ = try await harness.manager.user(in: harness.instance, id: user.id)
        let (other, _) = try await harness.otherTenant()
        await expectError(.notFound) { _ = try await harness.manager.user(in: other, id: user.id) }
    }
}
