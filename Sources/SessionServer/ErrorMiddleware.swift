import Hummingbird
import Logging
import SessionManagement

/// The root error renderer: every failure no surface rendered itself (unknown routes and methods
/// above all) gets the body of the surface its path belongs to: Clerk's under `/v1`, the common
/// `{"error":{…}}` elsewhere. Anything unexpected is logged, never leaked.
///
/// The `/v1` routes and the gateway's render their own errors and are registered before this
/// middleware is added, so that they run without its layer (Decision 0021); unknown paths and
/// methods under `/v1` still come here.
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
        } catch {
            return ClerkError.response(for: error, to: request, logger: context.logger)
        }
    }
}
