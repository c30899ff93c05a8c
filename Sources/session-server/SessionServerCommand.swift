import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals
import SessionCrypto
import SessionManagement
import SessionServer
import SessionStorage
import SessionStorageSQLite
import SessionTokens

/// `session-server`: flags, or the matching `TESSERA_*` environment variables, then wiring.
@main
struct SessionServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session-server", abstract: "Tessera's session service (Clerk-compatible Backend API).")

    @Option(help: "Address to bind (TESSERA_HOST).")
    var host = ProcessInfo.processInfo.environment["TESSERA_HOST"] ?? "127.0.0.1"

    @Option(help: "Port to bind (TESSERA_PORT).")
    var port = Int(ProcessInfo.processInfo.environment["TESSERA_PORT"] ?? "") ?? 8080

    @Option(help: "SQLite database file (TESSERA_DATABASE).")
    var database = ProcessInfo.processInfo.environment["TESSERA_DATABASE"] ?? "./data/tessera.sqlite"

    @Option(help: "Key directory; dev keys are generated when it has none (TESSERA_KEYS_DIR).")
    var keys = ProcessInfo.processInfo.environment["TESSERA_KEYS_DIR"] ?? "keys/dev"

    @Option(help: "Token issuer, the service's public URL (TESSERA_ISSUER; default http://HOST:PORT).")
    var issuer: String = ProcessInfo.processInfo.environment["TESSERA_ISSUER"] ?? ""

    @Option(name: .customLong("max-body-bytes"), help: "Largest accepted request body.")
    var maximumBodyBytes = 1 << 20

    @Option(
        name: .customLong("max-token-lifetime"),
        help: """
            The longest lifetime in seconds any token may get, whatever a template or expires_in_seconds asks \
            (TESSERA_MAX_TOKEN_LIFETIME; 30...315360000, default 315360000). User-wide revocation entries are kept this long.
            """)
    var maximumTokenLifetime = Int64(ProcessInfo.processInfo.environment["TESSERA_MAX_TOKEN_LIFETIME"] ?? "") ?? TokenLifetime.allowedRange.upperBound

    @Option(
        name: .customLong("gateway-claim-header"),
        help: "claim=Header-Name: GET /v1/verify copies the claim into that header; repeatable (TESSERA_GATEWAY_CLAIM_HEADERS, comma-separated).")
    var gatewayClaimHeaders: [String] = (ProcessInfo.processInfo.environment["TESSERA_GATEWAY_CLAIM_HEADERS"] ?? "")
        .split(separator: ",").map(String.init)

    @Option(help: "The OpenAPI document served at /openapi.yaml (default: Docs/openapi.yaml of this checkout).")
    var openapi: String?

    /// The document from the flag, the working directory, or the checkout the executable was built in.
    func openAPIDocument() -> String? {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let candidates: [String?] = [openapi, "Docs/openapi.yaml",
            executable.deletingLastPathComponent().appendingPathComponent("../../../Docs/openapi.yaml").standardized.path]
        for path in candidates.compactMap({ $0 }) {
            if let data = FileManager.default.contents(atPath: path) { return String(decoding: data, as: UTF8.self) }
        }
        return nil
    }

    func run() async throws {
        var logger = Logger(label: "tessera")
        logger.logLevel = .info
        // Settings first: a refused one must not leave generated keys behind.
        guard TokenLifetime.allowedRange.contains(maximumTokenLifetime) else {
            throw ValidationError("--max-token-lifetime must be between 30 and 315360000 seconds")
        }
        let claimHeaders = try gatewayClaimHeaders.map { text in
            do throws(ConfigurationError) { return try GatewayClaimHeader(parsing: text.trimmingCharacters(in: .whitespaces)) } catch {
                throw ValidationError("--gateway-claim-header \(text): \(error.reason)")
            }
        }
        let directory = KeyDirectory(path: keys)
        let now = Int64(Date().timeIntervalSince1970)
        for algorithm in [JWSAlgorithm.rs256, .es256, .edDSA] where !directory.hasKey(for: algorithm) {
            let key = try directory.generate(algorithm, now: now)
            logger.info("generated signing key", metadata: ["file": "\(keys)/\(KeyDirectory.fileName(for: algorithm))", "kid": "\(key.keyID ?? "-")"])
        }
        let ring = try directory.load()
        let store = try SQLiteSessionStore(path: database)
        let manager = SessionManager(
            store: store, keys: ring, configuration: ManagementConfiguration(
                issuer: issuer.isEmpty ? "http://\(host):\(port)" : issuer, tokenLifetime: TokenLifetime(maximumSeconds: maximumTokenLifetime)),
            clock: { Int64(Date().timeIntervalSince1970 * 1000) })
        let secret = ProcessInfo.processInfo.environment["TESSERA_SECRET_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        let (instance, generated) = try await manager.bootstrapDefaultInstance(secretKey: secret)
        let gateway = try await GatewayVerifier.make(manager: manager, instance: instance)
        let router = try SessionServer.router(
            manager: manager, configuration: ServerConfiguration(
                maximumBodyBytes: maximumBodyBytes, openAPIDocument: openAPIDocument(), gatewayClaimHeaders: claimHeaders),
            gateway: gateway)
        let app = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "Tessera"),
            onServerRunning: { _ in
                var banner = "Tessera listening on http://\(host):\(port)  (database \(database), keys \(keys), instance \(instance.id))\n"
                if let generated {
                    banner += "Test secret key (shown once; set TESSERA_SECRET_KEY to choose your own): \(generated)\n"
                }
                FileHandle.standardOutput.write(Data(banner.utf8))
            }, logger: logger)
        // The maintenance service comes last so that a graceful shutdown reaches it first (services stop in
        // reverse order): it answers the feed's long polls at once, and the HTTP server then has nothing
        // in flight to wait for. Inside the application's own group the server would stop first and wait
        // out every long poll.
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: app),
                    .init(service: RevocationMaintenance(manager: manager, gateway: gateway)),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
