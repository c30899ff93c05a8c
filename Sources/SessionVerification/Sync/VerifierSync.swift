#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
public import CoreMetrics
public import Logging
public import ServiceLifecycle
public import SessionTokens
import Synchronization

/// Keeps a verifier's keys and revocations current from a Tessera server, as a
/// swift-service-lifecycle `Service`: the JWKS, fetched again when its `Cache-Control` lifetime
/// ends or when a token names an unknown `kid` (at most once per cooldown), and the revocation
/// feed, followed by long poll so a revocation arrives within a round trip of being committed.
/// Both are swapped in atomically; verification stays synchronous and lock-free.
///
/// Fails closed: when the feed has not been confirmed for `staleAfter` (30 s by default), the
/// verifiers built here refuse every token with `revocationsStale` until it is reached again.
///
/// ```swift
/// let sync = VerifierSync(configuration: .init(serverURL: "https://auth.internal", secretKey: key))
/// let verifier = sync.verifier(policy: ClaimPolicy(issuer: "https://auth.example.com"))
/// // run `sync` in your ServiceGroup, then on each request:
/// let claims = try verifier.verify(token, now: Int64(Date().timeIntervalSince1970)).claims
/// ```
public final class VerifierSync: Service, Sendable {
    public struct Configuration: Sendable {
        /// The server's base URL, e.g. `http://127.0.0.1:8080`.
        public var serverURL: String
        /// A secret key of the instance whose revocations to follow.
        public var secretKey: String
        /// Where the keys are published; by default `serverURL` + `/v1/jwks`, the JWKS of the
        /// secret key's own tenant (asked with the key).
        public var jwksURL: String?
        /// Refuse every token once the feed has not been confirmed for this long.
        public var staleAfter: Duration = .seconds(30)
        /// The shortest time between two JWKS fetches asked for by unknown `kid`s.
        public var keyRefreshCooldown: Duration = .seconds(10)
        /// The JWKS lifetime when the server sends no `max-age`; any `max-age` is held within 10 s … 1 day.
        public var defaultKeysLifetime: Duration = .seconds(300)
        /// Entries per feed request.
        public var pageLimit: Int = 1000
        /// The first retry delay after a failure; doubled up to `maximumRetryDelay`.
        public var retryDelay: Duration = .milliseconds(200)
        public var maximumRetryDelay: Duration = .seconds(5)
        /// How often entries past their retain-until are dropped.
        public var pruneInterval: Duration = .seconds(60)
        /// Where the follower reports its lag (`VerifierSyncMetrics`); the global `MetricsSystem` when `nil`.
        public var metricsFactory: (any MetricsFactory)?

        public init(serverURL: String, secretKey: String) {
            self.serverURL = serverURL.hasSuffix("/") ? String(serverURL.dropLast()) : serverURL
            self.secretKey = secretKey
        }

        /// The long-poll wait: well inside the staleness limit, so an idle feed is confirmed in time.
        var pollWaitSeconds: Int {
            max(1, min(25, Int((staleAfter / 2).components.seconds)))
        }
    }

    /// What the follower knows, for health checks and metrics.
    public struct Status: Sendable {
        public var keysAge: Duration?
        public var keyIDs: [String]
        public var revocationsAge: Duration?
        public var revocationCount: Int
        public var cursor: Int64
        /// Set while the last attempt failed.
        public var lastError: String?
        public var isStale: Bool
    }

    struct Progress {
        var cursor: Int64 = 0
        var keysError: String?
        var feedError: String?
    }

    public let keys: LiveKeys
    public let revocations: RevocationList
    let configuration: Configuration
    let transport: any VerifierTransport
    let wallClock: @Sendable () -> Int64
    let logger: Logger
    let progress = Mutex(Progress())
    let metrics: VerifierSyncMetrics

    /// - Parameter wallClock: now in Unix milliseconds, used only to drop expired entries.
    public init(
        configuration: Configuration, transport: any VerifierTransport = URLSessionVerifierTransport(),
        logger: Logger = Logger(label: "tessera.verifier-sync"), wallClock: @escaping @Sendable () -> Int64 = VerifierSync.systemMilliseconds
    ) {
        self.configuration = configuration
        self.transport = transport
        self.logger = logger
        self.wallClock = wallClock
        metrics = VerifierSyncMetrics(factory: configuration.metricsFactory)
        keys = LiveKeys()
        revocations = RevocationList(staleAfter: configuration.staleAfter)
    }

    /// A verifier over this follower's keys and revocations.
    public func verifier(policy: ClaimPolicy, maximumTokenBytes: Int = SessionVerifier.defaultMaximumTokenBytes) -> SessionVerifier {
        SessionVerifier(keys: keys, policy: policy, maximumTokenBytes: maximumTokenBytes, revocations: revocations)
    }

    public var status: Status {
        let progress = progress.withLock { $0 }
        let age = revocations.age
        return Status(
            keysAge: keys.age, keyIDs: keys.keys.keyIDs, revocationsAge: age, revocationCount: revocations.count,
            cursor: progress.cursor, lastError: progress.feedError ?? progress.keysError,
            isStale: age.map { $0 > configuration.staleAfter } ?? true)
    }

    /// Follows the keys and the feed until cancelled or a graceful shutdown.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.followKeys() }
                group.addTask { await self.followRevocations() }
            }
        }
    }

    /// Waits until keys are loaded and the feed confirmed (for start-up: serve once this is true).
    public func waitUntilCurrent(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if keys.age != nil, let age = revocations.age, age <= configuration.staleAfter { return true }
            do { try await Task.sleep(for: .milliseconds(10)) } catch { return false }
        }
        return false
    }

    public static let systemMilliseconds: @Sendable () -> Int64 = {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}
