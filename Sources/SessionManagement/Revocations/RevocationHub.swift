public import SessionStorage
import Synchronization

/// Revocations as they commit in this process, handed to whoever keeps an in-memory view (the
/// server's verifier, later the feed's long poll). Subscribers are called after the store has
/// committed, so a subscriber never learns of a revocation that could still be rolled back.
public final class RevocationHub: Sendable {
    private let subscribers = Mutex<[@Sendable (Revocation) -> Void]>([])

    public init() {}

    public func subscribe(_ subscriber: @escaping @Sendable (Revocation) -> Void) {
        subscribers.withLock { $0.append(subscriber) }
    }

    func publish(_ revocation: Revocation) {
        for subscriber in subscribers.withLock({ $0 }) { subscriber(revocation) }
    }
}
