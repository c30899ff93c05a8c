import Foundation
import HTTPTypes
import Hummingbird
import SessionCrypto

/// `/docs`, `/openapi.yaml` and `/openapi.json` (surfaces.md §6): the document compiled into the
/// binary (`OpenAPIDocument`, generated from Docs/openapi.yaml) and the page that shows it. They
/// change only with the build, so each answer carries an ETag and may be cached briefly; a
/// conditional request that matches gets 304.
struct DocsRoutes {
    /// One of the three answers, made once: its bytes, type and validator.
    struct StaticDocument: Sendable {
        let body: String
        let headers: HTTPFields

        init(_ body: String, contentType: String, headers extra: HTTPFields = [:]) {
            self.body = body
            var headers = extra
            headers[.contentType] = contentType
            // Five minutes: long enough to spare repeated loads, short enough that an upgrade shows soon.
            headers[.cacheControl] = "public, max-age=300"
            headers[.eTag] = "\"" + SHA256.hash(Array(body.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined() + "\""
            headers[.xContentTypeOptions] = "nosniff"
            self.headers = headers
        }

        func response(to request: Request) -> Response {
            if let tags = request.headers[.ifNoneMatch], let eTag = headers[.eTag],
                tags == "*" || tags.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == eTag })
            {
                var unchanged = headers
                unchanged[.contentType] = nil
                return Response(status: .notModified, headers: unchanged)
            }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
        }
    }

    static let yaml = StaticDocument(OpenAPIDocument.yaml, contentType: "application/yaml; charset=utf-8")
    static let json = StaticDocument(OpenAPIDocument.json, contentType: "application/json; charset=utf-8")
    static let page = StaticDocument(
        DocsPage.html, contentType: "text/html; charset=utf-8",
        headers: [.contentSecurityPolicy: DocsPage.contentSecurityPolicy, .init("Referrer-Policy")!: "no-referrer"])

    func register(_ router: Router<ServerContext>) {
        router.get("/openapi.yaml") { request, _ in Self.yaml.response(to: request) }
        router.get("/openapi.json") { request, _ in Self.json.response(to: request) }
        router.get("/docs") { request, _ in
            // The router matches `/docs/` here too; the page's relative links need the one URL.
            // Browsers keep the fragment (`#/sessions`) across the redirect.
            if request.uri.path != "/docs" { return Response(status: .permanentRedirect, headers: [.location: "/docs"]) }
            return Self.page.response(to: request)
        }
    }
}
