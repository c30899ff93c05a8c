import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded
import SessionServer
import Synchronization

/// A response as the tests read it.
struct TestResponse: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let body: ByteBuffer
}

/// Requests handed straight to the application's router: no sockets and no HTTP client, so the
/// tests need neither (HummingbirdTesting would bring AsyncHTTPClient and BoringSSL into the build).
struct RouterTestClient: Sendable {
    let responder: RouterResponder<ServerContext>
    var logger = Logger(label: "tessera.tests")

    func execute(uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: ByteBuffer? = nil) async throws -> TestResponse {
        var headers = headers
        if let body { headers[.contentLength] = String(body.readableBytes) }
        let request = Request(
            head: HTTPRequest(method: method, scheme: "http", authority: "localhost", path: uri, headerFields: headers),
            body: RequestBody(buffer: body ?? ByteBuffer()))
        let context = ServerContext(source: ApplicationRequestContextSource(channel: EmbeddedChannel(), logger: logger))
        let response: Response
        do { response = try await responder.respond(to: request, context: context) } catch {
            response = Response(status: .internalServerError)
        }
        let collected = Collected()
        try await response.body.write(CollectingWriter(collected: collected))
        return TestResponse(status: response.status, headers: response.headers, body: collected.buffer.withLock { $0 })
    }

    @discardableResult
    func execute<Value>(
        uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: ByteBuffer? = nil,
        _ check: (TestResponse) async throws -> Value
    ) async throws -> Value {
        try await check(execute(uri: uri, method: method, headers: headers, body: body))
    }

    final class Collected: Sendable {
        let buffer = Mutex(ByteBuffer())
    }

    struct CollectingWriter: ResponseBodyWriter {
        let collected: Collected

        mutating func write(_ buffer: ByteBuffer) async throws {
            collected.buffer.withLock { $0.writeImmutableBuffer(buffer) }
        }

        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
}

/// How a test talks to the application: in process, through the router.
enum TestMode { case router }

extension Application where Responder == RouterResponder<ServerContext> {
    func test<Value>(_ mode: TestMode, _ body: (RouterTestClient) async throws -> Value) async throws -> Value {
        try await body(RouterTestClient(responder: responder))
    }
}
