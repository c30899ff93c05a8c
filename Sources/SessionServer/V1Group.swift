import HTTPTypes
import Hummingbird

/// The `/v1` routes of one `V1Access`, each registered as one responder that authenticates the
/// secret key (`SecretKeyAuthenticator`), runs the route's handler, and renders whatever it throws
/// as Clerk's error body (`ClerkError.response(for:to:logger:)`).
///
/// Neither the authenticator nor the error body is a Hummingbird middleware: on NIO's event loops
/// (Decision 0017) each `async` layer of a middleware chain is entered and left through the loop's
/// queue, about seven trips per middleware, and `/v1` carries the routes gateways poll (Decision
/// 0021). The authenticator is still the surface's one gate: a route can only be added to `/v1`
/// through this type. The groups are registered before `ErrorMiddleware` is added, which then wraps
/// only what no route serves.
struct V1Group {
    /// A route's handler, run where the responder runs (`nonisolated(nonsending)`).
    typealias Handler = nonisolated(nonsending) @Sendable (Request, ServerContext) async throws -> Response

    private let group: RouterGroup<ServerContext>
    private let authenticator: SecretKeyAuthenticator
    let access: V1Access

    init(_ router: Router<ServerContext>, authenticator: SecretKeyAuthenticator, access: V1Access) {
        group = router.group("v1")
        self.authenticator = authenticator
        self.access = access
    }

    @discardableResult func get(_ path: RouterPath, use handler: @escaping Handler) -> Self { on(path, method: .get, handler) }
    @discardableResult func post(_ path: RouterPath, use handler: @escaping Handler) -> Self { on(path, method: .post, handler) }
    @discardableResult func patch(_ path: RouterPath, use handler: @escaping Handler) -> Self { on(path, method: .patch, handler) }
    @discardableResult func delete(_ path: RouterPath, use handler: @escaping Handler) -> Self { on(path, method: .delete, handler) }

    private func on(_ path: RouterPath, method: HTTPRequest.Method, _ handler: @escaping Handler) -> Self {
        group.on(path, method: method, responder: Responder(authenticator: authenticator, access: access, handler: handler))
        return self
    }

    private struct Responder: HTTPResponder {
        let authenticator: SecretKeyAuthenticator
        let access: V1Access
        let handler: Handler

        func respond(to request: Request, context: ServerContext) async throws -> Response {
            do {
                return try await authenticator.respond(to: request, context: context, access: access, handler: handler)
            } catch {
                return ClerkError.response(for: error, to: request, logger: context.logger)
            }
        }
    }
}
