import Foundation
import Logging
import PostgresNIO
import SessionStorage
import SessionStoragePostgres

/// The PostgreSQL side of the store section: a database of its own on the server `POSTGRES_URL`
/// names (a superuser's URL, as `Scripts/postgres-cluster.sh start` prints), created empty,
/// migrated by the store, filled, and dropped afterwards whatever happened.
enum PostgresBenchDatabase {
    static let logger = Logger(label: "tessera.bench.postgres")

    /// One plain connection (no statement timeout: the fill runs minutes on a slow machine).
    static func connect(_ configuration: PostgresStoreConfiguration) async throws -> PostgresConnection {
        let tls: PostgresConnection.Configuration.TLS
        switch configuration.tls {
        case .disable:
            tls = .disable
        case .require, .verifyFull:
            var settings = TLSConfiguration.makeClientConfiguration()
            settings.certificateVerification = configuration.tls == .require ? .none : .fullVerification
            if let path = configuration.rootCertificatePath { settings.trustRoots = .file(path) }
            tls = .require(try NIOSSLContext(configuration: settings))
        }
        return try await PostgresConnection.connect(
            configuration: .init(
                host: configuration.host, port: configuration.port, username: configuration.username, password: configuration.password,
                database: configuration.database, tls: tls),
            id: 0, logger: logger)
    }

