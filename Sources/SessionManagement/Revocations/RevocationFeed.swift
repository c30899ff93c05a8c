public import SessionStorage
import Synchronization

extension Revocation {
    /// Session, user, all-but-current and consent entries; key entries matter only to this service's processes.
    var isShownToVerifiers: Bool {
        switch target {
        case .session, .user, .otherSessions, .consent: true
        case .secretKey, .signingKey, .userUpdated, .templateChanged, .tenantChanged: false
        }
    }
}

/// One answer of the revocation feed.
public struct RevocationFeedPage: Sendable, Hashable {
    /// Entries after the request's cursor, oldest first.
    public var entries: [Revocation]
    /// Where the next request starts. It can pass the last entry's sequence (other instances'
    /// entries and pruned ones are skipped), so an idle follower does not ask about them again.
    public var cursor: Int64
    /// The cursor could not be continued (it is ahead of this store, or older than what the list
    /// still holds): these entries and the pages after them are the whole live list, to replace
    /// whatever the follower held.
    public var snapshot: Bool

    public init(entries: [Revocation], cursor: Int64, snapshot: Bool) {
        self.entries = entries
        self.cursor = cursor
        self.snapshot = snapshot
    }
}

/// The revocation list as a feed that verifiers follow by sequence number.
///
/// Recent entries live in a bounded in-memory tail, one of the views that follow the
/// `RevocationStream`: it receives every committed entry in order, whoever committed it, so a
/// follower that keeps up, and every long poll, is answered without touching the database; a
/// cursor older than the tail reads the table. Secret-key entries are not shown: verifiers have
/// no use for them.
public final class RevocationFeed: Sendable {
    public static let defaultPageLimit = 1000
    public static let maximumPageLimit = 10_000
    /// The longest long poll a request may ask for.
    public static let maximumWaitSeconds = 60

    struct State {
        /// Entries with `floor < sequence <= head`, oldest first; sequences not in it were pruned,
        /// never existed, or are secret-key entries.
        var tail: [Revocation] = []
        var floor: Int64 = 0
        var head: Int64 = 0
        var started = false
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
        /// Shutting down: long polls answer at once instead of holding the server open.
        var closed = false
    }

    let store: any SessionStore
    let stream: RevocationStream
    let capacity: Int
    let state = Mutex(State())

    public init(store: any SessionStore, stream: RevocationStream, tailCapacity: Int = 16_384) {
        self.store = store
        self.stream = stream
        self.capacity = tailCapacity
    }

    /// The stream's position as the tail last saw it.
    public var head: Int64 { state.withLock { $0.head } }
    /// Long polls waiting for an entry now.
    public var waitingPolls: Int { state.withLock { $0.waiters.count } }
    /// How many entries the tail holds.
    public var tailCount: Int { state.withLock { $0.tail.count } }

    // MARK: Writing

