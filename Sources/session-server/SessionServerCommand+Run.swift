import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals
import SessionCrypto
import SessionManagement
import SessionGeo
import SessionNetwork
import SessionServer
import SessionStorage
import SessionTokens

extension SessionServerCommand {
    /// Checks every setting before anything is written, then wires the store, keys and services and runs them.
    func run() async throws {
        Self.fixAllocatorThreshold()
        let onEventLoops = Self.runConcurrencyOnEventLoops()
        let (format, level) = try Self.logSettings(format: logFormat, level: logLevel)
        Self.bootstrapLogging(format: format, level: level)
        let metrics = Self.bootstrapMetrics()
        var logger = Logger(label: "tessera")
        logger.logLevel = level
        if !onEventLoops { logger.notice("Swift Concurrency's executor was already replaced; handlers run off the event loops (slower)") }
        // Every setting is checked before anything is written, so a refused start leaves nothing behind.
        let databaseSetting = try Self.databaseSetting(database)
        if case .postgres = databaseSetting { try requireGivenKeyEncryptionKey() }
        let port = try Self.portSetting.resolve(port)
        let maximumTokenLifetime = try Self.tokenLifetimeSetting.resolve(maximumTokenLifetime)
        let defaultTokenLifetime = try Self.tokenDefaultLifetimeSetting.resolve(tokenLifetime)
        guard defaultTokenLifetime <= maximumTokenLifetime else {
            throw ValidationError("--token-lifetime (\(defaultTokenLifetime)) must not exceed --max-token-lifetime (\(maximumTokenLifetime))")
        }
        let sessionLifetime = try Self.sessionLifetimeSetting.resolve(sessionLifetime)
        let abandonAfter = try Self.abandonAfterSetting.resolve(abandonAfter)
        guard abandonAfter >= sessionLifetime else {
            throw ValidationError("--abandon-after (\(abandonAfter) s) must be at least --session-lifetime (\(sessionLifetime) s)")
        }
        let activityInterval = try Self.activityIntervalSetting.resolve(activityInterval)
        let leeway = try Self.leewaySetting.resolve(leeway)
        let maximumBodyBytes = try Self.bodySetting.resolve(maximumBodyBytes)
        let gatewayCacheBytes = try Self.gatewayCacheSetting.resolve(gatewayCacheBytes)
        let sessionCacheBytes = try Self.sessionCacheSetting.resolve(sessionCacheBytes)
        let credentialCacheBytes = try Self.credentialCacheSetting.resolve(credentialCacheBytes)
        let userCacheBytes = try Self.userCacheSetting.resolve(userCacheBytes)
        let templateCacheBytes = try Self.templateCacheSetting.resolve(templateCacheBytes)
        let timeouts = ConnectionTimeouts(
            idleSeconds: try Self.idleTimeoutSetting.resolve(idleTimeout), headerSeconds: try Self.headerTimeoutSetting.resolve(headerTimeout))
        let claimHeaders = try gatewayClaimHeaders.map { text in
            do throws(ConfigurationError) { return try GatewayClaimHeader(parsing: text.trimmingCharacters(in: .whitespaces)) } catch {
                throw ValidationError("--gateway-claim-header \(text): \(error.reason)")
            }
        }
        let proxies: [IPNetwork]
        do { proxies = try ClientAddressResolver.trustedProxies(parsing: trustedProxies) } catch {
            throw ValidationError("--trusted-proxy: \(error.reason)")
        }
        var geoIP: GeoIPDatabase?
        if !geoIPDatabase.isEmpty {
            do { geoIP = try GeoIPDatabase(path: geoIPDatabase) } catch { throw ValidationError("--geoip-database \(geoIPDatabase): \(error.reason)") }
        }
        let rateLimits: Bool
        switch rateLimit {
        case "on": rateLimits = true
        case "off": rateLimits = false
        default: throw ValidationError("--rate-limit must be on or off (TESSERA_RATE_LIMIT), not \(rateLimit.prefix(16))")
        }
        let v1RateLimit = V1RateLimit(
            production: try Self.v1ProductionSetting.resolve(v1RateLimitProduction),
            development: try Self.v1DevelopmentSetting.resolve(v1RateLimitDevelopment))
        let jwksMaxAge = try Self.jwksMaxAgeSetting.resolve(jwksMaxAge)
        let rotationDays = try Self.rotationDaysSetting.resolve(rotateSigningKeysDays)
        let auditDays = try Self.auditRetentionSetting.resolve(auditRetentionDays)
        let environment = ProcessInfo.processInfo.environment
        let configuration = TesseraConfiguration(
            host: host, port: port, timeouts: timeouts,
            server: ServerConfiguration(
                maximumBodyBytes: maximumBodyBytes, gatewayClaimHeaders: claimHeaders,
                gatewayCacheBytes: gatewayCacheBytes, trustedProxies: proxies, geoIPDatabase: geoIP, rateLimits: rateLimits,
                v1RateLimit: v1RateLimit, metricsToken: metricsToken.isEmpty ? nil : metricsToken),
            management: ManagementConfiguration(
                issuer: issuer.isEmpty ? "http://\(host):\(port)" : (issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer),
                sessionLifetime: sessionLifetime * 1000, abandonAfter: abandonAfter * 1000,
                tokenLifetime: TokenLifetime(defaultSeconds: defaultTokenLifetime, maximumSeconds: maximumTokenLifetime),
                touchInterval: activityInterval * 1000, leewaySeconds: leeway, jwksMaxAgeSeconds: jwksMaxAge,
                sessionCacheBytes: sessionCacheBytes, authenticationCacheBytes: credentialCacheBytes, userCacheBytes: userCacheBytes,
                templateCacheBytes: templateCacheBytes),
            secretKey: environment["TESSERA_SECRET_KEY"].flatMap { $0.isEmpty ? nil : $0 },
            operatorKey: environment["TESSERA_OPERATOR_KEY"].flatMap { $0.isEmpty ? nil : $0 },
            signingKeyRotationInterval: rotationDays == 0 ? nil : rotationDays * 86_400_000,
            auditRetention: auditDays == 0 ? nil : auditDays * 86_400_000,
            storeDescription: "database \(databaseSetting.description), keys \(keys)")
        // The store first: a database that cannot be reached leaves the key directory untouched.
        let store = try await databaseSetting.open(logger: logger)
        // The key directory holds development material: the default tenant's first signing key is
        // taken from it when the database has none yet; from then on the database is the truth.
        let directory = KeyDirectory(path: keys)
        for key in try directory.generateDevelopmentKeysIfEmpty(now: Int64(Date().timeIntervalSince1970)) {
            logger.info("generated signing key", metadata: ["file": "\(keys)/\(KeyDirectory.fileName(for: key.algorithm))", "kid": "\(key.keyID ?? "-")"])
        }
        let ring = try directory.load()
        let keyEncryption = try await keyEncryptionKeys(store: store, logger: logger)
        let built = try await buildApplication(
            configuration, store: store, keyEncryption: keyEncryption, initialSigningKey: ring.signingKey(for: .rs256),
            clock: { Int64(Date().timeIntervalSince1970 * 1000) }, logger: logger, metrics: metrics,
            announce: { FileHandle.standardOutput.write(Data($0.utf8)) })
        // The database holds the keys once the first start has imported the directory's: say so when a
        // key file was changed afterwards (it is not used; `sessionctl keys rotate --import` is the way).
        if let file = ring.signingKey(for: .rs256)?.keyID,
            let tenant = try? await built.manager.tenantKeys(slug: "default"), !tenant.keys.contains(where: { $0.keyID == file })
        {
            logger.notice(
                "the key directory's rs256.pem is not one of the default tenant's signing keys, which live in the database; to sign with it, run sessionctl keys rotate --import FILE",
                metadata: ["kid": "\(file)"])
        }
        // The maintenance service comes last so that a graceful shutdown reaches it first (services stop in
        // reverse order): it answers the feed's long polls at once, and the HTTP server then has nothing
        // in flight to wait for. Inside the application's own group the server would stop first and wait
        // out every long poll.
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: built.application)] + built.services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
            await DatabaseSetting.close(store)
        } catch let error as IOError {
            await DatabaseSetting.close(store)
            // Binding is the one I/O the server does before its banner; say what to change.
            throw StartupError(
                "cannot listen on \(host):\(port): \(String(cString: strerror(error.errnoCode))). "
                    + "Stop whatever holds it, or choose another address with --host/--port (TESSERA_HOST/TESSERA_PORT)")
        }
    }

    /// On PostgreSQL every node opens the same sealed signing keys, so the key-encryption key must be
    /// given: one generated beside a node's key directory would seal keys no other node can open.
    func requireGivenKeyEncryptionKey() throws {
        let environment = ProcessInfo.processInfo.environment
        let given = keyEncryptionKeyFile != nil || [environment["TESSERA_KEK_FILE"], environment["TESSERA_KEK"]].contains { !($0 ?? "").isEmpty }
        guard given else {
            throw ValidationError(
                "on PostgreSQL every node must open the same sealed keys: give the key-encryption key with "
                    + "--key-encryption-key-file (TESSERA_KEK_FILE) or TESSERA_KEK (Docs/Operations.md, \"Several nodes\")")
        }
    }
}
