import Foundation
import HTTPTypes
import Hummingbird
import ServiceLifecycle
import SessionCrypto
import SessionManagement
import SessionServer
import SessionStorage
import SessionTokens
import TestFixtures
import Testing

/// The HTTP surface, in process: status codes, Clerk error bodies, and the session flow.
@Suite struct SessionServerTests {
    struct Setup {
        let app: Application<RouterResponder<ServerContext>>
        let key: String
        let manager: SessionManager
        let gateway: GatewayVerifier
        let services: [any Service]
        /// The router's routes, `METHOD /path/{parameter}` (what `OpenAPIContractTests` checks).
        var routes: [String] = []
    }

    /// The server as the executable builds it (`buildApplication`), on an in-memory store and the
    /// committed RS256 test key, with the default tenant's first secret key.
    /// - Parameter clock: now, in Unix milliseconds; the wall clock unless a test moves time itself.
    static func setup(
        maximumBodyBytes: Int = 1 << 20, server: ServerConfiguration? = nil, store: any SessionStore = InMemorySessionStore(),
        keyEncryption: KeyEncryptionKeys? = nil, management: ManagementConfiguration = ManagementConfiguration(issuer: "http://tessera.test"),
        operatorKey: String? = nil, clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) async throws -> Setup {
        let built = try await buildApplication(
            TesseraConfiguration(
                server: server ?? ServerConfiguration(maximumBodyBytes: maximumBodyBytes), management: management, operatorKey: operatorKey),
            store: store, keyEncryption: try keyEncryption ?? KeyEncryptionKeys(current: .generate()),
            initialSigningKey: try SigningKey(pem: Fixtures.testKey("rs256.pem")), clock: clock)
        let key = try await built.manager.addSecretKey(to: try await built.manager.tenant(slug: "default"))
        return Setup(
            app: built.application, key: key, manager: built.manager, gateway: built.gateway, services: built.services, routes: built.routes)
    }

    /// Runs `body` with the setup's services (maintenance: the stream's catch-up, scheduled
    /// rotation) running, as they do beside the server.
    static func withServices<T: Sendable>(_ setup: Setup, _ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in setup.services { group.addTask { try await service.run() } }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    static func json(_ buffer: ByteBuffer) throws -> JSONValue { try JSONParser.parse(Array(buffer.readableBytesView)) }

    static func errorCode(_ buffer: ByteBuffer) -> String? {
        (try? json(buffer))?["errors"]?.arrayValue?.first?["code"]?.stringValue
    }

    @Test func authenticationFailuresAreClerkErrors() async throws {
        let setup = try await Self.setup()
        try await setup.app.test(.router) { client in
            try await client.execute(uri: "/v1/sessions?user_id=u", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(Self.errorCode(response.body) == "authorization_header_format_invalid")
            }
            try await client.execute(uri: "/v1/sessions?user_id=u", method: .get, headers: [.authorization: "Bearer sk_test_wrong"]) { response in
                #expect(response.status == .unauthorized)
                #expect(Self.errorCode(response.body) == "clerk_key_invalid")
                let error = try #require(try Self.json(response.body)["errors"]?.arrayValue?.first)
                #expect(error["message"]?.stringValue != nil && error["long_message"]?.stringValue != nil)
            }
        }
    }

    /// A query value is percent-decoded once: `%2561ctive` is the text `%61ctive`, not `active`.
    @Test func queryValuesAreDecodedOnce() async throws {
        let setup = try await Self.setup()
        let auth: HTTPFields = [.authorization: "Bearer \(setup.key)"]
        let user = try await setup.manager.createUser(in: try await setup.manager.tenant(slug: "default"), UserDraft(firstName: "Ada"))
        try await setup.app.test(.router) { client in
            try await client.execute(uri: "/v1/sessions?user_id=\(user.id)&status=%61ctive", method: .get, headers: auth) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/v1/sessions?user_id=\(user.id)&status=%2561ctive", method: .get, headers: auth) { response in
                #expect(response.status == .unprocessableContent || response.status == .badRequest)
            }
        }
    }

