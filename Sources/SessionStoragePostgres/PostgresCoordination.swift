import Logging
import PostgresNIO
import SessionStorage

/// A node's connections that are not the pool's: one that LISTENs for commits to the revocation
/// list, and one that holds the advisory locks of the jobs one node at a time runs.
///
/// Neither can be a pooled connection: a LISTEN lasts as long as the node, and a session-level
/// advisory lock belongs to the connection that took it, which must stay out of the pool while
/// the job runs on pooled ones (with a pool of one, holding it would starve the job itself).
actor PostgresCoordination {
    /// The channel every revoking transaction notifies (delivered at commit, never for a rollback).
    static let channel = "tessera_feed"
    /// The first half of the advisory locks' two-part keys; the job's number is the second.
    static let lockClass: Int32 = 0x7465_7373

    let configuration: PostgresStoreConfiguration
    let logger: Logger
    private var lockConnection: PostgresConnection?

    init(configuration: PostgresStoreConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    func connect() async throws -> PostgresConnection {
        var settings = PostgresConnection.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.username, password: configuration.password,
            database: configuration.database, tls: try Self.tls(configuration))
        settings.options.connectTimeout = .seconds(Int64(configuration.connectTimeout))
        settings.options.additionalStartupParameters = [
            ("statement_timeout", String(configuration.statementTimeout)), ("application_name", "tessera-coordination"),
        ]
        return try await PostgresConnection.connect(configuration: settings, id: 0, logger: logger)
    }

    static func tls(_ configuration: PostgresStoreConfiguration) throws -> PostgresConnection.Configuration.TLS {
        switch configuration.tls {
        case .disable:
            return .disable
        case .require:
            var settings = TLSConfiguration.makeClientConfiguration()
            settings.certificateVerification = .none
            return .require(try NIOSSLContext(configuration: settings))
        case .verifyFull:
            var settings = TLSConfiguration.makeClientConfiguration()
            settings.certificateVerification = .fullVerification
            if let path = configuration.rootCertificatePath { settings.trustRoots = .file(path) }
            return .require(try NIOSSLContext(configuration: settings))
        }
    }

    /// LISTENs until cancelled, reconnecting after a failure with a back-off of up to 5 s; `wake`
    /// runs once listening has started (commits may have been missed before) and per notification.
    nonisolated func follow(_ wake: @escaping @Sendable () -> Void) async {
        var backOff = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                let connection = try await connect()
                do {
                    // The notifications end only when the connection does: cancelling closes it.
                    try await withTaskCancellationHandler {
                        try await connection.listen(on: Self.channel) { notifications in
                            backOff = .milliseconds(100)
                            wake()
                            for try await _ in notifications { wake() }
                        }
                    } onCancel: {
                        connection.close().whenComplete { _ in }
                    }
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            } catch {
                if Task.isCancelled { return }
                logger.warning(
                    "listening for other nodes' revocations failed; catching up by polling until it is back",
                    metadata: ["error": "\(PostgresSessionStore.map(error))"])
            }
            do { try await Task.sleep(for: backOff) } catch { return }
            backOff = min(backOff * 2, .seconds(5))
        }
    }

    /// Takes the job's advisory lock without waiting, runs `body` and releases it. A connection
    /// that fails is dropped (its locks go with it) and the next call opens another.
    func exclusively(_ job: ExclusiveJob, _ body: @Sendable () async -> Void) async throws(StorageError) -> Bool {
        let connection: PostgresConnection
        do {
            if let open = lockConnection, !open.isClosed {
                connection = open
            } else {
                connection = try await connect()
                lockConnection = connection
            }
        } catch {
            throw PostgresSessionStore.map(error)
        }
        let key = "\(Self.lockClass), \(job.rawValue)"
        do {
            let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT pg_try_advisory_lock(\(key))"), logger: logger)
            var taken = false
            for try await (value) in rows.decode(Bool.self) { taken = value }
            guard taken else { return false }
        } catch {
            lockConnection = nil
            try? await connection.close()
            throw PostgresSessionStore.map(error)
        }
        await body()
        // Closed meanwhile (the store is closing): the lock went with the connection.
        guard !connection.isClosed else { return true }
        do {
            _ = try await connection.query(PostgresQuery(unsafeSQL: "SELECT pg_advisory_unlock(\(key))"), logger: logger)
        } catch {
            // The lock goes with the connection.
            lockConnection = nil
            try? await connection.close()
        }
        return true
    }

    func close() async {
        if let lockConnection { try? await lockConnection.close() }
        lockConnection = nil
    }
}
