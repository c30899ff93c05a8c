import SessionManagement
import SessionStorage
import Synchronization
import Testing

/// On a store several nodes share, a node catches up as soon as another commits (the store's
/// wake-up), not at its next poll; a wake-up carries no data, so the entries come from the store.
@Suite struct CommitWakeUpTests {
    /// Stands for the store's LISTEN: the test rings it as PostgreSQL would after a commit.
    final class Bell: Sendable {
        private let waker = Mutex<(@Sendable () -> Void)?>(nil)
        func follow(_ wake: @escaping @Sendable () -> Void) async {
            waker.withLock { $0 = wake }
            // Listening lasts until the maintenance is cancelled.
            while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
        }
        var listening: Bool { waker.withLock { $0 != nil } }
        func ring() { waker.withLock { $0 }?() }
    }

    static func waitUntil(seconds: Double, _ condition: () async -> Bool) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int(seconds * 1000))
        while clock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return await condition()
    }

    @Test func aWakeUpBringsAnotherNodesRevocationAtOnceAndThePollAloneWouldNot() async throws {
        let harness = try await Harness()
        let other = SessionManager(
            store: harness.store, configuration: harness.manager.configuration, keyEncryption: harness.manager.keyEncryption,
            clock: { harness.clock.now })
        let (_, session) = try await harness.userWithSession()
        _ = try await other.sessionToken(in: harness.instance, sessionID: session.id)
        // An entry from before the maintenance starts: its first catch-up (at once) brings it.
        let (_, early) = try await harness.userWithSession()
        let earlySequence = try #require(try await harness.manager.revokeSession(in: harness.instance, id: early.id).1).sequence
        let bell = Bell()
        // A poll an hour apart: whatever arrives sooner came through the bell.
        let maintenance = Task {
            await other.maintainRevocations(sharedCatchUpInterval: .seconds(3600), commits: { wake in await bell.follow(wake) })
        }
        #expect(await Self.waitUntil(seconds: 30) { bell.listening })
        #expect(await Self.waitUntil(seconds: 30) { await other.revocations.position == earlySequence })
        let (_, entry) = try await harness.manager.revokeSession(in: harness.instance, id: session.id)
        let sequence = try #require(entry).sequence
        try await Task.sleep(for: .milliseconds(300))
        #expect(await other.revocations.position < sequence, "without a wake-up the hour-long poll has not run again")
        bell.ring()
        #expect(await Self.waitUntil(seconds: 30) { await other.revocations.position == sequence })
        await #expect(throws: ManagementError.self) { _ = try await other.sessionToken(in: harness.instance, sessionID: session.id) }
        // Several commits, one wake-up: the catch-up reads them all.
        var last: Int64 = 0
        for _ in 0..<3 {
            let (_, more) = try await harness.userWithSession()
            last = try #require(try await harness.manager.revokeSession(in: harness.instance, id: more.id).1).sequence
        }
        bell.ring()
        #expect(await Self.waitUntil(seconds: 30) { await other.revocations.position == last })
        maintenance.cancel()
        await maintenance.value
    }

    @Test func withoutASharedStoreThePollCatchesUp() async throws {
        let harness = try await Harness()
        let other = SessionManager(
            store: harness.store, configuration: harness.manager.configuration, keyEncryption: harness.manager.keyEncryption,
            clock: { harness.clock.now })
        let maintenance = Task { await other.maintainRevocations(catchUpInterval: .milliseconds(20)) }
        let (_, session) = try await harness.userWithSession()
        let sequence = try #require(try await harness.manager.revokeSession(in: harness.instance, id: session.id).1).sequence
        #expect(await Self.waitUntil(seconds: 30) { await other.revocations.position == sequence })
        // An in-memory store is nobody else's: its jobs run here, at once.
        let ran = Mutex(false)
        #expect(await other.exclusively(.revocationPruning) { ran.withLock { $0 = true } })
        #expect(ran.withLock { $0 })
        maintenance.cancel()
        await maintenance.value
    }
}
