import SessionStorage
import SessionStoreConformance
import Testing

/// The in-memory twin passes the same conformance suite as every persistent driver.
@Suite struct InMemorySessionStoreTests {
    @Test(arguments: SessionStoreConformance.names)
    func conformance(_ check: String) async throws {
        try await SessionStoreConformance.run(check, on: InMemorySessionStore())
    }
}

@Suite struct SessionRecordTests {
    @Test func effectiveStatusFollowsTheClock() {
        let session = Session(
            id: "sess_1", instanceID: "ins", userID: "user", clientID: "client", lastActiveAt: 0, expireAt: 100, abandonAt: 50,
            createdAt: 0, updatedAt: 0)
        #expect(session.effectiveStatus(at: 49) == .active)
        #expect(session.effectiveStatus(at: 50) == .abandoned)
        #expect(session.effectiveStatus(at: 100) == .expired)
        var revoked = session
        revoked.status = .revoked
        #expect(revoked.effectiveStatus(at: 200) == .revoked)
    }

    @Test func templateKeysAreNeverPrinted() {
        let key = JWTTemplateRecord.SigningKey(algorithm: "HS256", material: "do-not-print-this-secret")
        #expect(!"\(key)".contains("do-not-print"))
    }
}
