import HTTPTypes
import Hummingbird
import SessionManagement
import SessionTokens
import SessionVerification

/// `GET /v1/verify` (the default tenant) and `GET /t/{slug}/v1/verify` for forward-auth gateways (nginx `auth_request`, Traefik ForwardAuth, Envoy
/// ext_authz): the user's token from `Authorization: Bearer` or the `__session` cookie, 200 with
/// `X-Session-Id`/`X-User-Id` (and the configured claim headers), or 401 with an RFC 6750 challenge naming the rejection code.
///
/// A class, so that the route's responder holds one reference rather than copying the fields on
/// every request.
final class GatewayRoutes: Sendable {
    let manager: SessionManager
    let gateway: GatewayVerifier
    let claimHeaders: [GatewayClaimHeader]

    init(manager: SessionManager, gateway: GatewayVerifier, claimHeaders: [GatewayClaimHeader]) {
        self.manager = manager
        self.gateway = gateway
        self.claimHeaders = claimHeaders
    }

    static let sessionIDHeader = HTTPField.Name("X-Session-Id")!
    static let userIDHeader = HTTPField.Name("X-User-Id")!

    func register(_ router: Router<ServerContext>) {
        // One responder of its own that renders its own errors, registered before `ErrorMiddleware`
        // (Decision 0021): the route gateways call on every request runs without a middleware layer.
        router.on("/v1/verify", method: .get, responder: DefaultTenantResponder(routes: self))
        router.group("t/:slug").add(middleware: APIErrorMiddleware()).get("v1/verify") { [self] request, context in
            let slug = try context.slug()
            if let tenant = manager.cachedTenantKeys(slug: slug) { return verify(request, tenant: tenant) }
            return verify(request, tenant: try await manager.tenantKeys(slug: slug))
        }
    }

    /// `GET /v1/verify`, for the default tenant.
    private struct DefaultTenantResponder: HTTPResponder {
        let routes: GatewayRoutes

        func respond(to request: Request, context: ServerContext) async throws -> Response {
            do {
                // The directory's answer without a suspension when it has one (Decision 0020).
                if let tenant = routes.manager.cachedTenantKeys(slug: SessionManager.defaultSlug) { return routes.verify(request, tenant: tenant) }
                return routes.verify(request, tenant: try await routes.manager.tenantKeys(slug: SessionManager.defaultSlug))
            } catch {
                return ClerkError.response(for: error, to: request, logger: context.logger)
            }
        }
    }

    private func verify(_ request: Request, tenant: TenantKeys) -> Response {
        guard let token = Self.token(in: request) else { return Self.unauthorized("missingToken", "no bearer token or __session cookie") }
        do throws(VerificationError) {
            let answer = try gateway.answer(for: token, tenant: tenant, now: manager.now / 1000, render: render)
            return Response(status: .ok, headers: answer.headers, body: .init(byteBuffer: answer.body))
        } catch {
            return Self.unauthorized(error.code.rawValue, error.reason)
        }
    }

    /// The 200 answer for a token's claims, rendered once per token (the gateway keeps it).
    private func render(_ claims: JWTClaims) -> GatewayVerifier.Answer {
        var headers: HTTPFields = [:]
        for claimHeader in claimHeaders {
            if let value = claimHeader.value(in: claims) { headers[claimHeader.header] = value }
        }
        // Set last, and removed when absent, so that no claim header can stand in for them (the
        // configuration refuses such names; this holds even if one slipped through).
        headers[.contentType] = "application/json; charset=utf-8"
        headers[Self.sessionIDHeader] = claims.sessionID
        headers[Self.userIDHeader] = claims.subject
        var body: JSONObject = [:]
        body["session_id"] = claims.sessionID.map(JSONValue.string) ?? .null
        body["user_id"] = claims.subject.map(JSONValue.string) ?? .null
        return GatewayVerifier.Answer(headers: headers, body: ByteBuffer(bytes: JSONWriter.serialize(.object(body))))
    }

    static func token(in request: Request) -> String? {
        if let header = request.headers.single(.authorization), let token = bearerToken(in: header) { return token }
        for cookie in request.headers[values: .cookie] {
            for pair in cookie.split(separator: ";") {
                let trimmed = pair.drop { $0 == " " }
                if trimmed.hasPrefix("__session=") { return String(trimmed.dropFirst("__session=".count)) }
            }
        }
        return nil
    }

    /// The token of `Bearer <token>`: leading spaces skipped, the scheme in any casing, then
    /// everything after the one space that ends it (`header.split(separator: " ", maxSplits: 1)`'s
    /// second part), read over the bytes without the split's array and a lowercased copy: the
    /// gateway reads this header on every request. `nil` for another scheme or no token.
    static func bearerToken(in header: String) -> String? {
        let bytes = header.utf8
        guard let start = bytes.firstIndex(where: { $0 != UInt8(ascii: " ") }) else { return nil }
        let scheme = "bearer".utf8
        var index = start
        for expected in scheme {
            // `| 0x20` lowers exactly the ASCII letters B, E, A and R onto b, e, a and r.
            guard index < bytes.endIndex, bytes[index] | 0x20 == expected else { return nil }
            index = bytes.index(after: index)
        }
        guard index < bytes.endIndex, bytes[index] == UInt8(ascii: " ") else { return nil }
        let token = bytes.index(after: index)
        guard token < bytes.endIndex else { return nil }
        return String(header[token...])
    }

    static func unauthorized(_ code: String, _ reason: String) -> Response {
        // RFC 6750: the challenge carries the code; the body is the non-Clerk error shape.
        var response = APIError(.unauthorized, "invalid_token", "\(code): \(reason)").response
        response.headers[.wwwAuthenticate] = "Bearer error=\"invalid_token\", error_description=\"\(code)\""
        return response
    }
}
