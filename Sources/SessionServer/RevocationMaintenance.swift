public import Logging
public import ServiceLifecycle
public import SessionManagement
import SessionStorage
import SessionVerification

/// Runs beside the HTTP server: keeps every view caught up with the revocation stream (rotations
/// included) and the list (in the store and in the gateway's memory) pruned, drops the gateway's
/// expired tokens, rotates signing keys on schedule when asked to, and on graceful shutdown answers
/// the feed's long polls so they do not hold the server open. On a store several nodes share, the
/// pruning and rotation jobs run on one node at a time (`SessionManager.exclusively`).
public struct RevocationMaintenance: Service {
    let manager: SessionManager
    let gateway: GatewayVerifier
    let rotationInterval: Int64?
    let auditRetention: Int64?
    let logger: Logger

    public init(
        manager: SessionManager, gateway: GatewayVerifier, rotationInterval: Int64? = nil, auditRetention: Int64? = nil,
        logger: Logger = Logger(label: "tessera")
    ) {
        self.auditRetention = auditRetention
        self.manager = manager
        self.gateway = gateway
        self.rotationInterval = rotationInterval
        self.logger = logger
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
                    if let auditRetention {
                        group.addTask {
                            while !Task.isCancelled {
                                do { try await Task.sleep(for: .seconds(60)) } catch { return }
                                _ = await manager.exclusively(.auditPruning) {
                                    do {
                                        for tenant in try await manager.tenants() {
                                            let removed = try await manager.pruneAudit(in: tenant, before: manager.now - auditRetention)
                                            if removed > 0 { logger.info("audit events pruned", metadata: ["tenant": "\(tenant.slug)", "removed": "\(removed)"]) }
                                        }
                                    } catch {
                                        logger.error("audit pruning failed; retrying", metadata: ["error": "\(error)"])
                                    }
                                }
                                do { try await Task.sleep(for: .seconds(3540)) } catch { return }
                            }
                        }
                    }
                    if let rotationInterval {
                        group.addTask {
                            while !Task.isCancelled {
                                // One node rotates; the others learn of the new key from the stream.
                                _ = await manager.exclusively(.signingKeyRotation) {
                                    do {
                                        let rotated = try await manager.rotateDueSigningKeys(every: rotationInterval)
                                        if !rotated.isEmpty { logger.notice("signing keys rotated on schedule", metadata: ["tenants": "\(rotated)"]) }
                                    } catch {
                                        logger.error("scheduled signing-key rotation failed; retrying", metadata: ["error": "\(error)"])
                                    }
                                }
                                do { try await Task.sleep(for: .seconds(60)) } catch { return }
                            }
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            manager.feed.close()
        }
    }
}
