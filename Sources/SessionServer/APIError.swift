import HTTPTypes
import Logging
import Hummingbird
import SessionManagement
import SessionTokens

/// An error as every non-Clerk surface (operator, public, and later tenant admin and user side)
/// renders it: `{"error":{"code","message"}}`, with `WWW-Authenticate: Bearer` on every 401
/// (surfaces.md §0).
struct APIError: Error {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    /// The realm a 401's `WWW-Authenticate: Bearer` challenge names: which surface's credential is wanted.
    var realm: String

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String, realm: String = "tessera-operator") {
        self.status = status
        self.code = code
        self.message = message
        self.realm = realm
    }

    var response: Response {
        var headers: HTTPFields = [:]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer realm=\"\(realm)\"" }
        return JSONResponse.make(
            .object(["error": .object(["code": .string(code), "message": .string(message)])]), status: status, headers: headers)
    }

    static let unauthenticated = APIError(.unauthorized, "unauthenticated", "Send Authorization: Bearer op_… with a live operator key")

    /// Use-case errors in the operator surface's codes; the reasons are written for API callers.
    init(_ error: ManagementError) {
        switch error.code {
        case .unauthenticated: self = .unauthenticated
        case .notFound: self.init(.notFound, "not_found", error.reason)
        case .conflict: self.init(.conflict, "conflict", error.reason)
        case .consentRequired: self.init(.conflict, "consent_required", error.reason)
        case .unavailable: self.init(.serviceUnavailable, "unavailable", "The service could not complete the request; retry")
        default: self.init(.badRequest, "invalid_request", error.reason)
        }
    }

    /// A Clerk error raised by shared request helpers (body reading, id checks), in this surface's shape.
    init(_ error: ClerkError) {
        let code = switch error.status.code {
        case 401: "unauthenticated"
        case 404: "not_found"
        case 413: "request_body_too_large"
        case 415: "unsupported_media_type"
        default: "invalid_request"
        }
        self.init(error.status.code == 422 ? .badRequest : error.status, code, error.longMessage)
    }
}

/// Renders every failure below it in the non-Clerk error body.
struct APIErrorMiddleware: RouterMiddleware {
    typealias Context = ServerContext

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.response
        } catch let error as ManagementError {
            if error.code == .unavailable { context.logger.error("use case failed", metadata: ["reason": "\(error.reason)"]) }
            return APIError(error).response
        } catch let error as ClerkError {
            return APIError(error).response
        } catch let error as HTTPError {
            let code = switch error.status {
            case .contentTooLarge: "request_body_too_large"
            case .notFound: "not_found"
            case .methodNotAllowed: "method_not_allowed"
            default: "invalid_request"
            }
            return APIError(error.status, code, error.body ?? "\(request.method) \(request.uri.path) is not served here").response
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(error)"])
            return APIError(.internalServerError, "internal_error", "An unexpected error occurred").response
        }
    }
}
