import HTTPTypes
import Hummingbird
import SessionManagement
import SessionStorage
import Synchronization

/// Which browser origins may call the user side: each tenant lists its own (`allowed_origins`).
/// A preflight carries no credential, so it is answered for an origin any tenant allows; the
/// request itself is then held to its token's tenant (`allows(_:tenant:)`). The union is read
/// from the store at most once a second.
final class OriginPolicy: Sendable {
    private struct State {
        var origins: Set<String> = []
        var loadedAt: ContinuousClock.Instant?
    }

    static let refreshInterval = Duration.seconds(1)
    let manager: SessionManager
    private let state = Mutex(State())

    init(manager: SessionManager) {
        self.manager = manager
    }

    /// Whether any tenant allows `origin` (for preflights).
    func anyTenantAllows(_ origin: String) async throws -> Bool {
        let now = ContinuousClock.now
        let cached = state.withLock { state -> Set<String>? in
            guard let loaded = state.loadedAt, now - loaded < Self.refreshInterval else { return nil }
            return state.origins
        }
        if let cached { return cached.contains(origin) }
        let origins = Set(try await manager.tenants().flatMap(\.allowedOrigins))
        state.withLock { $0 = State(origins: origins, loadedAt: now) }
        return origins.contains(origin)
    }

    /// The request's `Origin` when it is a browser's cross-origin call; `nil` when there is none or
    /// it is this server's own (the docs page trying an operation).
    static func foreignOrigin(of request: Request) -> String? {
        guard let origin = request.headers[.origin] else { return nil }
        if let authority = request.head.authority, origin == "http://" + authority || origin == "https://" + authority { return nil }
        return origin
    }

    /// The CORS headers for an allowed origin's request.
    static func corsHeaders(_ origin: String) -> HTTPFields {
        [
            .accessControlAllowOrigin: origin, .accessControlAllowCredentials: "true", .vary: "Origin",
            .accessControlExposeHeaders: "Retry-After",
        ]
    }
}
