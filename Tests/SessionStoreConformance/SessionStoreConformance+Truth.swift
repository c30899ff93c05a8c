import SessionStorage
import Testing

/// Checks behind "one truth about revocation": what a user-wide entry names, secret-key entries,
/// and the store's refusal of control characters.
extension SessionStoreConformance {
    static let userWideEntryListsOnlyTheSessionsItRevoked: Check = { store in
        let sessions = try await seed(store, sessions: 3)
        let others = try await seed(store, user: "user_2", sessions: 1)
        _ = try await store.revokeSession(instanceID: "ins_a", id: sessions[0].id, at: t0 + 10, retainUntil: t0 + day)
        let entry = try await store.revokeUserSessions(instanceID: "ins_a", userID: "user_1", at: t0 + 20, retainUntil: t0 + day)
        // The session revoked before is on the list already; user_2's is untouched.
        #expect(entry.target == .user(id: "user_1", notBefore: t0 + 20, sessionIDs: [sessions[1].id, sessions[2].id].sorted()))
        #expect(try await store.session(instanceID: "ins_a", id: others[0].id)?.status == .active)
        // A session opened afterwards is not on any entry.
        var later = sessions[2]
        later.id = "sess_later"
        later.status = .active
        try await store.createSession(later)
        #expect(try await store.session(instanceID: "ins_a", id: later.id)?.status == .active)
        let entries = try await store.revocations(instanceID: "ins_a", after: 0, limit: 10)
        #expect(entries.count == 2 && entries.last == entry)
    }

    static let secretKeysAreListedAndRevokedWithAnEntry: Check = { store in
        try await seed(store)
        try await seed(store, instance: "ins_b")
        let first = SecretKeyRecord(id: "key_1", instanceID: "ins_a", hash: [1, 2, 3], displayPrefix: "sk_test_aaaa", createdAt: t0)
        let second = SecretKeyRecord(id: "key_2", instanceID: "ins_a", hash: [4, 5, 6], displayPrefix: "sk_test_bbbb", createdAt: t0 + 1)
        try await store.addSecretKey(first)
        try await store.addSecretKey(second)
        #expect(try await store.secretKeys(instanceID: "ins_a").map(\.id) == ["key_1", "key_2"])
        #expect(try await store.secretKeys(instanceID: "ins_b").isEmpty)
        await expectError(.notFound) { _ = try await store.revokeSecretKey(instanceID: "ins_b", id: "key_1", at: t0, retainUntil: t0 + day) }
        let (revoked, entry) = try await store.revokeSecretKey(instanceID: "ins_a", id: "key_1", at: t0 + 5, retainUntil: t0 + day)
        #expect(revoked.revokedAt == t0 + 5)
        #expect(entry?.target == .secretKey(id: "key_1") && entry?.instanceID == "ins_a")
        #expect(try await store.secretKey(hash: [1, 2, 3]) == nil, "a revoked key no longer authenticates")
        #expect(try await store.secretKey(hash: [4, 5, 6])?.id == "key_2")
        let (again, none) = try await store.revokeSecretKey(instanceID: "ins_a", id: "key_1", at: t0 + 9, retainUntil: t0 + day)
        #expect(again.revokedAt == t0 + 5 && none == nil, "revoking twice changes nothing and adds no entry")
        try await store.markSecretKeyUsed(id: "key_2", at: t0 + 7)
        #expect(try await store.secretKeys(instanceID: "ins_a").last?.lastUsedAt == t0 + 7)
        #expect(try await store.allRevocations(after: 0, limit: 10).count == 1)
    }

    static let controlCharactersNeverReachTheStore: Check = { store in
        let session = try await seed(store, sessions: 1)[0]
        // SQLite binds text up to its first NUL: an id with one must find nothing and change nothing.
        let truncating = session.id + "\u{0}x"
        #expect(try await store.session(instanceID: "ins_a", id: truncating) == nil)
        await expectError(.notFound) { _ = try await store.revokeSession(instanceID: "ins_a", id: truncating, at: t0, retainUntil: t0 + day) }
        await expectError(.notFound) { _ = try await store.revokeUserSessions(instanceID: "ins_a", userID: "user_1\u{0}", at: t0, retainUntil: t0 + day) }
        await expectError(.notFound) { _ = try await store.deleteUser(instanceID: "ins_a", id: "user_1\u{0}", at: t0, retainUntil: t0 + day) }
        #expect(try await store.session(instanceID: "ins_a", id: session.id)?.status == .active)
        #expect(try await store.user(instanceID: "ins_a", id: "user_1\u{0}") == nil)
        #expect(try await store.allRevocations(after: 0, limit: 10).isEmpty)
        await expectError(.constraint) {
            try await store.createUser(User(id: "user_x", instanceID: "ins_a", firstName: "Ada\u{0}Lovelace", createdAt: t0, updatedAt: t0))
        }
        await expectError(.constraint) {
            var user = User(id: "user_y", instanceID: "ins_a", createdAt: t0, updatedAt: t0)
            user.emailAddresses = [User.EmailAddress(id: "idn_1", emailAddress: "a\u{0}@example.com", verified: true)]
            try await store.createUser(user)
        }
        await expectError(.constraint) {
            try await store.createTemplate(JWTTemplateRecord(
                id: "jtmp_1", instanceID: "ins_a", name: "bad\r\nname", claims: "{}", lifetime: 60, allowedClockSkew: 5,
                signingAlgorithm: "RS256", createdAt: t0, updatedAt: t0))
        }
        #expect(try await store.user(instanceID: "ins_a", id: "user_x") == nil)
    }
}
