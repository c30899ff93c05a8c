import CoreMetrics

/// How far behind a `VerifierSync` is, through swift-metrics so that the service embedding it
/// exports it with its own metrics: the age of its key set and of its last confirmed feed position
/// (gauges in seconds, -1 until the first), and failed feed requests (a counter). Made with the
/// factory given in `VerifierSync.Configuration.metricsFactory`, else the global `MetricsSystem`.
struct VerifierSyncMetrics: Sendable {
    let keysAge: Gauge
    let feedAge: Gauge
    let feedErrors: Counter

    init(factory: (any MetricsFactory)?) {
        if let factory {
            keysAge = Gauge(label: "tessera_verifier_keys_age_seconds", factory: factory)
            feedAge = Gauge(label: "tessera_verifier_feed_age_seconds", factory: factory)
            feedErrors = Counter(label: "tessera_verifier_feed_errors_total", factory: factory)
        } else {
            keysAge = Gauge(label: "tessera_verifier_keys_age_seconds")
            feedAge = Gauge(label: "tessera_verifier_feed_age_seconds")
            feedErrors = Counter(label: "tessera_verifier_feed_errors_total")
        }
        keysAge.record(-1)
        feedAge.record(-1)
    }

    /// Sets both ages from what the follower holds now.
    func update(keysAge keys: Duration?, feedAge feed: Duration?) {
        keysAge.record(keys.map(Self.seconds) ?? -1)
        feedAge.record(feed.map(Self.seconds) ?? -1)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
