/// HTTP-level settings.
public struct ServerConfiguration: Sendable {
    /// Larger request bodies are refused with `413 request_body_too_large`, unread.
    public var maximumBodyBytes: Int
    /// `Cache-Control: max-age` for the public JWKS.
    public var jwksMaxAgeSeconds: Int
    /// `Docs/openapi.yaml`, served at `/openapi.yaml` when given.
    public var openAPIDocument: String?

    public init(maximumBodyBytes: Int = 1 << 20, jwksMaxAgeSeconds: Int = 300, openAPIDocument: String? = nil) {
        self.maximumBodyBytes = maximumBodyBytes
        self.jwksMaxAgeSeconds = jwksMaxAgeSeconds
        self.openAPIDocument = openAPIDocument
    }
}
