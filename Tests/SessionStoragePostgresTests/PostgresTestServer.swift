import Foundation
import PostgresNIO
import SessionStorage
import SessionStoragePostgres
import Testing

/// The server the PostgreSQL tests run against: `POSTGRES_URL` (a superuser's URL, as
/// `Scripts/postgres-cluster.sh start` prints). Without it every test of this target is skipped,
/// and the test report says why (`.enabled(if:)`'s comment).
enum PostgresTestServer {
    static let url: String? = ProcessInfo.processInfo.environment["POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static var isConfigured: Bool { url != nil }
    static let skipReason: Comment = "PostgreSQL tests skipped: POSTGRES_URL unset (make test-unit starts a cluster with Scripts/postgres-cluster.sh)"

    static func configuration() throws -> PostgresStoreConfiguration {
        guard let url else { throw StorageError(.unavailable, "POSTGRES_URL unset") }
        var configuration = try PostgresStoreConfiguration(url: url)
        // Tests run in parallel, each with a pool of its own.
        configuration.poolSize = 4
        return configuration
    }

    /// One connection to the server's maintenance database, for CREATE/DROP DATABASE (which
    /// take no bound parameters: the names are generated here, hex only).
    static func admin<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let configuration = try configuration()
        let tls: PostgresConnection.Configuration.TLS
        if configuration.tls == .disable {
            tls = .disable
        } else {
            var settings = TLSConfiguration.makeClientConfiguration()
            settings.certificateVerification = configuration.tls == .require ? .none : .fullVerification
            tls = .require(try NIOSSLContext(configuration: settings))
        }
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: configuration.host, port: configuration.port, username: configuration.username, password: configuration.password,
                database: configuration.database, tls: tls),
            id: 0, logger: Logger(label: "tessera.tests.postgres-admin"))
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// A database of its own for one test: created empty, dropped afterwards whatever happened.
    static func withDatabase<T>(_ body: (PostgresStoreConfiguration) async throws -> T) async throws -> T {
        let name = "tessera_test_" + (0..<12).map { _ in String(UInt8.random(in: 0...15), radix: 16) }.joined()
        _ = try await admin { try await $0.query("CREATE DATABASE \(unescaped: name)", logger: Logger(label: "tessera.tests")) }
        let configuration = try configuration().with(database: name)
        do {
            let result = try await body(configuration)
            try await drop(name)
            return result
        } catch {
            try? await drop(name)
            throw error
        }
    }

    private static func drop(_ name: String) async throws {
        _ = try await admin { try await $0.query("DROP DATABASE IF EXISTS \(unescaped: name) WITH (FORCE)", logger: Logger(label: "tessera.tests")) }
    }

    /// A migrated store on a fresh database, closed after `body`.
    static func withStore<T>(_ body: (PostgresSessionStore, PostgresStoreConfiguration) async throws -> T) async throws -> T {
        try await withDatabase { configuration in
            let store = try await PostgresSessionStore(configuration: configuration)
            do {
                let result = try await body(store, configuration)
                await store.close()
                return result
            } catch {
                await store.close()
                throw error
            }
        }
    }
}
