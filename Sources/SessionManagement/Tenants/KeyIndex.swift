import Synchronization

/// Which tenant a signing key (`kid`) belongs to: how the user side finds the tenant of a session
/// token from its header alone, before anything of the payload is read (verify before decoding).
/// Filled from the store on a miss, at most once per `refreshInterval`, so a stream of made-up
/// `kid`s costs one read a second, not one per request. Keys are never reused across tenants, so
/// what is learnt is only ever added: the keys of every tenant this process loads go in at once
/// (`add`), and a refresh that read the store just before such a tenant existed cannot drop them.
final class KeyIndex: Sendable {
    private struct State {
        var tenantByKeyID: [String: String] = [:]
        var refreshedAt: ContinuousClock.Instant?
    }

    static let refreshInterval = Duration.seconds(1)
    private let state = Mutex(State())

    func instanceID(forKeyID keyID: String) -> String? {
        state.withLock { $0.tenantByKeyID[keyID] }
    }

    /// Whether a refresh may run now; claims it if so.
    func claimRefresh(now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { state in
            if let last = state.refreshedAt, now - last < Self.refreshInterval { return false }
            state.refreshedAt = now
            return true
        }
    }

    func add(_ map: [String: String]) {
        state.withLock { $0.tenantByKeyID.merge(map) { _, read in read } }
    }
}
