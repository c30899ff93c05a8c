import SessionStorage
import Testing

/// Checks behind "one truth about revocation": what a user-wide entry names, secret-key entries,
/// and the store's refusal of control characters.
extension SessionStoreConformance {
    static let userWideEntryListsOnlyTheSessionsItRevoked: Check = { store in
        let sessions = try await seed(store, sessions: 3)
        let others = try await seed(store, user: "user_2", sessions: 1)
        _ = try await store.revokeSession(instanceID: "ins_a", id: sessions[0].id, at: t0 + 10, leeway: 5000)
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
        await expectError(.notFound) { _ = try await store.revokeSession(instanceID: "ins_a", id: truncating, at: t0, leeway: 5000) }
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

    /// Tenants: a slug names one instance; signing keys come back by generation, a generation or
    /// `kid` is stored once (two rotations racing: one wins), a key must be of its tenant's
    /// algorithm, and each added key is an entry of the stream that verifiers never see.
    static let tenantsHaveUniqueSlugsAndOrderedSigningKeys: Check = { store in
        func key(_ kid: String, _ instance: String, _ generation: Int64, _ algorithm: String = "ES256") -> SigningKeyRecord {
            SigningKeyRecord(
                keyID: kid, instanceID: instance, generation: generation, algorithm: algorithm, material: "sealed-\(kid)", createdAt: t0,
                activatesAt: t0 + generation)
        }
        let acme = Instance(id: "ins_acme", slug: "acme", environment: .production, signingAlgorithm: "ES256", allowedOrigins: ["https://acme.test"], createdAt: t0)
        try await store.createInstance(acme, signingKey: key("kid-1", "ins_acme", 1))
        await expectError(.conflict) {
            try await store.createInstance(Instance(id: "ins_other", slug: "acme", environment: .development, createdAt: t0 + 1))
        }
        #expect(try await store.instance(id: "ins_other") == nil)
        #expect(try await store.instance(slug: "acme") == acme)
        #expect(try await store.instance(slug: "nobody") == nil)
        #expect(try await store.instance(slug: "acme\u{0}") == nil)
        // A failed creation leaves neither the instance nor its key.
        await expectError(.conflict) {
            try await store.createInstance(
                Instance(id: "ins_beta", slug: "beta", environment: .development, signingAlgorithm: "ES256", createdAt: t0), signingKey: key("kid-1", "ins_beta", 1))
        }
        #expect(try await store.instance(slug: "beta") == nil)
        #expect(try await store.signingKeys(instanceID: "ins_beta").isEmpty)
        await expectError(.constraint) {
            try await store.createInstance(Instance(id: "ins_gamma", slug: "gamma", environment: .development, signingAlgorithm: "HS256", createdAt: t0))
        }

        let before = try await store.revocationBounds().highestAssigned
        let entry = try await store.addSigningKey(key("kid-2", "ins_acme", 2), retainUntil: t0 + 1000)
        #expect(entry.target == .signingKey(id: "kid-2") && entry.instanceID == "ins_acme" && entry.sequence > before)
        await expectError(.conflict) { _ = try await store.addSigningKey(key("kid-3", "ins_acme", 2), retainUntil: t0) }
        await expectError(.conflict) { _ = try await store.addSigningKey(key("kid-2", "ins_acme", 3), retainUntil: t0) }
        await expectError(.constraint) { _ = try await store.addSigningKey(key("kid-4", "ins_acme", 3, "RS256"), retainUntil: t0) }
        await expectError(.notFound) { _ = try await store.addSigningKey(key("kid-5", "ins_none", 1), retainUntil: t0) }
        #expect(try await store.signingKeys(instanceID: "ins_acme").map(\.keyID) == ["kid-1", "kid-2"])
        #expect(try await store.revocationBounds().highestAssigned == entry.sequence)

        let stored = try await store.signingKeys(instanceID: "ins_acme")[0]
        #expect(try await store.replaceSigningKeyMaterials([.init(stored: stored, material: "resealed")]) == 1)
        #expect(try await store.replaceSigningKeyMaterials([.init(stored: stored, material: "again")]) == 0)
        #expect(try await store.allSigningKeys().map(\.material).sorted() == ["resealed", "sealed-kid-2"])
        #expect(try await store.instances().map(\.slug).contains("acme"))
    }
}
