import CoreMetrics
import Hummingbird
import NIOCore
import SessionCrypto
import SessionManagement
import SessionStorage
import SessionTokens

/// `GET /ready` and `GET /metrics`, public like `/health` (surfaces.md). `/metrics` asks for
/// `Authorization: Bearer <--metrics-token>` when one is set, compared in constant time.
struct ObservabilityRoutes {
    let manager: SessionManager
    let metrics: TesseraMetrics
    /// `--metrics-token`'s SHA-256: the comparison then takes the same time whatever the length given.
    let metricsTokenDigest: [UInt8]?
    let rotationInterval: Int64?

    init(manager: SessionManager, metrics: TesseraMetrics, metricsToken: String?, rotationInterval: Int64?) {
        self.manager = manager
        self.metrics = metrics
        self.metricsTokenDigest = metricsToken.map { SHA256.hash(Array($0.utf8)) }
        self.rotationInterval = rotationInterval
    }

    func register(_ router: Router<ServerContext>) {
        router.get("/ready") { _, _ in
            let failing = await Readiness(manager: manager).failing()
            guard failing.isEmpty else {
                return JSONResponse.make(
                    .object(["status": .string("not_ready"), "failing": .array(failing.map { .string($0.rawValue) })]),
                    status: .serviceUnavailable, headers: [.cacheControl: "no-store"])
            }
            return JSONResponse.make(.object(["status": .string("ready")]), headers: [.cacheControl: "no-store"])
        }
        router.get("/metrics") { request, _ in
            if let metricsTokenDigest {
                let given = request.bearerCredential.map { SHA256.hash(Array($0.utf8)) } ?? []
                guard ConstantTime.equals(given, metricsTokenDigest) else {
                    return APIError(
                        .unauthorized, "unauthenticated", "GET /metrics needs Authorization: Bearer with the metrics token", realm: "tessera-metrics"
                    ).response
                }
            }
            await refreshGauges()
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
    }

    /// The gauges read at scrape time: the feed's head and waiting polls, signing keys by state
    /// and the time to the next scheduled rotation. A store that cannot answer leaves the key
    /// gauges as they were (`/ready` says so).
    func refreshGauges() async {
        metrics.feedHead.record(manager.feed.head)
        metrics.feedWaitingPolls.record(manager.feed.waitingPolls)
        guard let tenants = try? await manager.tenants() else { return }
        let now = manager.now
        var counts: [TenantKeys.ScheduledKey.State: Int] = [:]
        var nextRotation: Int64?
        for tenant in tenants {
            guard let keys = try? await manager.tenantKeys(for: tenant) else { continue }
            for key in keys.keys { counts[key.state(at: now), default: 0] += 1 }
            if let rotationInterval, let last = keys.keys.max(by: { $0.generation < $1.generation }) {
                let due = last.activatesAt.addingReportingOverflow(rotationInterval)
                let seconds = due.overflow ? Int64.max / 1000 : max(0, (due.partialValue - now) / 1000)
                nextRotation = min(nextRotation ?? seconds, seconds)
            }
        }
        for (state, gauge) in metrics.signingKeys { gauge.record(counts[state] ?? 0) }
        metrics.secondsToRotation.record(nextRotation ?? -1)
    }
}
