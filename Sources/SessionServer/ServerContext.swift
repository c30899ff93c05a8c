public import Hummingbird
import SessionStorage

/// Per-request state: the instance the secret key authenticated, set by `SecretKeyMiddleware`.
public struct ServerContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    var instance: Instance?

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// Request bodies are capped by `ServerConfiguration.maximumBodyBytes`, enforced when collected.
    public var maxUploadSize: Int { 1 << 20 }
}
