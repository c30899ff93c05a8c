import CoreMetrics
import HTTPTypes
import Logging
import Hummingbird
import MetricsTestKit
import NIOCore
import NIOEmbedded
import Testing

/// Why the server does not use Hummingbird 2.28.1's `MetricsMiddleware` (see `HTTPMetrics`): what it
/// records for 1000 random paths with invented methods. Unknown paths collapse into one route,
/// `NotFound`; the method is a label as sent, so each invented method is a series of its own; and
/// it only records through the process-wide `MetricsSystem`.
@Suite struct HummingbirdMetricsMiddlewareTests {
    /// `MetricsSystem` can be bootstrapped once per process: this is the only test that does.
    static let metrics: TestMetrics = {
        let metrics = TestMetrics()
        MetricsSystem.bootstrap(metrics)
        return metrics
    }()

    @Test func unknownPathsCollapseButInventedMethodsDoNot() async throws {
        let metrics = Self.metrics
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: MetricsMiddleware())
        router.get("/known/:id") { _, _ in "ok" }
        let responder = router.buildResponder()
        var generator = SystemRandomNumberGenerator()
        for index in 0..<1000 {
            let path = "/" + String(UInt64.random(in: 0...UInt64.max, using: &generator), radix: 36)
            let method = index % 10 == 0 ? HTTPRequest.Method("M\(index)")! : .get
            let request = Request(
                head: HTTPRequest(method: method, scheme: "http", authority: "localhost", path: path), body: RequestBody(buffer: ByteBuffer()))
            let context = BasicRequestContext(source: ApplicationRequestContextSource(channel: EmbeddedChannel(), logger: .init(label: "test")))
            _ = try? await responder.respond(to: request, context: context)
        }
        let series = metrics.counters(label: "hb.requests")
        let routes = Set(series.compactMap { $0.dimensions.first { $0.0 == "http.route" }?.1 })
        let methods = Set(series.compactMap { $0.dimensions.first { $0.0 == "http.request.method" }?.1 })
        #expect(routes == ["NotFound"])
        // 100 invented methods and GET: 101 series from one client, and as many as it likes.
        #expect(methods.count == 101)
    }
}
