public import Hummingbird
import NIOCore
import SessionNetwork
import SessionManagement
import SessionStorage

/// Who a request is, as the authenticator of its surface established it.
enum Principal: Sendable {
    /// A tenant's secret or verifier key (`SecretKeyAuthenticator`, the Clerk surface).
    case tenantKey(tenant: Instance, scope: KeyScope)
    /// An operator key (`OperatorKeyMiddleware`, the operator surface).
    case `operator`
    /// A signed-in user's own session token (`SessionTokenMiddleware`, the user side).
    case user(UserPrincipal)
}

/// The user side's caller: the tenant and user of a verified, unrevoked session token, and the
/// session it belongs to (`current`).
struct UserPrincipal: Sendable {
    let tenant: Instance
    let userID: String
    let sessionID: String
    /// The token came in the `__session` cookie, which a browser sends by itself: such a request
    /// must come from an allowed origin.
    let viaCookie: Bool
}

/// Per-request state: the principal its surface's authenticator put there.
public struct ServerContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    var principal: Principal? {
        // The request's log line names the tenant an authenticator found.
        didSet {
            switch principal {
            case .tenantKey(let tenant, _): observation?.tenant = tenant.slug
            case .user(let user): observation?.tenant = user.tenant.slug
            case .operator, nil: break
            }
        }
    }
    /// Set by `ObservabilityMiddleware`, shared with every layer inside it.
    var observation: RequestObservation?
    /// The connection, kept so that its peer is read only by the routes that record it.
    private let channel: any Channel

    public init(source: Source) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The socket's peer: the client, or the proxy in front of it.
    var peerAddress: IPAddress? {
        channel.remoteAddress?.ipAddress.flatMap { IPAddress($0) }
    }

    /// The tenant of the secret key that authenticated the request, on the Clerk surface.
    var instance: Instance? {
        if case .tenantKey(let tenant, _) = principal { return tenant }
        return nil
    }

    /// The user side's caller, which its authenticator guarantees on its routes.
    func requireUser() throws -> UserPrincipal {
        guard case .user(let user) = principal else { throw UserSideError.unauthenticated }
        return user
    }

    /// Request bodies are capped by `ServerConfiguration.maximumBodyBytes`, enforced when collected.
    public var maxUploadSize: Int { 1 << 20 }
}
