public import SessionStorage

/// The one ordered stream of committed revocations, which every in-memory view follows: the
/// feed's tail, the gateway's revocation list, the session cache and the credential cache.
///
/// Its only source is the store's revocation list read in sequence order, which is commit order
/// with no holes (Decision 0007), so every view sees the same entries in the same order whoever
/// committed them: this process, or another one on the same database. Two things wake it:
/// - a use case that has just committed an entry calls `deliver(_:)` and acknowledges only once
///   it returns, so by then every view of this process has the entry;
/// - `catchUp()`, run every few hundred milliseconds by the maintenance service, brings in what
///   other processes committed.
/// A view is a synchronous, cheap function of a batch of entries: it is called inside the stream,
/// in order, exactly once per entry.
public actor RevocationStream {
    /// Receives entries in sequence order and the stream's position after them. The first call,
    /// when the stream starts, has no entries and the position it starts from: everything at or
    /// below it was committed before the stream started and is the view's to load if it needs it.
    public typealias View = @Sendable (_ entries: [Revocation], _ position: Int64) -> Void

    static let pageLimit = 1000

    let store: any SessionStore
    /// The highest sequence delivered to the views.
    public private(set) var position: Int64 = 0
    private var started = false
    private var views: [View] = []
    /// A store read is under way; callers that need its result wait for it rather than read the
    /// same entries again (the actor is re-entered while the read is suspended).
    private var reading = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    /// Store reads started, and those that finished without an error: `catchUpFresh` waits for one
    /// that started after it was called, and every caller waiting meanwhile shares it.
    private var readsStarted: UInt64 = 0
    private var readsSucceeded: UInt64 = 0

    /// - Parameter views: followers known when the stream is made; others join with `follow(_:)`.
    public init(store: any SessionStore, views: [View] = []) {
        self.store = store
        self.views = views
    }

    /// Adds a view. A view added after the stream started gets the current position at once.
    public func follow(_ view: @escaping View) {
        views.append(view)
        if started { view([], position) }
    }

    /// Fixes the starting position at the highest sequence the store has assigned, once. Use cases
    /// call it before they commit an entry, so that the entry comes after the starting position.
    public func start() async throws(StorageError) {
        guard !started else { return }
        let bounds = try await store.revocationBounds()
        guard !started else { return }
        started = true
        position = bounds.highestAssigned
        for view in views { view([], position) }
    }

    /// Returns once `entry`, and every entry before it, has reached every view. A use case calls
    /// it after committing `entry` and before acknowledging the revocation. When `entry` directly
    /// follows the position (nothing else was committed in between, the usual case) it is handed
    /// on as it is, without reading the store.
    public func deliver(_ entry: Revocation) async throws(StorageError) {
        try await start()
        if !reading, entry.sequence == position + 1 {
            publish([entry])
            return
        }
        try await advance(through: entry.sequence)
    }

    /// Delivers whatever the store holds beyond the position: entries other processes committed.
    public func catchUp() async throws(StorageError) {
        try await start()
        try await advance(through: nil)
    }

    /// Returns once a read of the store that started after this call has been delivered: every entry
    /// committed before the call, by any process, has then reached every view. For a request that
    /// must see what another node committed before it arrived (read-after-write through a load
    /// balancer). Callers arriving together share one read, so a burst costs at most two.
    public func catchUpFresh() async throws(StorageError) {
        try await start()
        let needed = readsStarted + 1
        while readsSucceeded < needed {
            if reading {
                await withCheckedContinuation { waiters.append($0) }
                continue
            }
            // Not reading: the read `advance` starts now is number `needed` or later.
            try await advance(through: nil)
        }
    }

    /// The store is read for entries after the position until `target` is reached (or, without
    /// a target, until the store has no more); an entry that directly follows the position is
    /// the usual in-process case and costs no read.
    private func advance(through target: Int64?) async throws(StorageError) {
        while true {
            if let target, position >= target { return }
            if reading {
                await withCheckedContinuation { waiters.append($0) }
                // The read that finished may have started before our commit: look again.
                continue
            }
            reading = true
            defer {
                reading = false
                let woken = waiters
                waiters = []
                for waiter in woken { waiter.resume() }
            }
            readsStarted += 1
            while true {
                let entries = try await store.allRevocations(after: position, limit: Self.pageLimit)
                publish(entries)
                if entries.count < Self.pageLimit { break }
            }
            readsSucceeded = readsStarted
            if let target, position < target {
                // Committed but not readable: only a store that breaks its ordering rule does this.
                throw StorageError(.unavailable, "revocation \(target) is committed but the store returns entries only up to \(position)")
            }
            return
        }
    }

    private func publish(_ entries: [Revocation]) {
        // The store is always read after the position, so this drops nothing unless a driver
        // breaks its ordering rule; then it keeps every view from seeing an entry twice.
        let fresh = entries.filter { $0.sequence > position }
        guard let last = fresh.last else { return }
        position = last.sequence
        for view in views { view(fresh, position) }
    }
}
