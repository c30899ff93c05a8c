import PostgresNIO
import SessionStorage
@testable import SessionStoragePostgres
import Testing

/// Migrations are applied once, under an advisory lock, whichever node starts first.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipReason), .timeLimit(.minutes(1)))
struct PostgresMigrationTests {
    @Test func nodesStartingTogetherApplyEachMigrationOnce() async throws {
        try await PostgresTestServer.withDatabase { configuration in
            var stores: [PostgresSessionStore] = []
            for _ in 0..<4 { stores.append(try await PostgresSessionStore(configuration: configuration, migrate: false)) }
            #expect(try await stores[0].appliedMigrations().isEmpty)
            let applied = try await withThrowingTaskGroup(of: [Int32].self) { group in
                for store in stores { group.addTask { try await store.migrate() } }
                var all: [[Int32]] = []
                for try await result in group { all.append(result) }
                return all
            }
            // One node applied everything; the others waited on the lock and found nothing to do.
            #expect(applied.filter { !$0.isEmpty }.count == 1)
            #expect(applied.flatMap { $0 }.sorted() == [1])
            #expect(try await stores[1].appliedMigrations() == [1])
            #expect(try await stores[2].migrate() == [], "running them again is a no-op")
            // The schema works from every node.
            try await stores[3].createInstance(Instance(id: "ins_a", slug: "ins-a", environment: .development, createdAt: 1))
            #expect(try await stores[0].instance(slug: "ins-a")?.id == "ins_a")
            for store in stores { await store.close() }
        }
    }

    @Test func anUnreachableServerIsUnavailableAndTheErrorHoldsNoPassword() async throws {
        // A closed port on loopback: the connection is refused at once.
        let configuration = try PostgresStoreConfiguration(url: "postgres://tessera:hunter2-secret@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
        let started = ContinuousClock.now
        do {
            _ = try await PostgresSessionStore(configuration: configuration)
            Issue.record("a store opened on a closed port")
        } catch {
            #expect(error.code == .unavailable)
            #expect(!"\(error)".contains("hunter2"))
        }
        #expect(ContinuousClock.now - started < .seconds(10), "connect_timeout bounds the wait")
    }
}

/// A node that starts while another holds the migration lock waits for it, however long, rather
/// than failing on its statement timeout.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipReason), .timeLimit(.minutes(1)))
struct PostgresMigrationWaitTests {
    @Test func aNodeWaitsForAnotherNodesMigrationsPastItsStatementTimeout() async throws {
        try await PostgresTestServer.withDatabase { base in
            var configuration = base
            configuration.statementTimeout = 200
            let first = try await PostgresSessionStore(configuration: configuration, migrate: false)
            let (holding, held) = AsyncStream<Void>.makeStream()
            let (release, released) = AsyncStream<Void>.makeStream()
            // The first node holds the lock (as while applying a long migration) for longer than the timeout.
            let blocker = Task {
                try await first.write { db in
                    try await db.execute("SET LOCAL statement_timeout = 0")
                    try await db.execute("SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLock))")
                    held.yield()
                    for await _ in release {}
                }
            }
            var waiting = holding.makeAsyncIterator()
            _ = await waiting.next()
            let second = Task { try await PostgresSessionStore(configuration: configuration) }
            try await Task.sleep(for: .milliseconds(600))
            released.finish()
            try await blocker.value
            let node = try await second.value
            #expect(try await node.appliedMigrations() == PostgresSchema.migrations.map(\.version))
            await node.close()
            await first.close()
        }
    }
}
