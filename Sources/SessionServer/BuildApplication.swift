import CoreMetrics
public import Hummingbird
public import Logging
public import ServiceLifecycle
public import SessionCrypto
public import SessionManagement
public import SessionStorage

/// What `buildApplication` returns: the HTTP application, the services that must run beside it
/// (after it in a service group, so that a graceful shutdown reaches them first), and the core
/// they share, for tests that look behind the HTTP surface.
public struct BuiltApplication: Sendable {
    public let application: Application<RouterResponder<ServerContext>>
    public let services: [any Service]
    public let manager: SessionManager
    public let gateway: GatewayVerifier
    /// The application's metrics, over the registry it was given (`GET /metrics` answers them).
    public let metrics: TesseraMetrics
    /// Every route the router serves, as `METHOD /path/:parameter`: the OpenAPI contract test checks
    /// each one is documented.
    public let routes: [String]
}

/// Builds the whole server: the executable calls this and so do the tests, so no test wires the
/// server by hand.
///
/// - Parameters:
///   - initialSigningKey: the default tenant's first signing key when the store has none (the
///     development key directory's), else one is generated.
///   - announce: receives the start-up banner once the port is bound (with the keys shown once).
///   - metrics: where the metrics go; a registry of its own by default, so that applications built
///     in one process (tests) never share counters. The executable passes the one it exports.
public func buildApplication(
    _ configuration: TesseraConfiguration, store: any SessionStore, keyEncryption: KeyEncryptionKeys, initialSigningKey: SigningKey? = nil,
    clock: @escaping @Sendable () -> Int64, logger: Logger = Logger(label: "tessera"), metrics: TesseraMetrics = TesseraMetrics(),
    announce: @escaping @Sendable (String) -> Void = { _ in }
) async throws -> BuiltApplication {
    let manager = SessionManager(
        store: store, configuration: configuration.management, keyEncryption: keyEncryption,
        events: metrics.count(.securityLog(logger)), clock: clock)
    let sealing = try await manager.sealTemplateKeys()
    let resealed = try await manager.resealSigningKeys()
    logger.info(
        "template signing keys sealed at rest",
        metadata: [
            "kek": "\(keyEncryption.current.id)", "sealed": "\(sealing.sealed)", "resealed": "\(sealing.resealed)", "unchanged": "\(sealing.unchanged)",
        ])
    if resealed > 0 { logger.info("tenant signing keys re-sealed under the current key-encryption key", metadata: ["resealed": "\(resealed)"]) }
    let (instance, needsFirstKey) = try await manager.prepareDefaultInstance(secretKey: configuration.secretKey, signingKey: initialSigningKey)
    // A given operator key is stored now (it is known); a generated one only once the port is bound, as below.
    if let operatorKey = configuration.operatorKey { _ = try await manager.bootstrapOperatorKey(operatorKey) }
    let gateway = try await GatewayVerifier.make(manager: manager, cacheBytes: configuration.server.gatewayCacheBytes)
    await manager.revocations.follow { [metrics] entries, _ in
        // After the gateway's own view (views run in the order they follow): the entry is effective here.
        let now = manager.now
        for entry in entries { metrics.revocationDelivery.recordMilliseconds(max(0, now - entry.revokedAt)) }
    }
    let router = Router(context: ServerContext.self)
    // Outermost, so that every request is counted, timed and logged once, unknown routes included.
    router.add(middleware: ObservabilityMiddleware(metrics: metrics))
    // One route group per surface, each with its own authenticator and error body. The Backend API
    // and the gateway render their own errors in their responders and come before the error
    // middleware, so that they run without its layer (Decision 0021).
    ClerkRoutes(manager: manager, configuration: configuration.server, gateway: gateway).register(router)
    GatewayRoutes(manager: manager, gateway: gateway, claimHeaders: configuration.server.gatewayClaimHeaders).register(router)
    // Wraps every route added after it, and what no route serves (unknown paths and methods), so
    // that those get their surface's error body too.
    router.add(middleware: ErrorMiddleware())
    PublicRoutes(manager: manager).register(router)
    ObservabilityRoutes(
        manager: manager, metrics: metrics, metricsToken: configuration.server.metricsToken,
        rotationInterval: configuration.signingKeyRotationInterval
    ).register(router)
    OperatorRoutes(manager: manager, configuration: configuration.server).register(router)
    let activity = ActivityRecorder(trustedProxies: configuration.server.trustedProxies, geoIPDatabase: configuration.server.geoIPDatabase)
    AdminRoutes(manager: manager, configuration: configuration.server, activity: activity).register(router)
    UserSideRoutes(manager: manager, gateway: gateway, activity: activity, rateLimits: configuration.server.rateLimits).register(router)
    let host = configuration.host
    let port = configuration.port
    let operatorKeyGiven = configuration.operatorKey != nil
    let banner = "Tessera listening on http://\(host):\(port)  (\(configuration.storeDescription), tenant default \(instance.id))\n"
    let application = Application(
        router: router, server: configuration.timeouts.http1,
        configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "Tessera"),
        onServerRunning: { _ in
            // The default tenant's first secret key and the operator key are created here, once the
            // port is bound (Hummingbird awaits this before it accepts a connection), and shown right
            // after they commit: a start that cannot bind stores no key that nobody saw, and the next
            // start creates and shows one.
            var text = banner
            if needsFirstKey {
                do {
                    let key = try await manager.addSecretKey(to: instance)
                    text += "Test secret key (shown once; set TESSERA_SECRET_KEY to choose your own): \(key)\n"
                } catch {
                    logger.error("cannot create the default tenant's first secret key; restart to try again", metadata: ["error": "\(error)"])
                }
            }
            if !operatorKeyGiven {
                do {
                    if let key = try await manager.bootstrapOperatorKey(nil) {
                        text += "Operator key (shown once; set TESSERA_OPERATOR_KEY to choose your own): \(key)\n"
                    }
                } catch {
                    logger.error("cannot create the operator key; restart to try again", metadata: ["error": "\(error)"])
                }
            }
            announce(text)
        }, logger: logger)
    let maintenance = RevocationMaintenance(
        manager: manager, gateway: gateway, rotationInterval: configuration.signingKeyRotationInterval, auditRetention: configuration.auditRetention,
        logger: logger)
    return BuiltApplication(
        application: application, services: [maintenance], manager: manager, gateway: gateway, metrics: metrics, routes: router.routes.map(\.description))
}
