import Hummingbird
import Logging
import SessionManagement

/// Turns every failure into a Clerk error body: use-case errors, malformed requests, unknown
/// routes and methods, oversized bodies, and anything unexpected (logged, never leaked).
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = ServerContext

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
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
