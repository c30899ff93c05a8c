public import ServiceLifecycle
public import SessionManagement
import SessionVerification

/// Runs beside the HTTP server: keeps the revocation feed caught up and the list (in the store and
/// in the gateway's memory) pruned, drops the gateway's expired tokens, and on graceful shutdown answers the feed's long polls so they
/// do not hold the server open.
public struct RevocationMaintenance: Service {
    let manager: SessionManager
    let gateway: GatewayVerifier

    public init(manager: SessionManager, gateway: GatewayVerifier) {
        self.manager = manager
        self.gateway = gateway
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await cancelWhenGracefulShutdown {
                await withDiscardingTaskGroup { group in
                    group.addTask { await manager.maintainRevocations() }
                    group.addTask {
                        while !Task.isCancelled {
                            do { try await Task.sleep(for: .seconds(60)) } catch { return }
                            gateway.revocations.removeExpired(now: manager.now)
                            gateway.removeExpired(now: manager.now / 1000)
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            manager.feed.close()
        }
    }
}
