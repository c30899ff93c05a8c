import Hummingbird
import Logging
import SessionManagement

/// The root error renderer: every failure no surface rendered itself (unknown routes and methods
/// above all) gets the body of the surface its path belongs to: Clerk's under `/v1`, the common
/// `{"error":{…}}` elsewhere. Anything unexpected is logged, never leaked.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let fallback = APIErrorMiddleware()

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard path == "/v1" || path.hasPrefix("/v1/") else {
            var response = try await fallback.handle(request, context: context, next: next)
            // The user side is never cached, whatever answers: its own errors and the router's
            // (an unknown route or method under /api/) included.
            if path.hasPrefix("/api/") { response.headers[.cacheControl] = "no-store" }
            return response
        }
        do {
            return try await next(request, context)
        } catch let error as ClerkError {
            return error.response
        } catch let error as ManagementError {
            if error.code == .unavailable { context.logger.error("use case failed", metadata: ["reason": "\(error.reason)"]) }
            return ClerkError(error).response
        } catch let error as HTTPError {
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
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(error)"])
            return ClerkError(.internalServerError, "internal_clerk_error", "Oops, an unexpected error occurred").response
        }
    }
}
