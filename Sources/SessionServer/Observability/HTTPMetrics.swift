import CoreMetrics
import HTTPTypes
import Prometheus
import Synchronization

/// Requests by route pattern, method and status, their durations by route pattern and method, and
/// those in flight. Hummingbird's own `MetricsMiddleware` is not used: it records through the
/// global `MetricsSystem` only (one per process, so tests could not each have their own), and it
/// labels with the request's method as sent, so a client inventing methods makes new series at
/// will. Here a path no route matches is `route="unmatched"` and a method outside the standard
/// ones is `method="OTHER"`, so the number of series is bounded by the routes the server has.
/// Series are made once and cached: a request costs two dictionary lookups under a lock.
final class HTTPMetrics: Sendable {
    static let requestsLabel = "tessera_http_requests_total"
    static let durationLabel = "tessera_http_request_duration_seconds"
    static let unmatched = "unmatched"

    private struct RouteKey: Hashable {
        let route: String
        let method: String
    }

    /// One route and method's series: its duration, and a counter per status seen.
    final class RouteSeries: Sendable {
        let duration: CoreMetrics.Timer
        let statuses: Mutex<[Int: CoreMetrics.Counter]>
        let route: String
        let method: String
        let factory: PrometheusMetricsFactory

        init(route: String, method: String, factory: PrometheusMetricsFactory) {
            self.route = route
            self.method = method
            self.factory = factory
            duration = Timer(label: HTTPMetrics.durationLabel, dimensions: [("route", route), ("method", method)], factory: factory)
            statuses = Mutex([:])
        }

        func counter(status: Int) -> CoreMetrics.Counter {
            statuses.withLock { statuses in
                if let known = statuses[status] { return known }
                let counter = Counter(
                    label: HTTPMetrics.requestsLabel, dimensions: [("route", route), ("method", method), ("status", String(status))],
                    factory: factory)
                statuses[status] = counter
                return counter
            }
        }
    }

    let inFlight: CoreMetrics.Meter
    private let factory: PrometheusMetricsFactory
    private let routes = Mutex<[RouteKey: RouteSeries]>([:])

    init(factory: PrometheusMetricsFactory) {
        self.factory = factory
        inFlight = Meter(label: "tessera_http_requests_in_flight", factory: factory)
    }

    /// The method as a label: the standard ones as they are, anything else `OTHER`.
    static func methodLabel(_ method: HTTPRequest.Method) -> String {
        switch method {
        case .get: "GET"
        case .head: "HEAD"
        case .post: "POST"
        case .put: "PUT"
        case .patch: "PATCH"
        case .delete: "DELETE"
        case .options: "OPTIONS"
        default: "OTHER"
        }
    }

    /// The route as a label: the pattern Hummingbird matched, `unmatched` when none did.
    static func routeLabel(_ endpointPath: String?) -> String {
        guard let endpointPath, endpointPath != "NotFound" else { return unmatched }
        return endpointPath
    }

    /// Records one finished request.
    func record(route: String, method: String, status: Int, nanoseconds: Int64) {
        let series = routes.withLock { routes in
            let key = RouteKey(route: route, method: method)
            if let known = routes[key] { return known }
            let series = RouteSeries(route: route, method: method, factory: factory)
            routes[key] = series
            return series
        }
        series.counter(status: status).increment()
        series.duration.recordNanoseconds(nanoseconds)
    }
}
