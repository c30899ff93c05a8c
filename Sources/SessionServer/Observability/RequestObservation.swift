import Synchronization

/// What the outer middleware learns about one request from the layers inside it: the tenant its
/// authenticator found (for the request's log line), and the metrics they report to. Inner layers
/// hold a copy of the context, so this is a reference they all share.
final class RequestObservation: Sendable {
    let metrics: TesseraMetrics
    private let tenantSlug = Mutex<String?>(nil)

    init(metrics: TesseraMetrics) {
        self.metrics = metrics
    }

    var tenant: String? {
        get { tenantSlug.withLock { $0 } }
        set { tenantSlug.withLock { $0 = newValue } }
    }
}
