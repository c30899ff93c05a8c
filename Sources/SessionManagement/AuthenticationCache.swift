import SessionStorage
import Synchronization

/// Recently authenticated secret keys, by the SHA-256 of the key, for a short time.
///
/// Every `/v1` request authenticates; reading the key and its instance from the database each time
/// was most of the cost of the cheap endpoints. Entries expire after `lifetime` so that a key
/// revoked in the database stops working within that time on every instance of the service.
final class AuthenticationCache: Sendable {
    private let entries = Mutex<[[UInt8]: (instance: Instance, until: Int64)]>([:])
    private let lifetime: Int64
    private static let capacity = 1024

    init(lifetime: Int64) { self.lifetime = lifetime }

    func instance(forHash hash: [UInt8], now: Int64) -> Instance? {
        entries.withLock { entries in
            guard let entry = entries[hash] else { return nil }
            guard entry.until > now else {
                entries[hash] = nil
                return nil
            }
            return entry.instance
        }
    }

    func remember(_ instance: Instance, forHash hash: [UInt8], now: Int64) {
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[hash] = (instance, now + lifetime)
        }
    }
}
