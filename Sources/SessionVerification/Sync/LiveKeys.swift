import Atomics

/// Verification keys that a follower of the JWKS replaces while verifiers read them, lock-free.
///
/// A token naming a `kid` the current keys lack raises a refresh request (a flag the follower
/// reads), so a key published by a rotation is fetched without waiting for the cache lifetime.
public final class LiveKeys: Sendable {
    final class Generation: AtomicReference, Sendable {
        let keys: VerifierKeys
        let fetchedAt: ContinuousClock.Instant?

        init(keys: VerifierKeys, fetchedAt: ContinuousClock.Instant?) {
            self.keys = keys
            self.fetchedAt = fetchedAt
        }
    }

    private let current: ManagedAtomic<Generation>
    private let refreshWanted = ManagedAtomic<Bool>(false)

    /// Starts with `keys`, or none: until the first fetch every token is `unknownKeyID`.
    public init(_ keys: VerifierKeys = .none) {
        current = ManagedAtomic(Generation(keys: keys, fetchedAt: nil))
    }

    public var keys: VerifierKeys { current.load(ordering: .acquiring).keys }

    /// How long ago the keys were last fetched, `nil` if never.
    public var age: Duration? { current.load(ordering: .acquiring).fetchedAt.map { ContinuousClock.now - $0 } }

    public func replace(with keys: VerifierKeys, fetchedAt: ContinuousClock.Instant = .now) {
        current.store(Generation(keys: keys, fetchedAt: fetchedAt), ordering: .releasing)
    }

    /// Asks the follower to fetch the keys again (a token named a `kid` we do not have).
    func requestRefresh() {
        if !refreshWanted.load(ordering: .relaxed) { refreshWanted.store(true, ordering: .relaxed) }
    }

    public var isRefreshRequested: Bool { refreshWanted.load(ordering: .relaxed) }

    /// Whether a refresh was asked for since the last call.
    public func takeRefreshRequest() -> Bool {
        refreshWanted.exchange(false, ordering: .acquiringAndReleasing)
    }
}
