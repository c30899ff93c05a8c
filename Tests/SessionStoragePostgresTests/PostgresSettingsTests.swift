import PostgresNIO
import SessionStorage
@testable import SessionStoragePostgres
import Testing

/// The URL's settings reach every pooled connection, and the server enforces them.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipReason), .timeLimit(.minutes(1)))
struct PostgresSettingsTests {
    @Test func timeoutsFromTheURLAreTheConnectionsSettings() async throws {
        try await PostgresTestServer.withDatabase { base in
            var configuration = base
            configuration.statementTimeout = 300
            configuration.idleInTransactionTimeout = 4500
            let store = try await PostgresSessionStore(configuration: configuration)
            let statement: String? = try await store.read { db in try await db.one("SHOW statement_timeout")?.text("statement_timeout") }
            let idle: String? = try await store.read { db in
                try await db.one("SHOW idle_in_transaction_session_timeout")?.text("idle_in_transaction_session_timeout")
            }
            #expect(statement == "300ms" && idle == "4500ms")
            // A statement past the limit is cancelled by the server: `unavailable`, nothing written.
            do throws(StorageError) {
                try await store.write { db in try await db.execute("SELECT pg_sleep(2)") }
                Issue.record("a 2 s statement outlived a 300 ms statement_timeout")
            } catch {
                #expect(error.code == .unavailable && error.reason.contains("timed out"), "\(error)")
            }
            await store.close()
        }
    }

    /// Unique keys are `conflict`, other integrity rules `constraint`, and neither error carries the
    /// server's message (which names tables, columns and values).
    @Test func serverErrorsAreMappedWithoutTheirMessages() async throws {
        try await PostgresTestServer.withStore { store, _ in
            try await store.createInstance(Instance(id: "ins_a", slug: "secret-slug-value", environment: .development, createdAt: 1))
            do throws(StorageError) {
                try await store.createInstance(Instance(id: "ins_b", slug: "secret-slug-value", environment: .development, createdAt: 1))
                Issue.record("a taken slug was accepted")
            } catch {
                #expect(error.code == .conflict && !error.reason.contains("secret-slug-value") && !error.reason.contains("instance_slug"))
            }
            do throws(StorageError) {
                try await store.write { db in try await db.execute("INSERT INTO client (id, instance_id, created_at, updated_at) VALUES ('c', 'ins_none', 1, 1)") }
                Issue.record("a client of a missing instance was accepted")
            } catch {
                #expect(error.code == .constraint && !error.reason.contains("ins_none"))
            }
        }
    }

    /// sslmode=require never falls back to plain TCP: the test cluster speaks no TLS, so the store
    /// refuses to start (within its connect timeout) instead of sending the password in clear.
    @Test func requireRefusesAServerWithoutTLS() async throws {
        var configuration = try PostgresTestServer.configuration()
        configuration.tls = .require
        configuration.connectTimeout = 2
        let started = ContinuousClock.now
        do throws(StorageError) {
            let store = try await PostgresSessionStore(configuration: configuration)
            await store.close()
            Issue.record("a store opened over plain TCP with sslmode=require")
        } catch {
            #expect(error.code == .unavailable)
        }
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    /// A database that does not exist is said at once, not after the connect timeout as if the
    /// server were unreachable (the pool alone would retry until its caller gave up).
    @Test func aMissingDatabaseIsNamedAtOnce() async throws {
        var configuration = try PostgresTestServer.configuration().with(database: "tessera_no_such_database")
        configuration.connectTimeout = 20
        let started = ContinuousClock.now
        do throws(StorageError) {
            let store = try await PostgresSessionStore(configuration: configuration)
            await store.close()
            Issue.record("a store opened on a database that does not exist")
        } catch {
            #expect(error.reason.contains("does not exist"), "\(error.reason)")
        }
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}
