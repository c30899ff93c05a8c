import HTTPTypes
import Hummingbird
public import SessionStorage

/// The Backend API's (`/v1`) limits per secret key, Clerk's figures by default: a production tenant's key 1000 requests
/// per 10 s, a development tenant's 100, in a fixed window per key that opens at its first request (the 101st request
/// of the window is refused, with `Retry-After` until the window closes). Per process: two servers on one database
/// allow twice as much.
public struct V1RateLimit: Sendable {
    /// The figures' range (`--v1-rate-limit-production`, `--v1-rate-limit-development`): at least one request, and
    /// few enough that a bucket's arithmetic (thousandths of a request times the window) stays far from overflow.
    public static let allowedRange: ClosedRange<Int64> = 1...1_000_000
    /// Clerk's figures.
    public static let clerkProduction: Int64 = 1000
    public static let clerkDevelopment: Int64 = 100
    /// The window the figures count over, in milliseconds.
    public static let window: Int64 = 10_000

    /// Requests per 10 s for one key of a production tenant.
    public var production: Int64
    /// Requests per 10 s for one key of a development tenant.
    public var development: Int64
    /// Called on every refused request, with the key's tenant environment: the hook for a rate-limited counter
    /// (metrics). Runs on the request's task; it must be cheap and must not throw.
    public var onLimited: @Sendable (Instance.Environment) -> Void

    public init(
        production: Int64 = clerkProduction, development: Int64 = clerkDevelopment,
        onLimited: @escaping @Sendable (Instance.Environment) -> Void = { _ in }
    ) {
        precondition(Self.allowedRange.contains(production) && Self.allowedRange.contains(development))
        self.production = production
        self.development = development
        self.onLimited = onLimited
    }
}

/// The buckets behind `V1RateLimit`, one limiter per environment, keyed by the secret key's id (never the key).
struct V1RateLimiter: Sendable {
    let production: RateLimiter
    let development: RateLimiter
    let onLimited: @Sendable (Instance.Environment) -> Void

    init(_ limit: V1RateLimit) {
        // Keys are counted only once they authenticate, so entries are bounded by the keys that exist; the bound is a
        // backstop (RateLimiter evicts refilled buckets first).
        production = RateLimiter(capacity: limit.production, window: V1RateLimit.window, maximumKeys: 20_000, refill: .window)
        development = RateLimiter(capacity: limit.development, window: V1RateLimit.window, maximumKeys: 20_000, refill: .window)
        onLimited = limit.onLimited
    }

    /// Takes one request from the key's bucket; the refusal to answer with, if it is empty.
    func take(keyID: String, environment: Instance.Environment, now: Int64) -> Response? {
        let limiter = environment == .production ? production : development
        let verdict = limiter.take(keyID, now: now)
        guard !verdict.allowed else { return nil }
        onLimited(environment)
        return ClerkError.tooManyRequests(retryAfter: verdict.retryAfter)
    }
}
