import Foundation
import SessionStorage
import SessionStoragePostgres
import Synchronization
import Testing

/// Nodes wake each other on commit (LISTEN/NOTIFY, a wake-up only) and take turns at the periodic
/// jobs (advisory locks held on a connection outside the pool).
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipReason), .timeLimit(.minutes(1)))
struct CoordinationTests {
    static let t0: Int64 = 1_800_000_000_000
    static let day: Int64 = 86_400_000

    /// Counts wake-ups; `waitFor` polls, since a wake-up comes from another connection's commit.
    final class WakeCounter: Sendable {
        let count = Mutex(0)
        func wake() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
        func waitFor(atLeast target: Int, seconds: Double = 5) async -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if value >= target { return true }
                try? await Task.sleep(for: .milliseconds(5))
            }
            return value >= target
        }
    }

    static func seed(_ store: PostgresSessionStore, sessions: Int) async throws {
        try await store.createInstance(Instance(id: "ins_a", slug: "ins-a", environment: .development, createdAt: t0))
        try await store.createClient(Client(id: "client_1", instanceID: "ins_a", createdAt: t0, updatedAt: t0))
        try await store.createUser(User(id: "user_1", instanceID: "ins_a", createdAt: t0, updatedAt: t0))
        for index in 0..<sessions {
            try await store.createSession(
                Session(
                    id: "sess_\(index)", instanceID: "ins_a", userID: "user_1", clientID: "client_1", lastActiveAt: t0, expireAt: t0 + day,
                    abandonAt: t0 + day, createdAt: t0, updatedAt: t0))
        }
    }

    @Test func anotherNodesRevocationWakesAFollowerButAMintOrSessionWriteDoesNot() async throws {
        try await PostgresTestServer.withStore { writer, configuration in
            try await Self.seed(writer, sessions: 3)
            let follower = try await PostgresSessionStore(configuration: configuration)
            let counter = WakeCounter()
            let following = Task { await follower.followCommits { counter.wake() } }
            // The first wake-up says that listening has started (commits before it may have been missed).
            #expect(await counter.waitFor(atLeast: 1))
            let before = counter.value
            // Writes that are not entries of the stream notify nobody.
            _ = try await writer.touchSession(instanceID: "ins_a", id: "sess_0", at: Self.t0 + 60_000, interval: 1000, horizon: Self.t0 + 90_000)
            try await writer.createSession(
                Session(
                    id: "sess_new", instanceID: "ins_a", userID: "user_1", clientID: "client_1", lastActiveAt: Self.t0, expireAt: Self.t0 + Self.day,
                    abandonAt: Self.t0 + Self.day, createdAt: Self.t0, updatedAt: Self.t0))
            try await Task.sleep(for: .milliseconds(300))
            #expect(counter.value == before)
            _ = try await writer.revokeSession(instanceID: "ins_a", id: "sess_1", at: Self.t0 + 1, leeway: 5000)
            #expect(await counter.waitFor(atLeast: before + 1))
            // Cancelling the caller's task ends the follow (and its connection).
            following.cancel()
            await following.value
            let ended = counter.value
            _ = try await writer.revokeSession(instanceID: "ins_a", id: "sess_2", at: Self.t0 + 1, leeway: 5000)
            try await Task.sleep(for: .milliseconds(300))
            #expect(counter.value == ended)
            await follower.close()
        }
    }

    @Test func aRolledBackRevocationWakesNobody() async throws {
        try await PostgresTestServer.withStore { writer, configuration in
            try await Self.seed(writer, sessions: 1)
            let counter = WakeCounter()
            let following = Task { await writer.followCommits { counter.wake() } }
            #expect(await counter.waitFor(atLeast: 1))
            let before = counter.value
            // Unknown session: the transaction rolls back, its NOTIFY with it.
            await #expect(throws: StorageError.self) {
                _ = try await writer.revokeSession(instanceID: "ins_a", id: "sess_missing", at: Self.t0 + 1, leeway: 5000)
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(counter.value == before)
            following.cancel()
            await following.value
        }
    }

    @Test func oneNodeAtATimeRunsAJobAndADeadNodesLockIsReleased() async throws {
        try await PostgresTestServer.withDatabase { configuration in
            let first = try await PostgresSessionStore(configuration: configuration)
            let second = try await PostgresSessionStore(configuration: configuration)
            let (entered, enteredSignal) = AsyncStream<Void>.makeStream()
            let (release, releaseSignal) = AsyncStream<Void>.makeStream()
            let holding = Task {
                try await first.exclusively(.revocationPruning) {
                    enteredSignal.yield()
                    for await _ in release { break }
                }
            }
            for await _ in entered { break }
            // While the first node runs the job, the second skips it; another job is free.
            let ranMeanwhile = Mutex(false)
            #expect(try await second.exclusively(.revocationPruning) { ranMeanwhile.withLock { $0 = true } } == false)
            #expect(ranMeanwhile.withLock { $0 } == false)
            #expect(try await second.exclusively(.auditPruning) {} == true)
            releaseSignal.yield()
            #expect(try await holding.value == true)
            // Released once done.
            #expect(try await second.exclusively(.revocationPruning) {} == true)
            // A node that dies mid-job (its connection closes) releases the lock with it.
            let (dying, dyingSignal) = AsyncStream<Void>.makeStream()
            let dead = Task {
                try await first.exclusively(.signingKeyRotation) {
                    dyingSignal.yield()
                    try? await Task.sleep(for: .seconds(30))
                }
            }
            for await _ in dying { break }
            #expect(try await second.exclusively(.signingKeyRotation) {} == false)
            await first.close()
            var taken = false
            for _ in 0..<100 where !taken {
                taken = try await second.exclusively(.signingKeyRotation) {}
                if !taken { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(taken)
            dead.cancel()
            _ = try? await dead.value
            await second.close()
        }
    }
}
