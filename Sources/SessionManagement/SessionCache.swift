import SessionCaching
import SessionStorage
import Synchronization

/// Active sessions by id, as last read or written by this process, so that the hot paths (tokens,
/// the deprecated verify, `GET /v1/sessions/{id}`) need no database read.
///
/// A view of the `RevocationStream`: a session named by a committed revocation, from this process
/// or another, is dropped before the revocation is acknowledged here, so the next read goes to
/// the store and sees it revoked. A read that began before such a drop must not put back what it
/// read: `remember(_:readAt:)` keeps a session only if nothing was dropped since `generation`.
///
/// Bounded in bytes (`--session-cache-bytes`): a session leaves once it has expired or been
/// abandoned, else when it is the least recently used and room is needed. Only active sessions are
/// kept: a revoked or ended one never becomes active again, and the store answers for it the same.
final class SessionCache: Sendable {
    struct State {
        var sessions: BoundedCache<String, Session>
        /// Moves on every drop.
        var generation: UInt64 = 0
        /// The stream has started and calls this view: a revocation committed before its starting
        /// position never reaches the cache, so nothing is kept before then.
        var following = false
    }

    private let state: Mutex<State>
    /// Now, in Unix milliseconds.
    private let clock: @Sendable () -> Int64

    init(byteBudget: Int = ManagementConfiguration.defaultSessionCacheBytes, clock: @escaping @Sendable () -> Int64) {
        state = Mutex(State(sessions: BoundedCache(budget: byteBudget, granularity: 1000)))
        self.clock = clock
    }

    /// Read before a store read whose result will be remembered.
    var generation: UInt64 { state.withLock { $0.generation } }

    /// The bytes and entries held, for tests and diagnostics.
    var usage: (bytes: Int, count: Int, budget: Int) {
        state.withLock { ($0.sessions.byteCount, $0.sessions.count, $0.sessions.budget) }
    }

    func session(instanceID: String, id: String) -> Session? {
        let now = clock()
        return state.withLock { $0.sessions.value(forKey: id, now: now) }.flatMap { $0.instanceID == instanceID ? $0 : nil }
    }

    /// Keeps `session` unless a revocation dropped sessions after `generation` was read: the
    /// session may be one of them, read just before its revocation committed.
    func remember(_ session: Session, readAt generation: UInt64) {
        let now = clock()
        state.withLock { state in
            guard session.status == .active else {
                state.sessions.removeValue(forKey: session.id)
                return
            }
            guard state.following, state.generation == generation else { return }
            state.sessions.insert(
                session, forKey: session.id, bytes: session.heapBytes, expiresAt: min(session.expireAt, session.abandonAt), now: now)
        }
    }

    /// The cache's view of the revocation stream.
    func apply(_ entries: [Revocation]) {
        state.withLock { state in
            state.following = true
            for entry in entries {
                switch entry.target {
                case .session(let id): state.sessions.removeValue(forKey: id)
                case .user(_, _, let sessionIDs), .otherSessions(_, _, _, let sessionIDs):
                    // The entry lists every session the user had in the store, whichever process opened it.
                    for id in sessionIDs { state.sessions.removeValue(forKey: id) }
                case .secretKey, .signingKey, .userUpdated, .templateChanged, .consent, .tenantChanged:
                    continue
                }
                state.generation &+= 1
            }
        }
    }
}
