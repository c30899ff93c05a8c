import SessionCaching
import SessionStorage
import Synchronization

/// Recently authenticated secret keys, by the SHA-256 of the key, for a short time.
///
/// Every `/v1` request authenticates; reading the key and its instance from the database each time
/// was most of the cost of the cheap endpoints. A view of the `RevocationStream`: a revoked key is
/// dropped before its revocation is acknowledged here, and within the stream's catch-up interval
/// in every other process. Entries also expire after `lifetime`, so that even a store changed
/// behind the service's back is believed again within that time. Bounded in bytes
/// (`--credential-cache-bytes`): expired keys leave first, then the least recently used.
final class AuthenticationCache: Sendable {
    struct Entry {
        var instance: Instance
        var keyID: String
    }

    struct State {
        var entries: BoundedCache<[UInt8], Entry>
        /// Moves on every drop, so that a store read that began before a revocation is not cached.
        var generation: UInt64 = 0
        /// The stream has started and calls this view: before, a revocation could commit unseen.
        var following = false
    }

    private let state: Mutex<State>
    private let lifetime: Int64

    /// - Parameter lifetime: how long a key is trusted, in milliseconds.
    init(lifetime: Int64, byteBudget: Int = ManagementConfiguration.defaultAuthenticationCacheBytes) {
        self.lifetime = lifetime
        state = Mutex(State(entries: BoundedCache(budget: byteBudget, granularity: 1000)))
    }

    var generation: UInt64 { state.withLock { $0.generation } }

    /// The bytes and entries held, for tests and diagnostics.
    var usage: (bytes: Int, count: Int, budget: Int) {
        state.withLock { ($0.entries.byteCount, $0.entries.count, $0.entries.budget) }
    }

    func instance(forHash hash: [UInt8], now: Int64) -> Instance? {
        state.withLock { $0.entries.value(forKey: hash, now: now)?.instance }
    }

    func key(forHash hash: [UInt8], now: Int64) -> (Instance, keyID: String)? {
        state.withLock { $0.entries.value(forKey: hash, now: now).map { ($0.instance, $0.keyID) } }
    }

    func remember(_ instance: Instance, keyID: String, forHash hash: [UInt8], now: Int64, readAt generation: UInt64) {
        let bytes = HeapBytes.array(hash) + HeapBytes.string(instance.id) + HeapBytes.string(keyID)
        state.withLock { state in
            guard state.following, state.generation == generation else { return }
            state.entries.insert(Entry(instance: instance, keyID: keyID), forKey: hash, bytes: bytes, expiresAt: now + lifetime, now: now)
        }
    }

    /// The cache's view of the revocation stream.
    func apply(_ entries: [Revocation]) {
        state.withLock { state in
            state.following = true
            for entry in entries {
                switch entry.target {
                case .secretKey(let id): state.entries.removeAll { $1.keyID == id }
                // The instance kept with each key carries the tenant's settings.
                case .tenantChanged(let id): state.entries.removeAll { $1.instance.id == id }
                default: continue
                }
                state.generation &+= 1
            }
        }
    }
}
