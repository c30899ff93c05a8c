import SessionStorage
import SessionStoragePostgres
import SessionStoreConformance
import Testing

/// The PostgreSQL driver passes the same conformance suite as SQLite and the in-memory twin, each
/// check on a database of its own (so they run in parallel). Skipped, with the reason in the
/// report, when POSTGRES_URL is unset.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipReason), .timeLimit(.minutes(1)))
struct PostgresConformanceTests {
    @Test(arguments: SessionStoreConformance.names)
    func conformance(_ check: String) async throws {
        try await PostgresTestServer.withStore { store, _ in try await SessionStoreConformance.run(check, on: store) }
    }
}
