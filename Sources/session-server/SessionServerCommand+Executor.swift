import NIOCore
import NIOPosix

extension SessionServerCommand {
    /// Runs Swift Concurrency's global executor on NIO's event loops (Decision 0017).
    ///
    /// Hummingbird reads a request on an event loop and runs its handler in a task; with the default
    /// executor that task runs on the cooperative pool, and every request then crosses threads twice
    /// (loop → pool → loop). On two cores those hops, not the handlers, were most of the cost of the
    /// cheap routes: in one `Tests/Benchmarks/http-ab-compare.sh` run of 4 rounds, the routes' ratios
    /// to the trivial route rose by a median ×1.29 (`GET /v1/verify`), ×1.40 (the deprecated verify),
    /// ×1.50 (token mint) and ×1.85 (the user side's list). Nothing in the server blocks a thread
    /// while it waits: the store's I/O runs on GRDB's own queues, and every wait is an `await`.
    ///
    /// Called first, on the main thread, before the server starts any task; if another component
    /// installed a hook first, the default executor stays, which is correct, only slower.
    static func runConcurrencyOnEventLoops() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
