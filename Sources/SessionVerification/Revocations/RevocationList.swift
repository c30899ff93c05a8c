import Atomics
import Synchronization

/// An updatable revocation set shared by verifiers on many threads.
///
/// Readers are lock-free: one atomic load of the current generation, then plain lookups in
/// immutable dictionaries. Writers (serialised among themselves) publish a new generation: a new
/// entry goes into a small delta copied on each write, and the delta is folded into the base once
/// it grows past a few thousand entries, so a write costs O(delta) and the O(n) fold is amortised.
///
/// With `staleAfter`, the list also knows how fresh it is: a follower of the revocation feed
/// confirms it after each answer, and once the last confirmation is older than `staleAfter`, a
/// verifier using the list refuses every token (`revocationsStale`) instead of trusting a list
/// that may be missing revocations. Ages use the monotonic clock, so wall-clock steps do not move them.
public final class RevocationList: Sendable {
    final class Generation: AtomicReference, Sendable {
        let base: RevocationSnapshot
        /// Built with the base: most lookups of unrevoked sessions end at one bit, without hashing
        /// into (and missing the cache on) a table of millions.
        let baseFilter: SessionFilter
        let delta: RevocationSnapshot
        let confirmedAt: ContinuousClock.Instant?

        init(base: RevocationSnapshot, baseFilter: SessionFilter? = nil, delta: RevocationSnapshot, confirmedAt: ContinuousClock.Instant?) {
            self.base = base
            self.baseFilter = baseFilter ?? SessionFilter(base.compactSessions.keys)
            self.delta = delta
            self.confirmedAt = confirmedAt
        }

        /// The same rule as `RevocationSnapshot.isRevoked`: by session when the token has a `sid`,
        /// by the user's cut-off when it has none.
        @inline(__always)
        func isRevoked(sessionID: String?, userID: String?, issuedAt: Int64) -> Bool {
            if let sessionID {
                let key = RevocationSnapshot.compactKey(sessionID)
                if delta.containsSession(sessionID, key: key) { return true }
                return key.map(baseFilter.mightContain) ?? true ? base.containsSession(sessionID, key: key) : false
            }
            return delta.isUserRevoked(userID, issuedAt: issuedAt) || base.isUserRevoked(userID, issuedAt: issuedAt)
        }

        /// Whether `clientID` needs reading at all: the user has a revoked consent on the list.
        @inline(__always)
        func hasConsents(of userID: String?) -> Bool {
            delta.hasConsents(of: userID) || base.hasConsents(of: userID)
        }

        func isConsentRevoked(userID: String, clientID: String, issuedAt: Int64) -> Bool {
            delta.isConsentRevoked(userID: userID, clientID: clientID, issuedAt: issuedAt)
                || base.isConsentRevoked(userID: userID, clientID: clientID, issuedAt: issuedAt)
        }
    }

    /// What a verifier learns about one token.
    enum Check {
        case clear
        case revoked
        /// The list was last confirmed this long ago (or never).
        case stale(Duration?)
    }

    /// The delta size at which it is folded into the base.
    static let deltaLimit = 4096

    public let staleAfter: Duration?
    private let current: ManagedAtomic<Generation>
    private let writer = Mutex(())

    /// - Parameter staleAfter: fail closed once the list has not been confirmed for this long;
    ///   `nil` for a list that is updated in process and cannot fall behind.
    public init(_ snapshot: RevocationSnapshot = RevocationSnapshot(), staleAfter: Duration? = nil) {
        self.staleAfter = staleAfter
        current = ManagedAtomic(Generation(base: snapshot, delta: RevocationSnapshot(), confirmedAt: nil))
    }

    // MARK: Reading

    @inline(__always)
    func check(sessionID: String?, userID: String?, issuedAt: Int64) -> Check {
        let generation = current.load(ordering: .acquiring)
        if let staleAfter {
            guard let confirmedAt = generation.confirmedAt else { return .stale(nil) }
            let age = ContinuousClock.now - confirmedAt
            if age > staleAfter { return .stale(age) }
        }
        return generation.isRevoked(sessionID: sessionID, userID: userID, issuedAt: issuedAt) ? .revoked : .clear
    }

    /// Whether a consent entry could concern this user's tokens (then ask `isConsentRevoked` with
    /// the token's `client_id`).
    @inline(__always)
    public func hasConsents(of userID: String?) -> Bool {
        current.load(ordering: .acquiring).hasConsents(of: userID)
    }

