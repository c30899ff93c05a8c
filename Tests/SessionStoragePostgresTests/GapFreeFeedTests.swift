import Foundation
import SessionStorage
@testable import SessionStoragePostgres
import Testing

/// Decision 0018: the revocation feed is numbered in commit order with no holes, however many
/// connections revoke at once, so a follower that moves its cursor past n never misses an entry below n.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipReason), .timeLimit(.minutes(1)))
struct GapFreeFeedTests {
    static let t0: Int64 = 1_800_000_000_000
    static let day: Int64 = 86_400_000

    static func seed(_ store: PostgresSessionStore, sessions count: Int) async throws -> [Session] {
        try await store.createInstance(Instance(id: "ins_a", slug: "ins-a", environment: .development, createdAt: t0))
        try await store.createUser(User(id: "user_1", instanceID: "ins_a", createdAt: t0, updatedAt: t0))
        try await store.createClient(Client(id: "client_1", instanceID: "ins_a", createdAt: t0, updatedAt: t0))
        var sessions: [Session] = []
        for index in 0..<count {
            let session = Session(
                id: "sess_\(index)", instanceID: "ins_a", userID: "user_1", clientID: "client_1", lastActiveAt: t0, expireAt: t0 + day,
                abandonAt: t0 + day, createdAt: t0 + Int64(index), updatedAt: t0)
            try await store.createSession(session)
            sessions.append(session)
        }
        return sessions
    }

    /// Eight tasks revoke 200 sessions over the pool's connections while a follower polls from its
    /// cursor: it must read 1, 2, 3, … with no entry skipped, repeated or out of order.
    @Test func aFollowerSeesEveryEntryOnceInOrderWhileManyConnectionsRevoke() async throws {
        try await PostgresTestServer.withDatabase { base in
            var configuration = base
            configuration.poolSize = 8
            let store = try await PostgresSessionStore(configuration: configuration)
            let sessions = try await Self.seed(store, sessions: 200)
            let writers = 8
            async let revoked: Void = withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        for (index, session) in sessions.enumerated() where index % writers == writer {
                            _ = try await store.revokeSession(instanceID: "ins_a", id: session.id, at: Self.t0 + 1, leeway: 5000)
                        }
                    }
                }
                try await group.waitForAll()
            }
            var cursor: Int64 = 0
            var seen: [String] = []
            var polls = 0
            let deadline = ContinuousClock.now + .seconds(45)
            while seen.count < sessions.count, ContinuousClock.now < deadline {
                polls += 1
                for entry in try await store.allRevocations(after: cursor, limit: 17) {
                    // A gap here is an entry the follower would never read again: its cursor is past it.
                    try #require(entry.sequence == cursor + 1, "after \(cursor) the feed showed \(entry.sequence)")
                    cursor = entry.sequence
                    guard case .session(let id) = entry.target else { Issue.record("unexpected \(entry.target)"); continue }
                    seen.append(id)
                }
            }
            try await revoked
            #expect(seen.count == sessions.count)
            #expect(Set(seen) == Set(sessions.map(\.id)), "every revocation exactly once")
            #expect(try await store.revocationBounds().highestAssigned == Int64(sessions.count))
            #expect(polls > 1, "the follower read while the writers wrote")
            await store.close()
        }
    }

    /// A transaction that took position k and has not committed holds every later revoker back:
    /// the follower sees neither k nor k+1 until it commits, then both, in order. The slow
    /// transaction is the store's own (`write` + `appendRevocation`), held open before its commit.
    @Test func aSlowTransactionHoldingKKeepsKPlusOneUnseen() async throws {
        try await PostgresTestServer.withStore { store, _ in
            let sessions = try await Self.seed(store, sessions: 2)
            _ = try await store.revokeSession(instanceID: "ins_a", id: sessions[0].id, at: Self.t0 + 1, leeway: 5000)
            let before = try await store.revocationBounds().highestAssigned
            let (gate, open) = AsyncStream<Void>.makeStream()
            let (taken, announce) = AsyncStream<Int64>.makeStream()
            // Another node's revoking transaction, stopped between taking its number and committing.
            let slow = Task {
                try await store.write { db in
                    let entry = try await PostgresSessionStore.appendRevocation(
                        db, instanceID: "ins_a", target: .session(id: "sess_elsewhere"), at: Self.t0, retainUntil: Self.t0 + Self.day)
                    announce.yield(entry.sequence)
                    for await _ in gate {}
                    return entry
                }
            }
            var numbers = taken.makeAsyncIterator()
            let k = try #require(await numbers.next())
            #expect(k == before + 1)
            // This node revokes meanwhile: it must wait for k, not take k+1 and commit first.
            let pending = Task { try await store.revokeSession(instanceID: "ins_a", id: sessions[1].id, at: Self.t0 + 2, leeway: 5000) }
            for _ in 0..<10 {
                try await Task.sleep(for: .milliseconds(50))
                #expect(try await store.allRevocations(after: before, limit: 10).isEmpty, "nothing past \(before) is visible while k is open")
            }
            open.finish()
            #expect(try await slow.value.sequence == k)
            let (_, entry) = try await pending.value
            #expect(entry?.sequence == k + 1)
            let tail = try await store.allRevocations(after: before, limit: 10)
            #expect(tail.map(\.sequence) == [k, k + 1])
            #expect(tail.map(\.target) == [.session(id: "sess_elsewhere"), .session(id: sessions[1].id)])
        }
    }

    /// A transaction that took a number and rolled back gives it back: the next entry gets it.
    @Test func aRolledBackRevocationLeavesNoHole() async throws {
        try await PostgresTestServer.withStore { store, _ in
            let sessions = try await Self.seed(store, sessions: 1)
            // The store's own numbering, then a failure before the commit.
            do throws(StorageError) {
                try await store.write { db in
                    let entry = try await PostgresSessionStore.appendRevocation(
                        db, instanceID: "ins_a", target: .session(id: "sess_lost"), at: Self.t0, retainUntil: Self.t0 + Self.day)
                    #expect(entry.sequence == 1)
                    throw StorageError(.constraint, "refused after numbering")
                }
                Issue.record("the failing transaction committed")
            } catch {
                #expect(error.reason == "refused after numbering")
            }
            #expect(try await store.revocationBounds().highestAssigned == 0)
            #expect(try await store.allRevocations(after: 0, limit: 10).isEmpty)
            let (_, entry) = try await store.revokeSession(instanceID: "ins_a", id: sessions[0].id, at: Self.t0 + 2, leeway: 5000)
            #expect(entry?.sequence == 1, "the number the rolled-back transaction took is the next one given")
        }
    }
}
