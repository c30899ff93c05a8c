import SessionCrypto
import SessionManagement
import SessionStorage
import SessionTokens
import Synchronization
import Testing

/// The one ordered stream: two managers on one store stand for two processes on one database.
@Suite struct RevocationStreamTests {
    func secondProcess(_ harness: Harness) -> SessionManager {
        SessionManager(store: harness.store, configuration: harness.manager.configuration, keyEncryption: harness.manager.keyEncryption, clock: { harness.clock.now })
    }

    @Test func anotherProcessesRevocationsReachEveryViewThroughCatchUp() async throws {
        let harness = try await Harness()
        let other = secondProcess(harness)
        let (user, session) = try await harness.userWithSession()
        _ = try await other.sessionToken(in: harness.instance, sessionID: session.id)  // cached in the other process
        let key = try await harness.manager.createSecretKey(in: harness.instance)
        _ = try await other.authenticate(secretKey: key.secretKey)  // cached there too
        let cursor = try await other.revocationFeed(in: harness.instance, after: 0).cursor

        let (_, entry) = try await harness.manager.revokeSession(in: harness.instance, id: session.id)
        _ = try await harness.manager.revokeSecretKey(in: harness.instance, id: key.0.id)
        // What the revoking process refuses at once...
        await expectError(.sessionNotActive) { _ = try await harness.manager.sessionToken(in: harness.instance, sessionID: session.id) }
        await expectError(.unauthenticated) { _ = try await harness.manager.authenticate(secretKey: key.secretKey) }
        // ...the other refuses once its stream has caught up, through the same views.
        try await other.revocations.catchUp()
        await expectError(.sessionNotActive) { _ = try await other.sessionToken(in: harness.instance, sessionID: session.id) }
        await expectError(.unauthenticated) { _ = try await other.authenticate(secretKey: key.secretKey) }
        let page = try await other.revocationFeed(in: harness.instance, after: cursor)
        #expect(page.entries == [try #require(entry)], "the feed shows the session entry, and never the secret-key entry")
        #expect(other.feed.tailCount == 1)

        // A user-wide entry from the first process drops every listed session in the second.
        let second = try await harness.manager.createSession(in: harness.instance, userID: user.id)
        _ = try await other.sessionToken(in: harness.instance, sessionID: second.id)
        _ = try await harness.manager.revokeUserSessions(in: harness.instance, userID: user.id)
        try await other.revocations.catchUp()
        await expectError(.sessionNotActive) { _ = try await other.sessionToken(in: harness.instance, sessionID: second.id) }
        let fresh = try await other.createSession(in: harness.instance, userID: user.id)
        _ = try await other.sessionToken(in: harness.instance, sessionID: fresh.id)
    }

    @Test func theStreamDeliversEachEntryOnceInOrderWhoeverCommittedIt() async throws {
        let harness = try await Harness()
        let other = secondProcess(harness)
        try await other.revocations.start()
        let seen = SeenEntries()
        await other.revocations.follow { entries, _ in seen.add(entries.map(\.sequence)) }
        var committed: [Int64] = []
        for index in 0..<30 {
            let (_, session) = try await harness.userWithSession()
            let manager = index.isMultiple(of: 3) ? other : harness.manager
            committed.append(try #require(try await manager.revokeSession(in: harness.instance, id: session.id).1).sequence)
            if index.isMultiple(of: 7) { try await other.revocations.catchUp() }
        }
        try await other.revocations.catchUp()
        try await other.revocations.catchUp()
        #expect(seen.all == committed, "every entry once, in commit order")
        #expect(await other.revocations.position == committed.last)
    }
}

extension RevocationStreamTests {
    @Test func aFreshCatchUpSeesWhatAnotherProcessCommittedBeforeItWasCalledAndCallersShareReads() async throws {
        let harness = try await Harness()
        let other = secondProcess(harness)
        try await other.revocations.start()
        var last: Int64 = 0
        for _ in 0..<5 {
            let (_, session) = try await harness.userWithSession()
            last = try #require(try await harness.manager.revokeSession(in: harness.instance, id: session.id).1).sequence
        }
        #expect(await other.revocations.position < last)
        try await other.revocations.catchUpFresh()
        #expect(await other.revocations.position == last)
        // Many callers at once, with commits in between: each returns having seen what was committed before it was called.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                let (_, session) = try await harness.userWithSession()
                let sequence = try #require(try await harness.manager.revokeSession(in: harness.instance, id: session.id).1).sequence
                group.addTask {
                    try await other.revocations.catchUpFresh()
                    let position = await other.revocations.position
                    #expect(position >= sequence, "caller \(index) returned before seeing \(sequence)")
                }
            }
            try await group.waitForAll()
        }
    }
}

/// Sequences a view was handed, in order.
final class SeenEntries: Sendable {
    private let sequences = Mutex<[Int64]>([])
    func add(_ more: [Int64]) { sequences.withLock { $0 += more } }
    var all: [Int64] { sequences.withLock { $0 } }
}
