import COpenSSL
import Synchronization

/// A small pool of prepared OpenSSL contexts for one key.
///
/// OpenSSL contexts cannot be shared between threads, but preparing one (algorithm fetch,
/// padding, digest) costs microseconds, so each operation borrows a ready one and returns it.
/// Pointers are stored as bit patterns so the lock guards only `Sendable` integers.
final class ContextPool: Sendable {
    private let idle = Mutex<[UInt]>([])
    private let make: @Sendable () -> OpaquePointer?
    private let release: @Sendable (OpaquePointer) -> Void
    private static let maximumIdle = 32

    init(make: @escaping @Sendable () -> OpaquePointer?, release: @escaping @Sendable (OpaquePointer) -> Void) {
        self.make = make
        self.release = release
    }

    deinit {
        for bits in idle.withLock({ $0 }) {
            if let pointer = OpaquePointer(bitPattern: bits) { release(pointer) }
        }
    }

    /// Runs `body` with a context; `nil` when none could be made. A context whose use failed
    /// is discarded rather than returned, in case the failure left it in a bad state.
    @inline(__always)
    func withContext<Result>(_ body: (OpaquePointer) -> (Result, reusable: Bool)) -> Result? {
        let bits = idle.withLock { $0.popLast() }
        guard let context = bits.flatMap({ OpaquePointer(bitPattern: $0) }) ?? make() else { return nil }
        let (result, reusable) = body(context)
        if reusable {
            let kept = idle.withLock { contexts -> Bool in
                guard contexts.count < Self.maximumIdle else { return false }
                contexts.append(UInt(bitPattern: context))
                return true
            }
            if !kept { release(context) }
        } else {
            release(context)
        }
        return result
    }
}
