import HTTPTypes
import Hummingbird

/// The user side's errors: `{"error":{"code","message"}}` like the other non-Clerk surfaces, with
/// an RFC 6750 challenge on every 401 and `Retry-After` on a 429.
enum UserSideError {
    static let realm = "tessera"

    static let unauthenticated = APIError(
        .unauthorized, "unauthenticated", "Send Authorization: Bearer <session token> or the __session cookie", realm: realm)

    /// A token that was presented but is not a valid, unrevoked session token of a known tenant.
    static func invalidToken(_ code: String) -> Response {
        var response = APIError(.unauthorized, "invalid_token", "The session token is not valid: \(code)", realm: realm).response
        response.headers[.wwwAuthenticate] = "Bearer realm=\"\(realm)\", error=\"invalid_token\", error_description=\"\(code)\""
        return response
    }

    static func rateLimited(retryAfter: Int) -> Response {
        var response = APIError(.tooManyRequests, "rate_limited", "Too many requests; retry after \(retryAfter) s").response
        response.headers[.retryAfter] = String(retryAfter)
        return response
    }

    /// RFC 6750 §3.1: the token is valid but was minted for an OAuth client.
    static var clientToken: Response {
        var response = APIError(.forbidden, "insufficient_scope", "A token minted for an OAuth client cannot use the user's own surface").response
        response.headers[.wwwAuthenticate] = "Bearer realm=\"\(realm)\", error=\"insufficient_scope\""
        return response
    }

    static let originNotAllowed = APIError(.forbidden, "origin_not_allowed", "This origin is not allowed for the tenant")
}