    /// The feed's view of the stream: entries in order, no gaps, each once.
    func accept(_ entries: [Revocation], position: Int64) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            if !state.started {
                state.started = true
                state.floor = position
                state.head = position
            }
            for entry in entries where entry.sequence > state.head && entry.isShownToVerifiers { Self.append(entry, to: &state, capacity: capacity) }
            guard position > state.head else { return [] }
            state.head = position
            return Self.takeWaiters(&state)
        }
        for waiter in woken { waiter.resume() }
    }

    private static func append(_ entry: Revocation, to state: inout State, capacity: Int) {
        state.tail.append(entry)
        // Trimmed in chunks so appending stays amortised O(1).
        if state.tail.count > capacity + capacity / 4 {
            let drop = state.tail.count - capacity
            state.floor = state.tail[drop - 1].sequence
            state.tail.removeFirst(drop)
        }
    }

    private static func takeWaiters(_ state: inout State) -> [CheckedContinuation<Void, Never>] {
        guard !state.waiters.isEmpty else { return [] }
        defer { state.waiters.removeAll() }
        return Array(state.waiters.values)
    }

    // MARK: Reading

    /// Entries of `instanceID` after `cursor`, at most `limit`. With `wait`, a long poll: when
    /// there is nothing yet, answers as soon as an entry for the instance lands, or empty at the deadline.
    func page(
        instanceID: String, after cursor: Int64, limit: Int = RevocationFeed.defaultPageLimit, wait: Duration = .zero
    ) async throws(StorageError) -> RevocationFeedPage {
        try await stream.start()
        let deadline = ContinuousClock.now + wait
        var cursor = cursor
        while true {
            let answer: RevocationFeedPage
            if let fromTail = fromTail(instanceID: instanceID, after: cursor, limit: limit) {
                answer = fromTail
            } else {
                answer = try await fromStore(instanceID: instanceID, after: cursor, limit: limit)
            }
            if !answer.entries.isEmpty || answer.snapshot || ContinuousClock.now >= deadline { return answer }
            cursor = answer.cursor
            await waitForEntries(beyond: cursor, until: deadline)
            if Task.isCancelled || state.withLock({ $0.closed }) { return RevocationFeedPage(entries: [], cursor: cursor, snapshot: false) }
        }
    }

    /// The answer from memory, or `nil` when the cursor is outside the tail.
    private func fromTail(instanceID: String, after cursor: Int64, limit: Int) -> RevocationFeedPage? {
        state.withLock { state -> RevocationFeedPage? in
            guard cursor >= state.floor, cursor <= state.head else { return nil }
            var low = 0
            var high = state.tail.count
            while low < high {
                let middle = (low + high) / 2
                if state.tail[middle].sequence <= cursor { low = middle + 1 } else { high = middle }
            }
            var entries: [Revocation] = []
            for entry in state.tail[low...] where entry.instanceID == instanceID {
                entries.append(entry)
                if entries.count == limit { return RevocationFeedPage(entries: entries, cursor: entry.sequence, snapshot: false) }
            }
            return RevocationFeedPage(entries: entries, cursor: state.head, snapshot: false)
        }
    }

    /// The answer from the table: for cursors older than the tail, ahead of it, or beyond the store.
    private func fromStore(instanceID: String, after cursor: Int64, limit: Int) async throws(StorageError) -> RevocationFeedPage {
        // Everything at or below this head was committed before the reads below.
        let head = state.withLock { $0.head }
        let bounds = try await store.revocationBounds()
        let snapshot: Bool
        if cursor > bounds.highestAssigned {
            // A cursor from another database (a restored backup, a new file): start over.
            snapshot = true
        } else if let lowest = bounds.lowestLive, cursor < lowest - 1 {
            // Entries after the cursor were pruned before the follower saw them.
            snapshot = true
        } else {
            snapshot = false
            if cursor > head { try await stream.catchUp() }
        }
        let read = try await store.revocations(instanceID: instanceID, after: snapshot ? 0 : cursor, limit: limit)
        let next: Int64
        if read.count == limit, let last = read.last {
            next = last.sequence
        } else {
            next = max(read.last?.sequence ?? 0, snapshot ? head : max(cursor, head))
        }
        return RevocationFeedPage(entries: read.filter(\.isShownToVerifiers), cursor: next, snapshot: snapshot)
    }

    /// Returns when the tail's head moves past `sequence`, at the deadline, or on cancellation.
    private func waitForEntries(beyond sequence: Int64, until deadline: ContinuousClock.Instant) async {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        let timer = Task {
            try? await Task.sleep(until: deadline, clock: .continuous)
            self.wake(id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.head > sequence || state.closed || Task.isCancelled || ContinuousClock.now >= deadline { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            self.wake(id)
        }
        timer.cancel()
    }

    private func wake(_ id: UInt64) {
        state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
    }

    /// Answers every long poll now and every later one at once, so a graceful shutdown is not held
    /// up by followers; they reconnect to the next server.
    public func close() {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.closed = true
            return Self.takeWaiters(&state)
        }
        for waiter in woken { waiter.resume() }
    }
}