    /// Whether the user's token for `clientID` issued at `issuedAt` (Unix seconds) falls under a revoked consent.
    public func isConsentRevoked(userID: String, clientID: String, issuedAt: Int64) -> Bool {
        current.load(ordering: .acquiring).isConsentRevoked(userID: userID, clientID: clientID, issuedAt: issuedAt)
    }

    @inline(__always)
    public func isRevoked(sessionID: String?, userID: String?, issuedAt: Int64) -> Bool {
        current.load(ordering: .acquiring).isRevoked(sessionID: sessionID, userID: userID, issuedAt: issuedAt)
    }

    /// Every entry, merged.
    public var snapshot: RevocationSnapshot {
        let generation = current.load(ordering: .acquiring)
        var merged = generation.base
        merged.merge(generation.delta)
        return merged
    }

    /// Entries held (an entry repeated in the delta counts twice until the next fold).
    public var count: Int {
        let generation = current.load(ordering: .acquiring)
        return generation.base.count + generation.delta.count
    }

    /// How long ago the list was last confirmed current, `nil` if never.
    public var age: Duration? {
        current.load(ordering: .acquiring).confirmedAt.map { ContinuousClock.now - $0 }
    }

    // MARK: Writing

    /// Adds entries; with `confirmedAt`, also records that the list was current at that instant.
    public func update(confirmedAt: ContinuousClock.Instant? = nil, _ change: (inout RevocationSnapshot) -> Void) {
        writer.withLock { _ in
            let old = current.load(ordering: .acquiring)
            var base = old.base
            var delta = old.delta
            change(&delta)
            var filter: SessionFilter? = old.baseFilter
            if delta.count > Self.deltaLimit {
                base.merge(delta)
                delta = RevocationSnapshot()
                filter = nil
            }
            current.store(
                Generation(base: base, baseFilter: filter, delta: delta, confirmedAt: confirmedAt ?? old.confirmedAt), ordering: .releasing)
        }
    }

    /// Replaces every entry (a follower's snapshot), optionally confirming the list at that instant.
    public func replace(with snapshot: RevocationSnapshot, confirmedAt: ContinuousClock.Instant? = nil) {
        writer.withLock { _ in
            let old = current.load(ordering: .acquiring)
            current.store(Generation(base: snapshot, delta: RevocationSnapshot(), confirmedAt: confirmedAt ?? old.confirmedAt), ordering: .releasing)
        }
    }

    /// Records that the list was current at `instant`.
    public func confirm(at instant: ContinuousClock.Instant = .now) {
        update(confirmedAt: instant) { _ in }
    }

    /// Drops entries past their retain-until at `now` (Unix milliseconds); returns how many.
    @discardableResult
    public func removeExpired(now: Int64) -> Int {
        writer.withLock { _ in
            let old = current.load(ordering: .acquiring)
            var merged = old.base
            merged.merge(old.delta)
            let kept = merged.removingExpired(now: now)
            current.store(Generation(base: kept, delta: RevocationSnapshot(), confirmedAt: old.confirmedAt), ordering: .releasing)
            return merged.count - kept.count
        }
    }

    public func revokeConsent(userID: String, clientID: String, notBefore: Int64, retainUntil: Int64 = .max) {
        update { $0.revokeConsent(userID: userID, clientID: clientID, notBefore: notBefore, retainUntil: retainUntil) }
    }

    public func revokeSession(_ sessionID: String, retainUntil: Int64 = .max) {
        update { $0.revokeSession(sessionID, retainUntil: retainUntil) }
    }

    /// Revokes every token of `userID` without `sid` issued at or before `instant` (Unix milliseconds).
    public func revokeUser(_ userID: String, notBefore instant: Int64, retainUntil: Int64 = .max) {
        update { $0.revokeUser(userID, notBefore: instant, retainUntil: retainUntil) }
    }

    /// Applies a user-wide entry: the sessions it lists, and its cut-off for tokens without `sid`.
    public func revokeUser(_ userID: String, notBefore instant: Int64, sessionIDs: [String], retainUntil: Int64 = .max) {
        update { $0.revokeUser(userID, notBefore: instant, sessionIDs: sessionIDs, retainUntil: retainUntil) }
    }
}