    static func withConnection<T>(_ configuration: PostgresStoreConfiguration, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await connect(configuration)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// A fresh database for `body`, dropped afterwards. The name is generated here, hex only.
    static func withDatabase<T>(_ server: PostgresStoreConfiguration, _ body: (PostgresStoreConfiguration) async throws -> T) async throws -> T {
        let name = "tessera_bench_" + (0..<12).map { _ in String(UInt8.random(in: 0...15), radix: 16) }.joined()
        try await withConnection(server) { _ = try await $0.query("CREATE DATABASE \(unescaped: name)", logger: logger) }
        do {
            let result = try await body(server.with(database: name))
            try await drop(server, name)
            return result
        } catch {
            try? await drop(server, name)
            throw error
        }
    }

    private static func drop(_ server: PostgresStoreConfiguration, _ name: String) async throws {
        try await withConnection(server) { _ = try await $0.query("DROP DATABASE IF EXISTS \(unescaped: name) WITH (FORCE)", logger: logger) }
    }

    /// A server setting as text (`SHOW fsync`), for the report: the figures mean little without it.
    static func setting(_ connection: PostgresConnection, _ name: String) async throws -> String {
        precondition(name.utf8.allSatisfy { $0 == 0x5F || (0x61...0x7A).contains($0) })
        for try await value in try await connection.query("SHOW \(unescaped: name)", logger: logger).decode(String.self) { return value }
        return "?"
    }

    /// Writes `data`'s users, clients and sessions with `INSERT … SELECT generate_series`, one
    /// statement per 100 000 sessions: the rows `createUser`, `createClient` and `createSession`
    /// write for these records (a user with no contacts has no `user_identifier` row, and its search
    /// key is its id, lowercased), every constraint of the schema checked as they go in, and the
    /// session table's secondary indexes rebuilt afterwards from their own definitions. `verify(_:_:)` reads a sample back through the store. Then `VACUUM ANALYZE`, as
    /// autovacuum would have done on a database that grew to this size.
    /// Returns the seconds each phase took: rows, indexes, vacuum.
    static func fill(_ connection: PostgresConnection, _ data: BenchData) async throws -> [Duration] {
        var phases: [Duration] = []
        var phaseStart = ContinuousClock.now
        func lap() {
            phases.append(ContinuousClock.now - phaseStart)
            phaseStart = ContinuousClock.now
        }
        let t0 = BenchData.t0, perUser = data.perUser, instance = BenchData.instanceID
        precondition(instance.utf8.allSatisfy { $0 == 0x5F || (0x61...0x7A).contains($0) })
        _ = try await connection.query("""
            INSERT INTO app_user (id, instance_id, public_metadata, private_metadata, unsafe_metadata, two_factor_enabled, created_at,
                updated_at, search_key)
            SELECT 'user_' || u, '\(unescaped: instance)', '{}', '{}', '{}', FALSE, \(unescaped: String(t0)), \(unescaped: String(t0)), 'user_' || u
            FROM generate_series(0, \(unescaped: String(data.users - 1))) AS u
            """, logger: logger)
        _ = try await connection.query("""
            INSERT INTO client (id, instance_id, created_at, updated_at)
            SELECT 'client_' || u, '\(unescaped: instance)', \(unescaped: String(t0)), \(unescaped: String(t0))
            FROM generate_series(0, \(unescaped: String(data.users - 1))) AS u
            """, logger: logger)
        // The session table's secondary indexes are built once after the fill, from their own definitions
        // (pg_indexes), rather than grown row by row: the same indexes, a fraction of the time.
        var indexes: [String] = []
        let definitions = try await connection.query("""
            SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'session' AND indexname <> 'session_pkey'
            """, logger: logger)
        for try await definition in definitions.decode(String.self) { indexes.append(definition) }
        for definition in indexes {
            guard let name = definition.split(separator: " ").dropFirst(2).first, definition.hasPrefix("CREATE INDEX ") else {
                preconditionFailure("unexpected index definition: \(definition)")
            }
            _ = try await connection.query("DROP INDEX \(unescaped: String(name))", logger: logger)
        }
        let usersPerChunk = max(1, 100_000 / perUser)
        for first in stride(from: 0, to: data.users, by: usersPerChunk) {
            let last = min(data.users, first + usersPerChunk) - 1
            // The address: BenchData.address in SQL (the low 24 bits of n × 2654435761, which BIGINT holds
            // for n below 3.4 billion), as text and as the 16 bytes of its IPv4-mapped form.
            _ = try await connection.query("""
                INSERT INTO session (id, instance_id, user_id, client_id, status, last_active_at, expire_at, abandon_at, created_at,
                    updated_at, token_horizon, has_activity, ip_address, ip_bytes, is_mobile, mfa_verified, anomalous)
                SELECT 'sess_' || u || '_' || i, '\(unescaped: instance)', 'user_' || u, 'client_' || u, 'active', v.at,
                    v.at + 604800000, v.at + 2592000000, v.at, v.at, v.at + 604800000, TRUE,
                    '10.' || (v.s >> 16) || '.' || ((v.s >> 8) & 255) || '.' || (v.s & 255),
                    '\\x00000000000000000000ffff0a'::bytea || decode(lpad(to_hex(v.s), 6, '0'), 'hex'), FALSE, FALSE, FALSE
                FROM generate_series(\(unescaped: String(first)), \(unescaped: String(last))) AS u,
                    generate_series(0, \(unescaped: String(perUser - 1))) AS i,
                    LATERAL (SELECT \(unescaped: String(t0)) + i * 1000::bigint AS at,
                        ((u::bigint * \(unescaped: String(perUser)) + i) * 2654435761) & 16777215 AS s) AS v
                """, logger: logger)
        }
        lap()
        _ = try await connection.query("SET maintenance_work_mem = '256MB'", logger: logger)
        for definition in indexes { _ = try await connection.query("\(unescaped: definition)", logger: logger) }
        lap()
        _ = try await connection.query("VACUUM ANALYZE", logger: logger)
        lap()
        return phases
    }

    /// Reads records back through the store and compares them with what `BenchData` describes: the
    /// fill wrote what the store itself would have.
    static func verify(_ store: PostgresSessionStore, _ data: BenchData) async throws {
        for _ in 0..<200 {
            let user = Int.random(in: 0..<data.users), index = Int.random(in: 0..<data.perUser)
            let expected = data.session(user: user, index: index)
            let stored = try await store.session(instanceID: BenchData.instanceID, id: expected.id)
            precondition(stored == expected, "the bulk fill wrote \(String(describing: stored)), the store would have written \(expected)")
            let storedUser = try await store.user(instanceID: BenchData.instanceID, id: "user_\(user)")
            let storedClient = try await store.client(instanceID: BenchData.instanceID, id: "client_\(user)")
            precondition(storedUser == data.user(user) && storedClient == data.client(user), "the bulk fill's user or client differs")
        }
        let page = try await store.users(UserQuery(instanceID: BenchData.instanceID, text: "user_\(data.users - 1)", limit: 5))
        precondition(page.items.contains { $0.id == "user_\(data.users - 1)" }, "the search key was not written")
    }
}
