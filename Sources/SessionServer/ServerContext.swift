public import Hummingbird
import NIOCore
import SessionNetwork
import SessionManagement
import SessionStorage

/// Who a request is, as the authenticator of its surface established it.
enum Principal: Sendable {
    /// A tenant's secret or verifier key (`SecretKeyMiddleware`, the Clerk surface).
    case tenantKey(tenant: Instance, scope: KeyScope)
    /// An operator key (`OperatorKeyMiddleware`, the operator surface).
    case `operator`
}

/// Per-request state: the principal its surface's authenticator put there.
public struct ServerContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    var principal: Principal?
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

    /// Request bodies are capped by `ServerConfiguration.maximumBodyBytes`, enforced when collected.
    public var maxUploadSize: Int { 1 << 20 }
}
