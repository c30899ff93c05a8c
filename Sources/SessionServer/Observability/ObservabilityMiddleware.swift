import CoreMetrics
import HTTPTypes
import Hummingbird
import Logging

/// The outermost middleware: gives the request its id (`X-Request-Id`, see `RequestID`), counts and
/// times it by route pattern (`HTTPMetrics`), and writes its one log line: method, route pattern
/// (never the raw path, which holds ids and tokens), status, duration in milliseconds, tenant when
/// an authenticator found one, and the request id, which every other line of the request carries too.
struct ObservabilityMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let metrics: TesseraMetrics

    static let requestIDField = HTTPField.Name("X-Request-Id")!

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let requestID = RequestID.accepted(request.headers[Self.requestIDField]) ?? RequestID.generate()
        var context = context
        // Hummingbird's own counter id is replaced by this one, so each line has one id.
        context.logger[metadataKey: "hb.request.id"] = nil
        context.logger[metadataKey: "request_id"] = .string(requestID)
        let observation = RequestObservation(metrics: metrics)
        context.observation = observation
        let method = HTTPMetrics.methodLabel(request.method)
        metrics.http.inFlight.increment()
        defer { metrics.http.inFlight.decrement() }
        do {
            var response = try await next(request, context)
            response.headers[Self.requestIDField] = requestID
            finish(context, method: method, status: response.status.code, start: start, tenant: observation.tenant)
            return response
        } catch {
            // The error middlewares inside render nearly everything; what escapes them is answered by Hummingbird.
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            finish(context, method: method, status: status, start: start, tenant: observation.tenant)
            throw error
        }
    }

    private func finish(_ context: ServerContext, method: String, status: Int, start: ContinuousClock.Instant, tenant: String?) {
        let elapsed = ContinuousClock.now - start
        let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        let route = HTTPMetrics.routeLabel(context.endpointPath)
        metrics.http.record(route: route, method: method, status: status, nanoseconds: nanoseconds)
        guard context.logger.logLevel <= .info else { return }
        var metadata: Logger.Metadata = [
            "method": .string(method), "route": .string(route), "status": .stringConvertible(status),
            "duration_ms": .stringConvertible(Double(nanoseconds / 1000) / 1000),
        ]
        if let tenant { metadata["tenant"] = .string(tenant) }
        context.logger.info("request", metadata: metadata)
    }
}
