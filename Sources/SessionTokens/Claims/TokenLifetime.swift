/// The limits on how long a minted token may live.
public struct TokenLifetime: Sendable, Hashable {
    /// Clerk's bounds for `expires_in_seconds` and template lifetimes.
    public static let allowedRange: ClosedRange<Int64> = 30...315_360_000

    /// The lifetime when a request names none.
    public var defaultSeconds: Int64
    /// The service's own cap: a request above it is honoured only up to it.
    public var maximumSeconds: Int64

    public init(defaultSeconds: Int64 = 60, maximumSeconds: Int64 = TokenLifetime.allowedRange.upperBound) {
        self.defaultSeconds = defaultSeconds
        self.maximumSeconds = maximumSeconds
    }

    /// The lifetime to use for a request: refused outside 30…315360000, then capped by the policy.
    public func resolve(requested: Int64?, fallback: Int64? = nil) throws(TokenError) -> Int64 {
        if let requested {
            guard Self.allowedRange.contains(requested) else {
                throw TokenError(.invalidLifetime, "expires_in_seconds must be between 30 and 315360000, got \(requested)")
            }
            return min(requested, maximumSeconds)
        }
        return min(fallback ?? defaultSeconds, maximumSeconds)
    }
}
