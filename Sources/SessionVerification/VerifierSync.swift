#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
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
        /// Where the keys are published; by default `serverURL` + `/.well-known/jwks.json`.
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

    /// - Parameter wallClock: now in Unix milliseconds, used only to drop expired entries.
    public init(
        configuration: Configuration, transport: any VerifierTransport = URLSessionVerifierTransport(),
        logger: Logger = Logger(label: "tessera.verifier-sync"), wallClock: @escaping @Sendable () -> Int64 = VerifierSync.systemMilliseconds
    ) {
        self.configuration = configuration
        self.transport = transport
        self.logger = logger
        self.wallClock = wallClock
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

    // MARK: Keys

    func followKeys() async {
        let url = configuration.jwksURL ?? configuration.serverURL + "/.well-known/jwks.json"
        var nextDue = ContinuousClock.now
        var lastFetch: ContinuousClock.Instant?
        var retry = configuration.retryDelay
        while !Task.isCancelled {
            let now = ContinuousClock.now
            let cooledDown = lastFetch.map { now - $0 >= configuration.keyRefreshCooldown } ?? true
            if now >= nextDue || (cooledDown && keys.isRefreshRequested) {
                _ = keys.takeRefreshRequest()
                lastFetch = now
                do {
                    let lifetime = try await fetchKeys(url)
                    nextDue = ContinuousClock.now + lifetime
                    retry = configuration.retryDelay
                    progress.withLock { $0.keysError = nil }
                } catch {
                    logger.warning("JWKS fetch failed", metadata: ["url": "\(url)", "error": "\(error)"])
                    progress.withLock { $0.keysError = "\(error)" }
                    nextDue = ContinuousClock.now + retry
                    retry = min(retry * 2, configuration.maximumRetryDelay)
                }
            }
            // A local flag and a deadline are checked four times a second; nothing goes over the network.
            let pause = min(.milliseconds(250), max(.milliseconds(1), nextDue - ContinuousClock.now))
            do { try await Task.sleep(for: pause) } catch { return }
        }
    }

    /// Fetches and swaps in the keys; returns how long they may be cached.
    func fetchKeys(_ url: String) async throws -> Duration {
        let response = try await transport.get(url, headers: ["Accept": "application/json"], timeout: .seconds(10))
        guard response.status == 200 else { throw VerificationError(.syncFailed, "JWKS answered \(response.status)") }
        let parsed: VerifierKeys
        do { parsed = try VerifierKeys(jwks: try JWKS.parse(response.body)) } catch {
            throw VerificationError(.syncFailed, "JWKS is unusable: \(error)")
        }
        keys.replace(with: parsed)
        return Self.maxAge(response.headers["cache-control"]) ?? configuration.defaultKeysLifetime
    }

    /// `max-age` of a `Cache-Control` value, held within 10 s … 1 day; `no-store`/`no-cache` mean 10 s.
    static func maxAge(_ value: String?) -> Duration? {
        guard let value else { return nil }
        for directive in value.lowercased().split(separator: ",") {
            let trimmed = directive.trimmingSpaces
            if trimmed == "no-store" || trimmed == "no-cache" { return .seconds(10) }
            if trimmed.hasPrefix("max-age="), let seconds = Int64(trimmed.dropFirst("max-age=".count)) {
                return .seconds(min(max(seconds, 10), 86_400))
            }
        }
        return nil
    }

    // MARK: Revocations

    func followRevocations() async {
        var cursor: Int64 = 0
        var caughtUp = false
        /// Entries of a snapshot being paged in; swapped in whole once complete.
        var rebuilding: RevocationSnapshot?
        var retry = configuration.retryDelay
        var lastPrune = ContinuousClock.now
        while !Task.isCancelled {
            let wait = caughtUp ? configuration.pollWaitSeconds : 0
            let page: FeedPage
            do {
                page = try await fetchFeed(after: cursor, wait: wait)
                retry = configuration.retryDelay
                progress.withLock { $0.feedError = nil }
            } catch {
                if Task.isCancelled { return }
                logger.warning("revocation feed request failed", metadata: ["cursor": "\(cursor)", "error": "\(error)"])
                progress.withLock { $0.feedError = "\(error)" }
                caughtUp = false
                do { try await Task.sleep(for: retry) } catch { return }
                retry = min(retry * 2, configuration.maximumRetryDelay)
                continue
            }
            let received = ContinuousClock.now
            if page.snapshot {
                logger.info("revocation feed sent a snapshot", metadata: ["cursor": "\(cursor)"])
                rebuilding = RevocationSnapshot()
            }
            // An answer with fewer entries than a page holds everything up to the server's head.
            caughtUp = page.entries.count < configuration.pageLimit
            if rebuilding != nil {
                for entry in page.entries { entry.apply(to: &rebuilding!) }
                if caughtUp {
                    revocations.replace(with: rebuilding!, confirmedAt: received)
                    rebuilding = nil
                }
            } else {
                revocations.update(confirmedAt: caughtUp ? received : nil) { snapshot in
                    for entry in page.entries { entry.apply(to: &snapshot) }
                }
            }
            cursor = page.cursor
            progress.withLock { $0.cursor = page.cursor }
            if received - lastPrune >= configuration.pruneInterval {
                lastPrune = received
                revocations.removeExpired(now: wallClock())
            }
        }
    }

    struct FeedEntry {
        var sessionID: String?
        var userID: String?
        var notBefore: Int64
        var retainUntil: Int64

        func apply(to snapshot: inout RevocationSnapshot) {
            if let sessionID { snapshot.revokeSession(sessionID, retainUntil: retainUntil) }
            if let userID { snapshot.revokeUser(userID, notBefore: notBefore, retainUntil: retainUntil) }
        }
    }

    struct FeedPage {
        var entries: [FeedEntry]
        var cursor: Int64
        var snapshot: Bool
    }

    func fetchFeed(after cursor: Int64, wait: Int) async throws -> FeedPage {
        let url = "\(configuration.serverURL)/v1/revocations?after=\(cursor)&wait=\(wait)&limit=\(configuration.pageLimit)"
        let response = try await transport.get(
            url, headers: ["Authorization": "Bearer \(configuration.secretKey)", "Accept": "application/json"],
            timeout: .seconds(Int64(wait) + 10))
        guard response.status == 200 else {
            let code = (try? JSONParser.parse(response.body))?["errors"]?.arrayValue?.first?["code"]?.stringValue
            throw VerificationError(.syncFailed, "revocation feed answered \(response.status)\(code.map { " (\($0))" } ?? "")")
        }
        return try Self.parseFeed(response.body)
    }

    static func parseFeed(_ body: [UInt8]) throws(VerificationError) -> FeedPage {
        let value: JSONValue
        do { value = try JSONParser.parse(body) } catch { throw VerificationError(.syncFailed, "revocation feed is not JSON: \(error.reason)") }
        guard let items = value["entries"]?.arrayValue, let cursor = value["cursor"]?.integerValue,
            let snapshot = value["snapshot"]?.boolValue
        else { throw VerificationError(.syncFailed, "revocation feed answer lacks entries, cursor or snapshot") }
        var entries: [FeedEntry] = []
        entries.reserveCapacity(items.count)
        for item in items {
            guard let retainUntil = item["retain_until"]?.integerValue else {
                throw VerificationError(.syncFailed, "revocation entry without retain_until")
            }
            if let session = item["session_id"]?.stringValue {
                entries.append(FeedEntry(sessionID: session, userID: nil, notBefore: 0, retainUntil: retainUntil))
            } else if let user = item["user_id"]?.stringValue, let notBefore = item["not_before"]?.integerValue {
                entries.append(FeedEntry(sessionID: nil, userID: user, notBefore: notBefore, retainUntil: retainUntil))
            } else {
                throw VerificationError(.syncFailed, "revocation entry names neither a session nor a user with not_before")
            }
        }
        return FeedPage(entries: entries, cursor: cursor, snapshot: snapshot)
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var trimmed = self
        while trimmed.first == " " { trimmed.removeFirst() }
        while trimmed.last == " " { trimmed.removeLast() }
        return trimmed
    }
}
