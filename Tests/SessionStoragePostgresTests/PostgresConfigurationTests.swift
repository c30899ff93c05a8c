import SessionStorage
import SessionStoragePostgres
import Testing

/// The URL parser needs no server: these run everywhere.
struct PostgresConfigurationTests {
    @Test func aFullURLIsParsed() throws {
        let configuration = try PostgresStoreConfiguration(
            url: "postgres://app:s3cr%40t@db.internal:6543/tessera?sslmode=require&pool_size=32&statement_timeout=5000&idle_in_transaction_session_timeout=15000&connect_timeout=3")
        #expect(configuration.host == "db.internal" && configuration.port == 6543)
        #expect(configuration.username == "app" && configuration.password == "s3cr@t", "percent-escapes are decoded")
        #expect(configuration.database == "tessera" && configuration.tls == .require)
        #expect(configuration.poolSize == 32 && configuration.statementTimeout == 5000 && configuration.idleInTransactionTimeout == 15000)
        #expect(configuration.connectTimeout == 3)
    }

    @Test func defaultsAreSafe() throws {
        let configuration = try PostgresStoreConfiguration(url: "postgresql://app@localhost/tessera")
        #expect(configuration.port == 5432 && configuration.password == nil)
        #expect(configuration.tls == .verifyFull, "without sslmode the server's certificate is checked")
        #expect(configuration.poolSize == PostgresStoreConfiguration.defaultPoolSize)
        #expect(configuration.statementTimeout == PostgresStoreConfiguration.defaultStatementTimeout)
        #expect(configuration.idleInTransactionTimeout == PostgresStoreConfiguration.defaultIdleInTransactionTimeout)
        #expect(try PostgresStoreConfiguration(url: "POSTGRES://app@[::1]:5433/db?sslmode=disable").host == "::1")
    }

    @Test(arguments: [
        "/var/lib/tessera/db.sqlite", "mysql://app@host/db", "postgres://", "postgres://host/db", "postgres://app@/db",
        "postgres://app@host", "postgres://app@host/", "postgres://app@host/a/b", "postgres://app@host:0/db", "postgres://app@host:65536/db",
        "postgres://app@host:port/db", "postgres://app@host/db?sslmode=prefer", "postgres://app@host/db?sslmode=", "postgres://app@host/db?pool_size=0",
        "postgres://app@host/db?pool_size=1001", "postgres://app@host/db?pool_size=-1", "postgres://app@host/db?pool_size=99999999999999999999",
        "postgres://app@host/db?statement_timeout=5s", "postgres://app@host/db?statement_timeout=+5", "postgres://app@host/db?statement_timeout=86400001",
        "postgres://app@host/db?idle_in_transaction_session_timeout=-1", "postgres://app@host/db?pool_size=2&pool_size=3",
        "postgres://app@host/db?options=-c%20search_path%3Devil", "postgres://app@host/db?sslrootcert=/ca.pem&sslmode=require",
        "postgres://app@host/db\u{0}", "postgres://app@ho st/db", "postgres://app@host/db\n", "postgres://app@host/db?connect_timeout=0", "postgres://app@host/db?connect_timeout=301",
    ])
    func malformedURLsAreRefused(_ url: String) {
        #expect(throws: StorageError.self) { _ = try PostgresStoreConfiguration(url: url) }
    }

    /// The password is in no description, banner or error, whatever is wrong with the rest.
    @Test func thePasswordIsNeverShown() throws {
        let configuration = try PostgresStoreConfiguration(url: "postgres://app:hunter2@db:5432/tessera?sslmode=disable")
        #expect(configuration.password == "hunter2")
        #expect(!configuration.description.contains("hunter2") && configuration.description.contains(":***@"))
        #expect(configuration.redactedURL.hasPrefix("postgres://app:***@db:5432/tessera?sslmode=disable"))
        #expect(!"\(configuration)".contains("hunter2"))
        for bad in [
            "postgres://app:hunter2@db:99999/tessera", "postgres://app:hunter2@db/tessera?sslmode=hunter2", "postgres://app:hunter2@db/",
            "postgres://app:hunter2@db/tessera?hunter2=1", "postgres://app:hunter2@/tessera",
        ] {
            do {
                _ = try PostgresStoreConfiguration(url: bad)
                Issue.record("accepted \(bad)")
            } catch {
                #expect(!"\(error)".contains("hunter2"), "\(error)")
            }
        }
    }

    @Test func onlyPostgresSchemesAreURLs() {
        #expect(PostgresStoreConfiguration.isURL("postgres://a@b/c") && PostgresStoreConfiguration.isURL("PostgreSQL://a@b/c"))
        #expect(!PostgresStoreConfiguration.isURL("./postgres://x") && !PostgresStoreConfiguration.isURL("data/tessera.sqlite"))
    }

    @Test func verifyFullMayNameItsRoots() throws {
        let configuration = try PostgresStoreConfiguration(url: "postgres://app@db/tessera?sslmode=verify-full&sslrootcert=/etc/tessera/ca.pem")
        #expect(configuration.rootCertificatePath == "/etc/tessera/ca.pem" && configuration.tls == .verifyFull)
    }
}
