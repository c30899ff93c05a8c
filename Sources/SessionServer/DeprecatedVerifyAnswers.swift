import NIOCore
import SessionCaching
import SessionManagement
import SessionStorage
import Synchronization

/// The deprecated verify's 200 bodies, each rendered once per version of a session (Decision 0020).
///
/// Only the rendering is kept. Everything the route checks still runs on every request, before
/// this cache is asked: the token (or the gateway's cached verdict on it), the revocation list,
/// that the token belongs to the session in the path, and that the session is active. An entry is
/// keyed by the tenant of the secret key and the session id of the path, and holds the session it
/// was rendered from: a body is reused only for a session equal to it in every field, so a
/// session that changed in any way (activity, status, lifetime) is rendered again.
///
/// Bounded in bytes like the other caches (Decision 0011): entries leave when their session ends,
/// else least recently used first.
final class DeprecatedVerifyAnswers: Sendable {
    struct Key: Hashable, Sendable {
        let instanceID: String
        let sessionID: String
    }

    struct Entry: Sendable {
        let session: Session
        let body: ByteBuffer
    }

    /// About 1 600 sessions with their bodies; never more than the gateway's own budget, so that
    /// `--gateway-cache-bytes 0` turns this cache off too.
    static let defaultBudget = 2 << 20

    /// In Unix seconds.
    private let cache: Mutex<BoundedCache<Key, Entry>>

    init(budget: Int) {
        cache = Mutex(BoundedCache(budget: budget))
    }

    /// The body for `session`, an active session of `instanceID` that the route has just checked,
    /// at `now` (Unix seconds): the kept one when it was rendered from an equal session, else
    /// `render`'s, kept until the session's end.
    func body(for session: Session, instanceID: String, now: Int64, render: (Session) -> ByteBuffer) -> ByteBuffer {
        let key = Key(instanceID: instanceID, sessionID: session.id)
        if let entry = cache.withLock({ $0.value(forKey: key, now: now) }), entry.session == session { return entry.body }
        let body = render(session)
        // The first second from which the session is over, whichever way it ends (milliseconds up to seconds).
        let endsAt = min(session.expireAt, session.abandonAt) / 1000 + 1
        let bytes = Self.heapBytes(key) + session.heapBytes + HeapBytes.allocation(64) + HeapBytes.allocation(body.capacity)
        cache.withLock { _ = $0.insert(Entry(session: session, body: body), forKey: key, bytes: bytes, expiresAt: endsAt, now: now) }
        return body
    }

    /// The cache's bytes and entries, for tests and diagnostics.
    var usage: (bytes: Int, count: Int, budget: Int) {
        cache.withLock { ($0.byteCount, $0.count, $0.budget) }
    }

    private static func heapBytes(_ key: Key) -> Int {
        HeapBytes.string(key.instanceID) + HeapBytes.string(key.sessionID)
    }
}
