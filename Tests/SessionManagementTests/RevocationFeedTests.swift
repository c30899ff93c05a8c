import SessionCrypto
import SessionManagement
import SessionStorage
import SessionTokens
import SessionVerification
import Testing

/// Long polls wait on the feed; a feed that never answers must fail a test, not hang the run.
@Suite(.timeLimit(.minutes(1))) struct RevocationFeedTests {
    /// Revokes `count` fresh sessions and returns their entries.
    func revokeSessions(_ harness: Harness, count: Int) async throws -> [Revocation] {
        var entries: [Revocation] = []
        for _ in 0..<count {
            let (_, session) = try await harness.userWithSession()
            entries.append(try #require(try await harness.manager.revokeSession(in: harness.instance, id: session.id).1))
        }
        return entries
    }

    /// Follows the feed from `cursor` until a page is empty (at most 1000 pages: a feed that never
    /// ends fails the test instead of looping for ever).
    func follow(_ harness: Harness, from cursor: Int64, limit: Int) async throws -> (entries: [Revocation], cursor: Int64, pages: Int) {
        var cursor = cursor
        var entries: [Revocation] = []
        var pages = 0
        while true {
            try #require(pages < 1000, "the feed never returned an empty page")
            let page = try await harness.manager.revocationFeed(in: harness.instance, after: cursor, limit: limit)
            pages += 1
            entries += page.entries
            #expect(page.cursor >= cursor)
            cursor = page.cursor
            if page.entries.isEmpty { return (entries, cursor, pages) }
        }
    }

    @Test func followingTheCursorDeliversEveryEntryOnceInOrderAndOnlyTheInstancesOwn() async throws {
        let harness = try await Harness()
        let first = try await revokeSessions(harness, count: 3)
        let (other, _) = try await harness.otherTenant()
        let user = try await harness.manager.createUser(in: other, UserDraft(firstName: "Other"))
        _ = try await harness.manager.revokeUserSessions(in: other, userID: user.id)
        let second = try await revokeSessions(harness, count: 4)
        let (_, user2) = try await (harness.userWithSession())
        let userWide = try await harness.manager.revokeUserSessions(in: harness.instance, userID: user2.userID)

        let followed = try await follow(harness, from: 0, limit: 2)
        #expect(followed.entries == first + second + [userWide])
        #expect(followed.pages == 5)
        #expect(followed.cursor == userWide.sequence)
        // Nothing new: an empty page that keeps the cursor.
        let idle = try await harness.manager.revocationFeed(in: harness.instance, after: followed.cursor)
        #expect(idle.entries.isEmpty && idle.cursor == followed.cursor && !idle.snapshot)
        // The other instance sees only its own entry.
        let theirs = try await harness.manager.revocationFeed(in: other, after: 0)
        #expect(theirs.entries.map(\.target) == [.user(id: user.id, notBefore: harness.clock.now, sessionIDs: [])])
    }

    @Test func deletingAUserReachesTheFeedAsOneUserWideEntry() async throws {
        let harness = try await Harness()
        let (user, first) = try await harness.userWithSession()
        let second = try await harness.manager.createSession(in: harness.instance, userID: user.id)
        let cursor = try await harness.manager.revocationFeed(in: harness.instance, after: 0).cursor
        async let polled = harness.manager.revocationFeed(in: harness.instance, after: cursor, wait: .seconds(10))
        try await Task.sleep(for: .milliseconds(100))
        let entry = try await harness.manager.deleteUser(in: harness.instance, id: user.id)
        let page = try await polled
        #expect(page.entries == [entry])
        #expect(entry.target == .user(id: user.id, notBefore: harness.clock.now, sessionIDs: [first.id, second.id].sorted()))
    }

    @Test func aCursorOlderThanTheTailIsAnsweredFromTheTable() async throws {
        let harness = try await Harness()
        let before = try await revokeSessions(harness, count: 3)
        // A second manager on the same store starts with an empty tail, as after a restart.
        let restarted = SessionManager(
            store: harness.store, configuration: harness.manager.configuration, keyEncryption: harness.manager.keyEncryption,
            clock: { harness.clock.now })
        let page = try await restarted.revocationFeed(in: harness.instance, after: before[0].sequence)
        #expect(page.entries == Array(before[1...]) && !page.snapshot)
        #expect(restarted.feed.tailCount == 0)
        // Written through the restarted manager: served from its tail.
        let (_, session) = try await harness.userWithSession()
        let (_, entry) = try await restarted.revokeSession(in: harness.instance, id: session.id)
        #expect(restarted.feed.tailCount == 1)
        #expect(try await restarted.revocationFeed(in: harness.instance, after: page.cursor).entries == [try #require(entry)])
    }

    @Test func longPollAnswersAsSoonAsAnEntryLands() async throws {
        let harness = try await Harness()
        let (_, session) = try await harness.userWithSession()
        let cursor = try await harness.manager.revocationFeed(in: harness.instance, after: 0).cursor
        let clock = ContinuousClock()
        let started = clock.now
        async let polled = harness.manager.revocationFeed(in: harness.instance, after: cursor, wait: .seconds(10))
        try await Task.sleep(for: .milliseconds(200))
        let (_, entry) = try await harness.manager.revokeSession(in: harness.instance, id: session.id)
        let page = try await polled
        #expect(page.entries == [try #require(entry)])
        // Well before the 10 s deadline (generous: a loaded machine can stall the test process for seconds).
        #expect(clock.now - started < .seconds(9))
    }

    @Test func longPollIgnoresOtherInstancesAndEndsEmptyAtItsDeadline() async throws {
        let harness = try await Harness()
        let (other, _) = try await harness.otherTenant()
        let user = try await harness.manager.createUser(in: other, UserDraft(firstName: "Other"))
        let clock = ContinuousClock()
        let started = clock.now
        async let polled = harness.manager.revocationFeed(in: harness.instance, after: 0, wait: .milliseconds(600))
        try await Task.sleep(for: .milliseconds(100))
        let foreign = try await harness.manager.revokeUserSessions(in: other, userID: user.id)
        let page = try await polled
        #expect(page.entries.isEmpty && !page.snapshot)
        #expect(page.cursor == foreign.sequence)
        #expect(clock.now - started >= .milliseconds(600))
    }

    @Test func closingAnswersLongPollsAtOnce() async throws {
        let harness = try await Harness()
        let clock = ContinuousClock()
        let started = clock.now
        async let polled = harness.manager.revocationFeed(in: harness.instance, after: 0, wait: .seconds(30))
        try await Task.sleep(for: .milliseconds(100))
        harness.manager.feed.close()
        #expect(try await polled.entries.isEmpty)
        // Well before the 30 s deadline.
        #expect(clock.now - started < .seconds(20))
    }

    @Test func entriesWrittenWithoutThePublisherAreCaughtUpInOrder() async throws {
        let harness = try await Harness()
        let cursor = try await harness.manager.revocationFeed(in: harness.instance, after: 0).cursor
        let (_, a) = try await harness.userWithSession()
        let (_, b) = try await harness.userWithSession()
        // Another process's write: committed, never published here. It leaves a gap before the next entry.
        let (_, foreign) = try await harness.store.revokeSession(
            instanceID: harness.instance.id, id: a.id, at: harness.clock.now, leeway: 5000)
        let (_, published) = try await harness.manager.revokeSession(in: harness.instance, id: b.id)
        // The published entry waits behind the gap until the store is read; then both arrive, in order.
        let page = try await harness.manager.revocationFeed(in: harness.instance, after: cursor, wait: .seconds(5))
        let expected = [try #require(foreign), try #require(published)]
        if page.entries.count == 2 {
            #expect(page.entries == expected)
        } else {
            #expect(page.entries == [expected[0]])
            #expect(try await harness.manager.revocationFeed(in: harness.instance, after: page.cursor).entries == [expected[1]])
        }
        #expect(harness.manager.feed.head == expected[1].sequence)
    }

    @Test func aCursorAheadOfTheStoreGetsASnapshot() async throws {
        let harness = try await Harness()
        let entries = try await revokeSessions(harness, count: 3)
        // A cursor from another database: everything live, flagged.
        let ahead = try await harness.manager.revocationFeed(in: harness.instance, after: 1_000_000)
        #expect(ahead.snapshot && ahead.entries == entries && ahead.cursor == entries[2].sequence)
    }

    @Test func aFollowerBehindThePrunedWindowStartsOver() async throws {
        let harness = try await Harness()
        let (_, a) = try await harness.userWithSession()
        harness.clock.advance(by: 10_000)
        let (_, b) = try await harness.userWithSession()
        // One short-lived entry, then a longer-lived one (a later session); the short one is pruned.
        let (_, short) = try await harness.store.revokeSession(instanceID: harness.instance.id, id: a.id, at: harness.clock.now, leeway: 1)
        let (_, long) = try await harness.manager.revokeSession(in: harness.instance, id: b.id)
        #expect(try await harness.store.pruneRevocations(now: try #require(short).retainUntil) == 1)
        let caughtUp = try await harness.manager.revocationFeed(in: harness.instance, after: try #require(short).sequence)
        #expect(caughtUp.entries == [try #require(long)] && !caughtUp.snapshot, "this follower saw the pruned entry")
        let behind = try await harness.manager.revocationFeed(in: harness.instance, after: try #require(short).sequence - 1)
        #expect(behind.entries == [try #require(long)] && behind.snapshot, "this follower missed the pruned entry")
        #expect(behind.cursor == long?.sequence)
    }

    @Test func theFeedIsOrderedBySequenceWhateverTheClockDoes() async throws {
        let harness = try await Harness()
        let first = try await revokeSessions(harness, count: 2)
        harness.clock.advance(by: -3_600_000)  // the wall clock steps back an hour
        let second = try await revokeSessions(harness, count: 2)
        harness.clock.advance(by: 7_200_000)  // and forward two
        let third = try await revokeSessions(harness, count: 1)
        let followed = try await follow(harness, from: 0, limit: 10)
        #expect(followed.entries == first + second + third)
        #expect(second[0].revokedAt < first[1].revokedAt && second[0].sequence > first[1].sequence)
    }
}

/// Entries stay until no token they could affect is still valid, and then leave: the list is bounded.
@Suite struct RevocationRetentionTests {
    static let leeway: Int64 = 5

    func harness() async throws -> Harness {
        try await Harness(configuration: ManagementConfiguration(
            issuer: "https://tessera.test", sessionLifetime: 2 * 3_600_000, tokenLifetime: TokenLifetime(maximumSeconds: 3600),
            leewaySeconds: Self.leeway))
    }

    @Test func aSessionEntryOutlivesEveryTokenOfTheSessionAndNoMore() async throws {
        let harness = try await harness()
        let (_, session) = try await harness.userWithSession()
        let verifier = try harness.verifier()
        // The longest-lived token the session can get: capped by policy and by the session's end.
        harness.clock.advance(by: 5_400_000)  // half an hour of the session left
        let token = try await harness.manager.sessionToken(in: harness.instance, sessionID: session.id, expiresInSeconds: 315_360_000)
        let expiresAt = try verifier.verify(token, now: harness.clock.now / 1000).claims.expiresAt!
        #expect(expiresAt * 1000 <= session.expireAt)
        let entry = try #require(try await harness.manager.revokeSession(in: harness.instance, id: session.id).1)
        #expect(entry.retainUntil >= (expiresAt + Self.leeway) * 1000)
        // Kept while the token could still pass a verifier's clock check, removed after.
        #expect(try await harness.store.pruneRevocations(now: entry.retainUntil - 1) == 0)
        #expect(throws: VerificationError(.revoked, "")) {
            try SessionVerifier(keys: verifier.keys, policy: verifier.policy, revocations: RevocationList(RevocationSnapshot(sessions: [session.id])))
                .verify(token, now: (entry.retainUntil - 1) / 1000 - Self.leeway)
        }
        #expect(try await harness.store.pruneRevocations(now: entry.retainUntil) == 1)
        #expect(throws: VerificationError(.expired, "")) { try verifier.verify(token, now: entry.retainUntil / 1000) }
    }

    @Test func aUserWideEntryOutlivesTheLongestTemplateToken() async throws {
        let harness = try await harness()
        let (user, session) = try await harness.userWithSession()
        _ = try await harness.manager.createTemplate(in: harness.instance, TemplateDraft(name: "long", claims: ["k": .integer(1)], lifetime: 315_360_000))
        let token = try await harness.manager.templateToken(in: harness.instance, sessionID: session.id, templateName: "long")
        let verifier = try harness.verifier(requireSessionID: false)
        let claims = try verifier.verify(token, now: harness.clock.now / 1000).claims
        #expect(claims.expiresAt! - claims.issuedAt! == 3600, "template lifetimes are capped by the policy maximum")
        harness.clock.advance(by: 1000)
        let entry = try await harness.manager.revokeUserSessions(in: harness.instance, userID: user.id)
        #expect(entry.retainUntil >= (claims.expiresAt! + Self.leeway) * 1000)
        guard case .user(let id, let notBefore, let sessionIDs) = entry.target else { Issue.record("not a user-wide entry"); return }
        #expect(sessionIDs == [session.id] && claims.sessionID == session.id, "the template token is bound to the listed session")
        var snapshot = RevocationSnapshot()
        snapshot.revokeUser(id, notBefore: notBefore, sessionIDs: sessionIDs)
        let revoked = SessionVerifier(keys: verifier.keys, policy: verifier.policy, revocations: RevocationList(snapshot))
        #expect(throws: VerificationError(.revoked, "")) { try revoked.verify(token, now: harness.clock.now / 1000) }
        #expect(try await harness.store.pruneRevocations(now: entry.retainUntil - 1) == 0)
        #expect(try await harness.store.pruneRevocations(now: entry.retainUntil) == 1)
        #expect(throws: VerificationError(.expired, "")) { try verifier.verify(token, now: entry.retainUntil / 1000) }
    }

    @Test func pruningEmptiesTheListOnceEverythingHasExpired() async throws {
        let harness = try await harness()
        var latest: Int64 = 0
        for _ in 0..<20 {
            let (_, session) = try await harness.userWithSession()
            latest = max(latest, try #require(try await harness.manager.revokeSession(in: harness.instance, id: session.id).1).retainUntil)
            harness.clock.advance(by: 60_000)
        }
        #expect(try await harness.manager.revocationFeed(in: harness.instance, after: 0).entries.count == 20)
        _ = try await harness.store.pruneRevocations(now: latest)
        #expect(try await harness.store.revocationBounds().lowestLive == nil)
    }
}

/// A session's revocation entry is kept until no token of it can pass a verifier, and no longer:
/// its token horizon, not the session's end, bounds it (Decision 0012).
@Suite struct TokenHorizonTests {
    static let leeway: Int64 = 5

    func harness() async throws -> Harness {
        try await Harness(configuration: ManagementConfiguration(
            issuer: "https://tessera.test", sessionLifetime: 7 * 86_400_000, tokenLifetime: TokenLifetime(maximumSeconds: 86_400),
            leewaySeconds: Self.leeway, tokenHorizonWindow: 300_000))
    }

    @Test func shortTokensKeepTheEntryShortAndALongTokenMovesItFirst() async throws {
        let harness = try await harness()
        let (_, session) = try await harness.userWithSession()
        #expect(session.tokenHorizon == session.createdAt + 300_000)
        let verifier = try harness.verifier()
        // Default tokens (60 s) within the window: no write, the horizon stays.
        _ = try await harness.manager.sessionToken(in: harness.instance, sessionID: session.id)
        #expect(try await harness.store.session(instanceID: harness.instance.id, id: session.id)?.tokenHorizon == session.tokenHorizon)
        // A day-long token moves it to its expiry plus the window, in the store, before it is signed.
        let long = try await harness.manager.sessionToken(in: harness.instance, sessionID: session.id, expiresInSeconds: 86_400)
        let expiresAt = try verifier.verify(long, now: harness.clock.now / 1000).claims.expiresAt!
        let stored = try #require(try await harness.store.session(instanceID: harness.instance.id, id: session.id))
        #expect(stored.tokenHorizon == expiresAt * 1000 + 300_000)
        let entry = try #require(try await harness.manager.revokeSession(in: harness.instance, id: session.id).1)
        #expect(entry.retainUntil == stored.tokenHorizon + Self.leeway * 1000)
        #expect(entry.retainUntil >= (expiresAt + Self.leeway) * 1000 && entry.retainUntil < session.expireAt)
    }

    @Test func aSessionThatOnlyMintedShortTokensIsForgottenSoonAfter() async throws {
        let harness = try await harness()
        let (_, session) = try await harness.userWithSession()
        let token = try await harness.manager.sessionToken(in: harness.instance, sessionID: session.id)
        let claims = try harness.verifier().verify(token, now: harness.clock.now / 1000).claims
        let entry = try #require(try await harness.manager.revokeSession(in: harness.instance, id: session.id).1)
        #expect(entry.retainUntil == session.createdAt + 300_000 + Self.leeway * 1000)
        #expect(entry.retainUntil >= (claims.expiresAt! + Self.leeway) * 1000)
        #expect(try await harness.store.pruneRevocations(now: entry.retainUntil) == 1)
    }

    /// The race the horizon must win: this process still holds the session as active (another
    /// process revoked it a moment ago), and a mint would move the horizon. The store refuses the
    /// move on a revoked session, so no token is signed that the entry does not cover.
    @Test func aMintRacingARevocationElsewhereIsRefused() async throws {
        let harness = try await harness()
        try await harness.manager.revocations.start()
        let (_, session) = try await harness.userWithSession()
        _ = try await harness.manager.sessionToken(in: harness.instance, sessionID: session.id)
        // Another process revokes; this one has not caught up, so its cache still says active.
        let other = SessionManager(
            store: harness.store, configuration: harness.manager.configuration, keyEncryption: harness.manager.keyEncryption,
            clock: { harness.clock.now })
        let (_, entry) = try await other.revokeSession(in: harness.instance, id: session.id)
        // A token within the horizon may still be minted from the stale copy: the entry covers it.
        let short = try await harness.manager.sessionToken(in: harness.instance, sessionID: session.id)
        let claims = try harness.verifier().verify(short, now: harness.clock.now / 1000).claims
        #expect(try #require(entry).retainUntil >= (claims.expiresAt! + Self.leeway) * 1000)
        // One that would outlive the horizon is refused, and the copy learns the session is revoked.
        await expectError(.sessionNotActive) {
            _ = try await harness.manager.sessionToken(in: harness.instance, sessionID: session.id, expiresInSeconds: 3600)
        }
        await expectError(.sessionNotActive) { _ = try await harness.manager.sessionToken(in: harness.instance, sessionID: session.id) }
        #expect(try await harness.store.session(instanceID: harness.instance.id, id: session.id)?.tokenHorizon == session.tokenHorizon)
    }
}
