import Hummingbird
import Logging
import SessionManagement

extension ClerkError {
    /// Any failure of a `/v1` request as Clerk's error body: what `V1Group`'s routes answer with when
    /// they throw, and what `ErrorMiddleware` answers for `/v1` paths no route serves. Anything
    /// unexpected is logged, never leaked.
    static func response(for error: any Error, to request: Request, logger: Logger) -> Response {
        switch error {
        case let error as ClerkError:
            return error.response
        case let error as ManagementError:
            if error.code == .unavailable { logger.error("use case failed", metadata: ["reason": "\(error.reason)"]) }
            return ClerkError(error).response
        case let error as HTTPError:
            switch error.status {
            case .notFound:
                return ClerkError.notFound("Resource not found", "No route matches \(request.method) \(request.uri.path)").response
            case .methodNotAllowed:
                return ClerkError(.methodNotAllowed, "method_not_allowed", "Method not allowed", "\(request.method) is not allowed here").response
            case .contentTooLarge:
                return ClerkError(.contentTooLarge, "request_body_too_large", "Request body too large", "The request body exceeds the limit").response
            default:
                return ClerkError(error.status, "bad_request", error.body ?? "Bad request").response
            }
        default:
            logger.error("unexpected error", metadata: ["error": "\(error)"])
            return ClerkError(.internalServerError, "internal_clerk_error", "Oops, an unexpected error occurred").response
        }
    }
}
