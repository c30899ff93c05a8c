import SessionStorage
import Synchronization

/// Recently authenticated secret keys, by the SHA-256 of the key, for a short time.
///
/// Every `/v1` request authenticates; reading the key and its instance from the database each time
/// was most of the cost of the cheap endpoints. A view of the `RevocationStream`: a revoked key is
/// dropped before its revocation is acknowledged here, and within the stream's catch-up interval
/// in every other process. Entries also expire after `lifetime`, so that even a store changed
/// behind the service's back is believed again within that time.
final class AuthenticationCache: Sendable {
    struct Entry {
        var instance: Instance
        var keyID: String
        var until: Int64
    }

    struct State {
        var entries: [[UInt8]: Entry] = [:]
        /// Moves on every drop, so that a store read that began before a revocation is not cached.
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())
    private let lifetime: Int64
    private static let capacity = 1024

    init(lifetime: Int64) { self.lifetime = lifetime }

    var generation: UInt64 { state.withLock { $0.generation } }

    func instance(forHash hash: [UInt8], now: Int64) -> Instance? {
        state.withLock { state in
            guard let entry = state.entries[hash] else { return nil }
            guard entry.until > now else {
                state.entries[hash] = nil
                return nil
            }
            return entry.instance
        }
    }

    func remember(_ instance: Instance, keyID: String, forHash hash: [UInt8], now: Int64, readAt generation: UInt64) {
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.entries.count >= Self.capacity { state.entries.removeAll(keepingCapacity: true) }
            state.entries[hash] = Entry(instance: instance, keyID: keyID, until: now + lifetime)
        }
    }

    /// The cache's view of the revocation stream.
    func apply(_ entries: [Revocation]) {
        state.withLock { state in
            for entry in entries {
                guard case .secretKey(let id) = entry.target else { continue }
                state.entries = state.entries.filter { $0.value.keyID != id }
                state.generation &+= 1
            }
        }
    }
}
