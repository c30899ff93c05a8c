import SessionTokens
import SessionVerification
import Testing

/// The feed's one codec: what the server writes is what followers read, and anything else is refused.
@Suite struct RevocationFeedCodecTests {
    static let entries = [
        RevocationFeedEntry(sequence: 1, target: .session(id: "sess_1"), revokedAt: 1_000, retainUntil: 2_000),
        RevocationFeedEntry(sequence: 7, target: .user(id: "user_1", notBefore: 1_500, sessionIDs: ["sess_2", "sess_3"]), revokedAt: 1_500, retainUntil: 9_000),
        RevocationFeedEntry(sequence: 8, target: .user(id: "user_2", notBefore: 1_600, sessionIDs: []), revokedAt: 1_600, retainUntil: 9_000),
        RevocationFeedEntry(
            sequence: 9, target: .otherSessions(userID: "user_3", keptSessionID: "sess_kept", notBefore: 1_700, sessionIDs: ["sess_4", "sess_5"]),
            revokedAt: 1_700, retainUntil: 9_000),
        RevocationFeedEntry(
            sequence: 10, target: .consent(id: "cnst_1", userID: "user_3", clientID: "photo-app", notBefore: 4_500), revokedAt: 4_500, retainUntil: 9_000),
    ]

    @Test func whatIsWrittenIsReadBack() throws {
        let message = RevocationFeedMessage(entries: Self.entries, cursor: 8, snapshot: true)
        #expect(try RevocationFeedCodec.decode(JSONWriter.serialize(RevocationFeedCodec.json(message))) == message)
    }

    @Test(arguments: [
        #"{"seq":1,"revoked_at":1,"retain_until":2}"#,
        #"{"seq":1,"session_id":"s","user_id":"u","not_before":1,"session_ids":[],"revoked_at":1,"retain_until":2}"#,
        #"{"seq":1,"user_id":"u","not_before":1,"revoked_at":1,"retain_until":2}"#,
        #"{"seq":1,"user_id":"u","not_before":1,"session_ids":[1],"revoked_at":1,"retain_until":2}"#,
        #"{"seq":0,"session_id":"s","revoked_at":1,"retain_until":2}"#,
        #"{"seq":1,"session_id":"s","revoked_at":-1,"retain_until":2}"#,
        #"{"seq":1,"session_id":"s","revoked_at":1,"retain_until":9223372036854775806}"#,
        #"{"seq":1,"user_id":"u","not_before":-9223372036854775807,"session_ids":[],"revoked_at":1,"retain_until":2}"#,
        #"{"seq":1,"session_id":7,"revoked_at":1,"retain_until":2}"#,
        // All but one, listing the one it kept; a kept session that is not a string.
        #"{"seq":1,"user_id":"u","not_before":1,"session_ids":["s"],"except_session_id":"s","revoked_at":1,"retain_until":2}"#,
        #"{"seq":1,"user_id":"u","not_before":1,"session_ids":[],"except_session_id":7,"revoked_at":1,"retain_until":2}"#,
        // A consent entry without its consent, with sessions, or with a cut-off out of range.
        #"{"seq":1,"user_id":"u","client_id":"c","not_before":1,"revoked_at":1,"retain_until":2}"#,
        #"{"seq":1,"user_id":"u","client_id":"c","consent_id":"k","not_before":-5,"revoked_at":1,"retain_until":2}"#,
    ])
    func malformedEntriesAreRefused(_ entry: String) throws {
        let body = #"{"object":"revocation_feed","cursor":1,"snapshot":false,"entries":["# + entry + "]}"
        #expect(throws: VerificationError(.syncFailed, "")) { try RevocationFeedCodec.decode(Array(body.utf8)) }
    }

    @Test func signingOutTheOthersLeavesTheKeptSessionsTokensValid() {
        var snapshot = RevocationSnapshot()
        Self.entries[3].apply(to: &snapshot)
        #expect(snapshot.isRevoked(sessionID: "sess_4", userID: "user_3", issuedAt: 99))
        #expect(snapshot.isRevoked(sessionID: "sess_5", userID: "user_3", issuedAt: 99))
        #expect(!snapshot.isRevoked(sessionID: "sess_kept", userID: "user_3", issuedAt: 1))
        #expect(!snapshot.isRevoked(sessionID: "sess_new", userID: "user_3", issuedAt: 1), "a session opened after is untouched")
    }

    @Test func aRevokedConsentRefusesThatUsersTokensForThatClientUpToItsCutOff() {
        let list = RevocationList()
        list.update { Self.entries[4].apply(to: &$0) }
        #expect(list.hasConsents(of: "user_3") && !list.hasConsents(of: "user_1"))
        #expect(list.isConsentRevoked(userID: "user_3", clientID: "photo-app", issuedAt: 4))
        #expect(list.isConsentRevoked(userID: "user_3", clientID: "photo-app", issuedAt: 3))
        #expect(!list.isConsentRevoked(userID: "user_3", clientID: "photo-app", issuedAt: 5), "issued after the cut-off's second")
        #expect(!list.isConsentRevoked(userID: "user_3", clientID: "other-app", issuedAt: 1))
        #expect(!list.isConsentRevoked(userID: "user_9", clientID: "photo-app", issuedAt: 1))
        // iat far out of range cannot wrap into the cut-off.
        #expect(!list.isConsentRevoked(userID: "user_3", clientID: "photo-app", issuedAt: .max))
        #expect(list.removeExpired(now: 9_000) == 1 && !list.hasConsents(of: "user_3"))
    }

    @Test func applyingAUserWideEntryRevokesItsSessionsAndOnlyTokensWithoutSidBeforeItsCutOff() {
        var snapshot = RevocationSnapshot()
        Self.entries[1].apply(to: &snapshot)
        #expect(snapshot.isRevoked(sessionID: "sess_2", userID: "user_1", issuedAt: 99))
        #expect(!snapshot.isRevoked(sessionID: "sess_9", userID: "user_1", issuedAt: 1), "a session not listed is judged by itself")
        #expect(snapshot.isRevoked(sessionID: nil, userID: "user_1", issuedAt: 1))
        #expect(!snapshot.isRevoked(sessionID: nil, userID: "user_1", issuedAt: 2))
    }
}

@Suite struct RevocationSnapshotArithmeticTests {
    /// A retain-until near the top of Int64 (from a caller, not the feed, whose codec refuses it) is "forever", not a trap.
    @Test func retainUntilNearTheTopOfTheRangeIsForever() {
        var snapshot = RevocationSnapshot()
        for (index, instant) in [Int64.max, Int64.max - 1, Int64.max - 999, Int64.max - 1000].enumerated() {
            snapshot.revokeSession("sess_\(String(repeating: "a", count: 31))\(index)", retainUntil: instant)
        }
        #expect(snapshot.count == 4)
        #expect(snapshot.removingExpired(now: 4_000_000_000_000).count == 4, "none expires before the end of UInt32's seconds")
        #expect(snapshot.containsSession("sess_\(String(repeating: "a", count: 31))2"))
    }
}
