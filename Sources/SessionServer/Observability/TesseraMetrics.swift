public import Prometheus
import CoreMetrics
import SessionManagement
import SessionTokens
import Synchronization

/// Every metric the server exports, made once through swift-metrics with a factory over one
/// `PrometheusCollectorRegistry` (never the global `MetricsSystem`, so each application built in a
/// process, each test's included, has its own). Every label value is from a fixed set: route
/// patterns, methods, status codes, algorithms, token kinds, reasons, states and surfaces; never a
/// path, tenant slug, template name or id. Every series of a fixed set is made at start, so each
/// documented family is scraped from the first request on, at zero.
/// The table in Docs/Operations.md ("Metrics") lists them.
public final class TesseraMetrics: Sendable {
    /// Where a request was refused for its rate: the user side's limiter, or `/v1`'s.
    public enum RateLimitSurface: String, Sendable, CaseIterable {
        case userSide = "user_side"
        case v1
    }

    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    let http: HTTPMetrics
    let sessionsCreated: CoreMetrics.Counter
    let sessionsRevoked: [ManagementEvents.RevocationReason: CoreMetrics.Counter]
    let tokensMinted: [JWSAlgorithm: [ManagementEvents.TokenKind: CoreMetrics.Counter]]
    let signingKeys: [TenantKeys.ScheduledKey.State: CoreMetrics.Gauge]
    let secondsToRotation: CoreMetrics.Gauge
    let feedHead: CoreMetrics.Gauge
    let feedWaitingPolls: CoreMetrics.Gauge
    let revocationDelivery: CoreMetrics.Timer
    let rateLimitedRequests: [RateLimitSurface: CoreMetrics.Counter]

    /// Buckets for request durations: the gateway answers in well under a millisecond.
    static let requestBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
    ]
    /// Buckets for revocation delivery: in process it is immediate, from another process it
    /// waits for the next catch-up (every 200 ms).
    static let deliveryBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30),
    ]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [
            HTTPMetrics.durationLabel: Self.requestBuckets, "tessera_revocation_delivery_seconds": Self.deliveryBuckets,
        ]
        self.factory = factory
        http = HTTPMetrics(factory: factory)
        sessionsCreated = Counter(label: "tessera_sessions_created_total", factory: factory)
        sessionsRevoked = Dictionary(
            uniqueKeysWithValues: ManagementEvents.RevocationReason.allCases.map { reason in
                (reason, Counter(label: "tessera_sessions_revoked_total", dimensions: [("reason", reason.rawValue)], factory: factory))
            })
        tokensMinted = Dictionary(
            uniqueKeysWithValues: JWSAlgorithm.allCases.map { algorithm in
                (
                    algorithm,
                    Dictionary(
                        uniqueKeysWithValues: ManagementEvents.TokenKind.allCases.map { kind in
                            (
                                kind,
                                Counter(
                                    label: "tessera_tokens_minted_total", dimensions: [("algorithm", algorithm.rawValue), ("kind", kind.rawValue)],
                                    factory: factory)
                            )
                        })
                )
            })
        signingKeys = Dictionary(
            uniqueKeysWithValues: [TenantKeys.ScheduledKey.State.pending, .active, .retired].map { state in
                (state, Gauge(label: "tessera_signing_keys", dimensions: [("state", state.rawValue)], factory: factory))
            })
        secondsToRotation = Gauge(label: "tessera_signing_key_rotation_due_seconds", factory: factory)
        feedHead = Gauge(label: "tessera_revocation_feed_head", factory: factory)
        feedWaitingPolls = Gauge(label: "tessera_revocation_feed_waiting_polls", factory: factory)
        revocationDelivery = Timer(label: "tessera_revocation_delivery_seconds", factory: factory)
        rateLimitedRequests = Dictionary(
            uniqueKeysWithValues: RateLimitSurface.allCases.map { surface in
                (surface, Counter(label: "tessera_rate_limited_requests_total", dimensions: [("surface", surface.rawValue)], factory: factory))
            })
        secondsToRotation.record(-1)
    }

    /// Counts a request refused for its rate: the hook for every limiter (the user side's, `/v1`'s).
    public func rateLimited(_ surface: RateLimitSurface) {
        rateLimitedRequests[surface]?.increment()
    }

    /// The use-case events as counters.
    func count(_ events: ManagementEvents) -> ManagementEvents {
        var counted = events
        counted.sessionCreated = { [sessionsCreated] in
            sessionsCreated.increment()
            events.sessionCreated()
        }
        counted.sessionsRevoked = { [sessionsRevoked] reason, tenant, userID in
            sessionsRevoked[reason]?.increment()
            events.sessionsRevoked(reason, tenant, userID)
        }
        counted.tokenMinted = { [tokensMinted] algorithm, kind in
            tokensMinted[algorithm]?[kind]?.increment()
            events.tokenMinted(algorithm, kind)
        }
        return counted
    }

    /// The exposition text: what `GET /metrics` answers.
    public func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 << 10)
        registry.emit(into: &buffer)
        return buffer
    }
}
