// swift-tools-version:6.1
import PackageDescription

/// Every module is built with the same strictness: Swift 6 language mode plus the upcoming features
/// that make imports and existentials explicit (STYLE.md rule 11).
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Tessera",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SessionTokens", targets: ["SessionTokens"]),
        .library(name: "SessionCrypto", targets: ["SessionCrypto"]),
        .library(name: "SessionVerification", targets: ["SessionVerification"]),
        .library(name: "SessionStorage", targets: ["SessionStorage"]),
        .library(name: "SessionStorageSQLite", targets: ["SessionStorageSQLite"]),
        .library(name: "SessionStoragePostgres", targets: ["SessionStoragePostgres"]),
        .library(name: "SessionManagement", targets: ["SessionManagement"]),
        .library(name: "SessionDevices", targets: ["SessionDevices"]),
        .executable(name: "sessionctl", targets: ["sessionctl"]),
        .executable(name: "session-server", targets: ["session-server"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-structured-headers", from: "1.7.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),
        // libmaxminddb, for MaxMind-format GeoIP databases (SessionGeo only).
        .systemLibrary(
            name: "CMaxMindDB",
            pkgConfig: "libmaxminddb",
            providers: [.apt(["libmaxminddb-dev"]), .brew(["libmaxminddb"])]
        ),
        .target(name: "SessionTokens", swiftSettings: strict),
        .target(name: "SessionCrypto", dependencies: ["SessionTokens", "COpenSSL"], swiftSettings: strict),
        .target(
            name: "SessionVerification",
            dependencies: [
                "SessionTokens", "SessionCrypto",
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // The records, the store protocol and the audit chain (SHA-256 through SessionCrypto, data parsed with SessionTokens).
        .target(name: "SessionStorage", dependencies: ["SessionNetwork", "SessionCrypto", "SessionTokens"], swiftSettings: strict),
        // The byte-bounded cache behind the token, session and credential caches.
        .target(name: "SessionCaching", swiftSettings: strict),
        // Addresses and networks as the edge parses them (client IPs, trusted proxies, CIDR filters).
        .target(name: "SessionNetwork", swiftSettings: strict),
        // Where a client is: trusted edge headers, then a MaxMind-format database read through libmaxminddb.
        .target(name: "SessionGeo", dependencies: ["SessionNetwork", "CMaxMindDB"], swiftSettings: strict),
        // User agents and client hints to device, OS and browser, with uap-core's rules (Decision 0013).
        .target(
            name: "SessionDevices",
            dependencies: [
                "SessionCaching", .product(name: "RawStructuredFieldValues", package: "swift-http-structured-headers"),
            ],
            exclude: ["UAPCore/LICENSE", "UAPCore/SOURCES.md"],
            swiftSettings: strict
        ),
        .target(
            name: "SessionManagement",
            dependencies: ["SessionTokens", "SessionCrypto", "SessionStorage", "SessionCaching", "SessionNetwork"],
            swiftSettings: strict
        ),
        .target(
            name: "SessionServer",
            dependencies: [
                "SessionManagement", "SessionStorage", "SessionTokens", "SessionCrypto", "SessionVerification", "SessionCaching", "SessionNetwork",
                "SessionGeo", "SessionDevices",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "SessionStorageSQLite",
            dependencies: ["SessionStorage", "SessionNetwork", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        // The same store on PostgreSQL, for several stateless nodes (issue 13; Decision 0018).
        .target(
            name: "SessionStoragePostgres",
            dependencies: [
                "SessionStorage", "SessionNetwork", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Copies a SQLite database into an empty PostgreSQL one (sessionctl copy-database; issue 13).
        .target(
            name: "SessionStorageCopy",
            dependencies: [
                "SessionStorage", "SessionStorageSQLite", "SessionStoragePostgres", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "sessionctl",
            dependencies: [
                "SessionTokens", "SessionCrypto", "SessionVerification", "SessionStorage", "SessionStorageSQLite",
                "SessionStoragePostgres", "SessionStorageCopy",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "session-server",
            dependencies: [
                "SessionServer", "SessionManagement", "SessionStorageSQLite", "SessionStoragePostgres", "SessionCrypto", "SessionTokens", "SessionGeo",
                "SessionNetwork",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        // CPU-time rates and interleaved ratios shared by the benchmark executables.
        .target(name: "BenchmarkSupport", path: "Tests/Benchmarks/BenchmarkSupport", swiftSettings: strict),
        .executableTarget(
            name: "TokenBenchmarks",
            dependencies: ["SessionTokens", "SessionCrypto", "SessionVerification", "BenchmarkSupport"],
            path: "Tests/Benchmarks/TokenBenchmarks",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "RevocationBenchmarks",
            dependencies: ["SessionTokens", "SessionCrypto", "SessionVerification", "BenchmarkSupport"],
            path: "Tests/Benchmarks/RevocationBenchmarks",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "DeviceBenchmarks",
            dependencies: ["SessionDevices", "BenchmarkSupport"],
            path: "Tests/Benchmarks/DeviceBenchmarks",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "StoreBenchmarks",
            dependencies: [
                "SessionStorage", "SessionStorageSQLite", "SessionNetwork", "SessionStoragePostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/Benchmarks/StoreBenchmarks",
            swiftSettings: strict
        ),
        .testTarget(name: "SessionTokensTests", dependencies: ["SessionTokens"], exclude: ["Golden"], swiftSettings: strict),
        .testTarget(name: "SessionCachingTests", dependencies: ["SessionCaching"], swiftSettings: strict),
        .testTarget(name: "SessionNetworkTests", dependencies: ["SessionNetwork"], swiftSettings: strict),
        // MaxMind's published test database is in Fixtures/, read through #filePath (see Fixtures/README.md).
        .testTarget(
            name: "SessionGeoTests", dependencies: ["SessionGeo", "SessionNetwork"], exclude: ["Fixtures"], swiftSettings: strict),
        // uap-core's test corpora, converted into Corpus/ (see Corpus/SOURCES.md), are read from the source tree.
        .testTarget(name: "SessionDevicesTests", dependencies: ["SessionDevices"], exclude: ["Corpus"], swiftSettings: strict),
        // Key fixtures and the Wycheproof vectors (copied into Vectors/), for the test targets only.
        .target(
            name: "TestFixtures", dependencies: ["SessionTokens"], path: "Tests/TestFixtures", exclude: ["Vectors"], swiftSettings: strict),
        // The checks every SessionStore driver must pass, shared by the drivers' test targets.
        .target(name: "SessionStoreConformance", dependencies: ["SessionStorage", "SessionNetwork"], path: "Tests/SessionStoreConformance", swiftSettings: strict),
        .testTarget(name: "SessionStorageTests", dependencies: ["SessionStorage", "SessionStoreConformance", "SessionTokens"], swiftSettings: strict),
        .testTarget(
            name: "SessionStorageSQLiteTests",
            // GRDB directly: the tests open the store's file beside it to inject failures.
            dependencies: [
                "SessionStorageSQLite", "SessionStorage", "SessionStoreConformance", "SessionNetwork", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        // Runs against the server POSTGRES_URL names (each test in a database of its own); skipped, and said so, without it.
        .testTarget(
            name: "SessionStoragePostgresTests",
            dependencies: [
                "SessionStoragePostgres", "SessionStorage", "SessionStoreConformance", "SessionNetwork",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict
        ),
        // Against POSTGRES_URL like SessionStoragePostgresTests (skipped, and said so, without it); GRDB to alter a source file.
        .testTarget(
            name: "SessionStorageCopyTests",
            dependencies: [
                "SessionStorageCopy", "SessionStorageSQLite", "SessionStoragePostgres", "SessionStorage", "SessionNetwork",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SessionManagementTests",
            dependencies: [
                "SessionManagement", "SessionStorage", "SessionTokens", "SessionCrypto", "SessionVerification", "SessionCaching", "TestFixtures",
                // A shared SQLite file, written beside the manager the way another process would.
                "SessionStorageSQLite", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SessionServerTests",
            dependencies: [
                "SessionServer", "SessionManagement", "SessionStorage", "SessionTokens", "SessionCrypto", "TestFixtures",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                // The readiness test breaks a store's table from beside it.
                "SessionStorageSQLite", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "SessionCryptoTests", dependencies: ["SessionCrypto", "SessionTokens", "TestFixtures"], swiftSettings: strict),
        .testTarget(
            name: "SessionVerificationTests",
            dependencies: [
                "SessionVerification", "SessionCrypto", "SessionTokens", "TestFixtures", .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
