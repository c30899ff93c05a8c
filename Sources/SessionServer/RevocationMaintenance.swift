public import ServiceLifecycle
public import SessionManagement

/// Runs beside the HTTP server: keeps the revocation feed caught up and the list pruned, and on
/// graceful shutdown answers the feed's long polls so they do not hold the server open.
public struct RevocationMaintenance: Service {
    let manager: SessionManager

    public init(manager: SessionManager) {
        self.manager = manager
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await cancelWhenGracefulShutdown { await manager.maintainRevocations() }
        } onGracefulShutdown: {
            manager.feed.close()
        }
    }
}