    @Test func unknownRoutesAndBadBodiesAreClerkErrors() async throws {
        let setup = try await Self.setup(maximumBodyBytes: 1024)
        let auth: HTTPFields = [.authorization: "Bearer \(setup.key)", .contentType: "application/json"]
        try await setup.app.test(.router) { client in
            try await client.execute(uri: "/v1/nothing", method: .get, headers: auth) { response in
                #expect(response.status == .notFound)
                #expect(Self.errorCode(response.body) == "resource_not_found")
            }
            try await client.execute(uri: "/v1/users", method: .post, headers: auth, body: ByteBuffer(string: #"{"first_name":"#)) { response in
                #expect(response.status == .badRequest)
                #expect(Self.errorCode(response.body) == "request_body_invalid")
            }
            let big = ByteBuffer(string: #"{"first_name":""# + String(repeating: "a", count: 2000) + #""}"#)
            try await client.execute(uri: "/v1/users", method: .post, headers: auth, body: big) { response in
                #expect(response.status == .contentTooLarge)
                #expect(Self.errorCode(response.body) == "request_body_too_large")
            }
            try await client.execute(uri: "/v1/sessions", method: .get, headers: auth) { response in
                #expect(response.status == .badRequest)
                #expect(Self.errorCode(response.body) == "missing_query_parameter")
            }
            try await client.execute(uri: "/v1/sessions", method: .post, headers: auth, body: ByteBuffer(string: #"{"user_id":"u","usr_id":"u"}"#)) { response in
                #expect(response.status == .unprocessableContent)
                #expect(Self.errorCode(response.body) == "form_param_unknown")
            }
            try await client.execute(
                uri: "/v1/jwt_templates", method: .post, headers: auth, body: ByteBuffer(string: #"{"name":"t","claims":{"iss":"x"}}"#)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(Self.errorCode(response.body) == "jwt_template_reserved_claim")
            }
        }
    }

    /// The `/v1` routes render their own errors (`V1Group`, before `ErrorMiddleware` wraps the rest): every route
    /// the router serves under `/v1` refuses a request without a key, or with a key of another shape, in Clerk's body,
    /// and an unknown method on its path is Clerk's 405 too. A route added outside `V1Group` would show here.
    @Test func everyV1RouteAnswersInClerksErrorBody() async throws {
        let setup = try await Self.setup()
        let v1 = setup.routes.filter { $0.split(separator: " ")[1].hasPrefix("/v1/") && $0 != "GET /v1/verify" }
        #expect(v1.count > 20)
        try await setup.app.test(.router) { client in
            for route in v1 {
                let parts = route.split(separator: " ")
                let method = HTTPRequest.Method(String(parts[0]))!
                let path = parts[1].split(separator: "/", omittingEmptySubsequences: false)
                    .map { $0.hasPrefix("{") ? "x_1" : String($0) }.joined(separator: "/")
                let bare = try await client.execute(uri: path, method: method)
                #expect(bare.status == .unauthorized, "\(route)")
                #expect(Self.errorCode(bare.body) == "authorization_header_format_invalid", "\(route)")
                let unknown = try await client.execute(uri: path, method: method, headers: [.authorization: "Bearer sk_test_\u{7f}"])
                #expect(unknown.status == .unauthorized, "\(route)")
                #expect(Self.errorCode(unknown.body) == "clerk_key_invalid", "\(route)")
                let wrongMethod = try await client.execute(uri: path, method: .put, headers: [.authorization: "Bearer \(setup.key)"])
                #expect(wrongMethod.status == .methodNotAllowed || wrongMethod.status == .notFound, "\(route)")
                #expect(["method_not_allowed", "resource_not_found"].contains(Self.errorCode(wrongMethod.body)), "\(route)")
            }
        }
    }

    @Test func theSessionFlowWorksEndToEnd() async throws {
        let setup = try await Self.setup()
        let auth: HTTPFields = [.authorization: "Bearer \(setup.key)", .contentType: "application/json"]
        try await setup.app.test(.router) { client in
            let user = try await client.execute(
                uri: "/v1/users", method: .post, headers: auth, body: ByteBuffer(string: #"{"first_name":"Ada","email_address":["ada@example.com"]}"#)
            ) { response in try Self.json(response.body) }
            let userID = try #require(user["id"]?.stringValue)
            #expect(user["object"]?.stringValue == "user" && user["email_addresses"]?.arrayValue?.count == 1)
            let session = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: auth, body: ByteBuffer(string: #"{"user_id":"\#(userID)"}"#)
            ) { response in
                #expect(response.status == .ok)
                return try Self.json(response.body)
            }
            let sessionID = try #require(session["id"]?.stringValue)
            for field in ["object", "id", "user_id", "client_id", "status", "last_active_at", "expire_at", "abandon_at", "updated_at", "created_at"] {
                #expect(session[field] != nil, "Session lacks \(field)")
            }
            try await client.execute(uri: "/v1/sessions?user_id=\(userID)&paginated=true", method: .get, headers: auth) { response in
                let page = try Self.json(response.body)
                #expect(page["total_count"]?.integerValue == 1 && page["data"]?.arrayValue?.count == 1)
            }
            let token = try await client.execute(uri: "/v1/sessions/\(sessionID)/tokens", method: .post, headers: auth, body: ByteBuffer(string: "{}")) {
                response in try #require(try Self.json(response.body)["jwt"]?.stringValue)
            }
            try await client.execute(
                uri: "/v1/sessions/\(sessionID)/verify", method: .post, headers: auth, body: ByteBuffer(string: #"{"token":"\#(token)"}"#)
            ) { response in
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("Deprecation")!] != nil)
            }
            try await client.execute(uri: "/v1/sessions/\(sessionID)/revoke", method: .post, headers: [.authorization: "Bearer \(setup.key)"]) { response in
                #expect((try? Self.json(response.body))?["status"]?.stringValue == "revoked")
            }
            try await client.execute(uri: "/v1/sessions/\(sessionID)/tokens", method: .post, headers: auth, body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .badRequest)
                #expect(Self.errorCode(response.body) == "session_not_active")
            }
        }
    }

    @Test func thePublicJWKSNeedsNoKeyAndIsCacheable() async throws {
        let setup = try await Self.setup()
        try await setup.app.test(.router) { client in
            try await client.execute(uri: "/.well-known/jwks.json", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.cacheControl] == "public, max-age=300")
                let keys = try #require(try Self.json(response.body)["keys"]?.arrayValue)
                #expect(keys.count == 1 && keys[0]["alg"]?.stringValue == "RS256" && keys[0]["d"] == nil)
            }
        }
    }
}
