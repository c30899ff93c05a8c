public import Logging
import PostgresNIO
public import SessionStorage

/// The `SessionStore` on PostgreSQL 15, for several stateless nodes sharing one database.
///
/// Every write is one transaction on a pooled connection, with bound parameters only. The rules
/// SQLite gets from its single writer are taken here with row locks: the tenant's row serialises
/// its audit chain, a record's own row serialises the changes to it, and the one-row `feed_head`
/// numbers the revocation list in commit order with no holes (Decision 0018). Every transaction
/// takes those locks in the same order (records, then the tenant, then `feed_head`, last of all),
/// so two writers never wait on each other in a cycle; a deadlock or serialisation failure the
/// server reports anyway is retried, the whole transaction having rolled back.
public final class PostgresSessionStore: SessionStore {
    let client: PostgresClient
    private let runner: Task<Void, Never>
    let logger: Logger
    let coordination: PostgresCoordination
    public let configuration: PostgresStoreConfiguration

    /// Connects (the pool opens connections as they are needed) and, unless `migrate` is false,
    /// applies the migrations that are missing (see `migrate()`).
    public init(configuration: PostgresStoreConfiguration, migrate: Bool = true, logger: Logger = Logger(label: "tessera.postgres")) async throws(StorageError) {
        self.configuration = configuration
        self.logger = logger
        coordination = PostgresCoordination(configuration: configuration, logger: logger)
        let client = PostgresClient(configuration: try Self.clientConfiguration(configuration), backgroundLogger: logger)
        self.client = client
        // The pool serves leases only once `run()` has started: wait for its task to be on its way.
        let (started, signal) = AsyncStream<Void>.makeStream()
        runner = Task {
            signal.finish()
            await client.run()
        }
        for await _ in started {}
        do {
            // Reaching the server is bounded; the migrations are not (a node may wait on another's lock).
            // One connection of our own first: the pool retries a refused connection until its caller
            // gives up, which would turn "no such database" or a wrong password into a bare timeout.
            try await withDeadline(seconds: configuration.connectTimeout) { () async throws(StorageError) in
                let probe: PostgresConnection
                do { probe = try await self.coordination.connect() } catch { throw Self.map(error) }
                try? await probe.close()
            }
            if migrate { try await self.migrate() }
        } catch {
            runner.cancel()
            throw error
        }
    }

    /// Runs `body`, or gives up after `seconds` (cancelling it): the pool retries an unreachable
    /// server with back-off for as long as a request waits, and a node must not hang at start-up.
    func withDeadline(seconds: Int, _ body: @escaping @Sendable () async throws(StorageError) -> Void) async throws(StorageError) {
        let outcome: StorageError? = await withTaskGroup(of: StorageError?.self) { group in
            group.addTask {
                do throws(StorageError) { try await body() } catch { return error }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(seconds))
                return Task.isCancelled ? nil : StorageError(.unavailable, "cannot reach PostgreSQL at \(self.configuration.host):\(self.configuration.port) within \(seconds) s")
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        if let outcome { throw outcome }
    }

    deinit { runner.cancel() }

    /// Closes the pool: queries in flight fail, new ones are refused.
    public func close() async {
        await coordination.close()
        runner.cancel()
        await runner.value
    }

    static func clientConfiguration(_ configuration: PostgresStoreConfiguration) throws(StorageError) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch configuration.tls {
        case .disable:
            tls = .disable
        case .require:
            var settings = TLSConfiguration.makeClientConfiguration()
            settings.certificateVerification = .none
            tls = .require(settings)
        case .verifyFull:
            var settings = TLSConfiguration.makeClientConfiguration()
            settings.certificateVerification = .fullVerification
            if let path = configuration.rootCertificatePath { settings.trustRoots = .file(path) }
            tls = .require(settings)
        }
        var client = PostgresClient.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.username, password: configuration.password,
            database: configuration.database, tls: tls)
        client.options.maximumConnections = configuration.poolSize
        client.options.connectTimeout = .seconds(configuration.connectTimeout)
        // Server settings sent at connection start-up: every pooled connection has them, whoever opened it.
        client.options.additionalStartupParameters = [
            ("statement_timeout", String(configuration.statementTimeout)),
            ("idle_in_transaction_session_timeout", String(configuration.idleInTransactionTimeout)),
            ("application_name", "tessera"),
        ]
        return client
    }

    // MARK: Access with error mapping

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws. A
    /// deadlock or serialisation failure (the server already rolled back) is retried a few times.
    func write<T: Sendable>(_ body: (Database) async throws -> T) async throws(StorageError) -> T {
        var attempt = 0
        while true {
            do {
                return try await client.withConnection { connection in
                    let db = Database(connection: connection, logger: logger)
                    try await db.execute("BEGIN")
                    do {
                        let result = try await body(db)
                        try await db.execute("COMMIT")
                        return result
                    } catch {
                        // Best effort: a broken connection is dropped by the pool, its transaction with it.
                        try? await db.execute("ROLLBACK")
                        throw error
                    }
                }
            } catch {
                attempt += 1
                if attempt < 5, Self.isTransient(error) { continue }
                throw Self.map(error)
            }
        }
    }

    /// Runs `body` outside a transaction (each statement sees what was committed when it started).
    func read<T: Sendable>(_ body: (Database) async throws -> T) async throws(StorageError) -> T {
        do {
            return try await client.withConnection { connection in try await body(Database(connection: connection, logger: logger)) }
        } catch {
            throw Self.map(error)
        }
    }

    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// Deadlock detected, or a serialisation failure: the server rolled the transaction back.
    static func isTransient(_ error: any Error) -> Bool {
        let state = sqlState(error)
        return state == "40P01" || state == "40001"
    }

    /// PostgreSQL's errors become `conflict` (unique keys), `constraint` (other integrity rules,
    /// text PostgreSQL cannot hold) or `unavailable`. The server's message names tables, columns and
    /// sometimes values: only the SQLSTATE code reaches callers.
    static func map(_ error: any Error) -> StorageError {
        if let error = error as? StorageError { return error }
        guard let error = error as? PSQLError else { return StorageError(.unavailable, "the database failed") }
        guard let state = error.serverInfo?[.sqlState] else {
            return StorageError(.unavailable, "the database cannot be reached (\(error.code))")
        }
        switch state {
        case "23505": return StorageError(.conflict, "a unique value is taken")
        case _ where state.hasPrefix("23"): return StorageError(.constraint, "the record breaks a rule of the schema")
        // Invalid byte sequence (a NUL), string too long, number out of range.
        case "22021", "22P05", "22001", "22003": return StorageError(.constraint, "a value cannot be stored (SQLSTATE \(state))")
        case "57014": return StorageError(.unavailable, "the statement timed out")
        case "3D000": return StorageError(.unavailable, "the database named in the URL does not exist (create it first)")
        case "28P01", "28000": return StorageError(.unavailable, "PostgreSQL refused the URL's user or password")
        default: return StorageError(.unavailable, "the database failed (SQLSTATE \(state))")
        }
    }

    static func missing(_ what: String, _ id: String) -> StorageError {
        StorageError(.notFound, "no \(what) with id \(id)")
    }
}
