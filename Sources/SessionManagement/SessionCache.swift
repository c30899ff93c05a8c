import SessionStorage
import Synchronization

/// Sessions by id, as last read or written by this process, so that the hot paths (tokens, the
/// deprecated verify, `GET /v1/sessions/{id}`) need no database read.
///
/// A view of the `RevocationStream`: a session named by a committed revocation, from this process
/// or another, is dropped before the revocation is acknowledged here, so the next read goes to
/// the store and sees it revoked. A read that began before such a drop must not put back what it
/// read: `remember(_:readAt:)` keeps a session only if nothing was dropped since `generation`.
final class SessionCache: Sendable {
    struct State {
        var sessions: [String: Session] = [:]
        /// Moves on every drop.
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())
    private static let capacity = 200_000

    /// Read before a store read whose result will be remembered.
    var generation: UInt64 { state.withLock { $0.generation } }

    func session(instanceID: String, id: String) -> Session? {
        state.withLock { $0.sessions[id] }.flatMap { $0.instanceID == instanceID ? $0 : nil }
    }

    /// Keeps `session` unless a revocation dropped sessions after `generation` was read: the
    /// session may be one of them, read just before its revocation committed.
    func remember(_ session: Session, readAt generation: UInt64) {
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.sessions.count >= Self.capacity, state.sessions[session.id] == nil { state.sessions.removeAll(keepingCapacity: true) }
            state.sessions[session.id] = session
        }
    }

    /// The cache's view of the revocation stream.
    func apply(_ entries: [Revocation]) {
        state.withLock { state in
            for entry in entries {
                switch entry.target {
                case .session(let id):
                    state.sessions[id] = nil
                case .user(_, _, let sessionIDs):
                    // The entry lists every session the user had in the store, whichever process opened it.
                    for id in sessionIDs { state.sessions[id] = nil }
                case .secretKey, .signingKey:
                    continue
                }
                state.generation &+= 1
            }
        }
    }
}
