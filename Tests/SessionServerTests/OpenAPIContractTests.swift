import Foundation
import HTTPTypes
import Hummingbird
import SessionServer
import SessionTokens
import Testing

/// The OpenAPI document compiled into the server describes what is served: it is Docs/openapi.yaml
/// as committed (the generated source is not stale), every route the router serves is documented
/// under a surface's tag, and every documented operation reaches a route.
@Suite struct OpenAPIContractTests {
    static let yamlOnDisk = try! String(
        contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Docs/openapi.yaml"),
        encoding: .utf8)

    /// The surfaces of reference/surfaces.md §0, one tag each.
    static let surfaces: Set<String> = ["clerk", "admin", "sessions", "auth", "operator", "gateway", "public"]

    /// Documented operations of surfaces another change builds (user side, consents, audit, tenant
    /// settings): documented ahead of their routes. Remove each line as its route lands.
    /// Operations documented before their routes exist (none now; kept for the next surface).
    static let documentedAhead: Set<String> = []

    struct Operation {
        let method: String
        let path: String
        let tags: [String]
        /// The path with every `{parameter}` as `{}`, to compare with the router's `:parameter`s.
        var shape: String { Self.shape(path) }

        static func shape(_ path: String) -> String {
            path.split(separator: "/", omittingEmptySubsequences: false).map { part in
                part.hasPrefix("{") || part.hasPrefix(":") ? "{}" : String(part)
            }.joined(separator: "/")
        }
    }

    static func operations(_ document: JSONValue) throws -> [Operation] {
        let paths = try #require(document["paths"]?.objectValue)
        return paths.members.flatMap { path in
            (path.value.objectValue?.members ?? []).filter { ["get", "post", "put", "patch", "delete"].contains($0.key) }.map { operation in
                Operation(
                    method: operation.key.uppercased(), path: path.key,
                    tags: operation.value["tags"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            }
        }
    }

    @Test func theServedDocumentIsDocsOpenAPIYAML() async throws {
        let setup = try await SessionServerTests.setup()
        try await setup.app.test(.router) { client in
            try await client.execute(uri: "/openapi.yaml", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/yaml; charset=utf-8")
                #expect(
                    String(buffer: response.body) == Self.yamlOnDisk,
                    "Sources/SessionServer/APIDocs/OpenAPIDocument.swift is stale: run `make openapi` after changing Docs/openapi.yaml")
            }
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                let document = try SessionServerTests.json(response.body)
                #expect(document["openapi"]?.stringValue == "3.1.0")
                // The JSON is the YAML converted: the same paths, in the same order, as the YAML's path lines.
                let yamlPaths = Self.yamlOnDisk.split(separator: "\n").filter { $0.hasPrefix("  /") && $0.hasSuffix(":") }.map { String($0.dropFirst(2).dropLast()) }
                #expect(document["paths"]?.objectValue?.keys == yamlPaths)
            }
        }
    }

    @Test func everyOperationCarriesASurfaceTag() async throws {
        let setup = try await SessionServerTests.setup()
        let document = try await setup.app.test(.router) { client in
            try await client.execute(uri: "/openapi.json", method: .get) { try SessionServerTests.json($0.body) }
        }
        let declared = Set(document["tags"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? [])
        #expect(declared == Self.surfaces)
        let operations = try Self.operations(document)
        for operation in operations {
            #expect(operation.tags.count == 1 && Self.surfaces.contains(operation.tags[0]), "\(operation.method) \(operation.path): \(operation.tags)")
        }
        for method in ["GET", "DELETE"] {
            #expect(operations.contains { $0.method == method && $0.path == "/api/v1/sessions" && $0.tags == ["sessions"] })
            #expect(operations.contains { $0.method == method && $0.path == "/api/v1/auth/sessions" && $0.tags == ["auth"] })
        }
        #expect(operations.contains { $0.method == "DELETE" && $0.path == "/api/v1/sessions/{id}" && $0.tags == ["sessions"] })
        #expect(operations.contains { $0.method == "GET" && $0.path == "/docs" && $0.tags == ["public"] })
        // The user side accepts the session token as a bearer token or as the __session cookie.
        let cookie = document["components"]?["securitySchemes"]?["sessionCookie"]
        #expect(cookie?["type"]?.stringValue == "apiKey" && cookie?["in"]?.stringValue == "cookie" && cookie?["name"]?.stringValue == "__session")
    }

    @Test func everyRouteIsDocumentedAndEveryOperationRouted() async throws {
        let setup = try await SessionServerTests.setup()
        let document = try await setup.app.test(.router) { client in
            try await client.execute(uri: "/openapi.json", method: .get) { try SessionServerTests.json($0.body) }
        }
        let operations = try Self.operations(document)
        let documented = Set(operations.map { "\($0.method) \($0.shape)" })
        // The router's own list: `GET /t/:slug/v1/verify`.
        #expect(setup.routes.count >= 40)
        // CORS preflights (`OPTIONS` on the user side) are plumbing, not operations.
        for route in setup.routes where !route.hasPrefix("OPTIONS ") {
            let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
            let key = "\(parts[0]) \(Operation.shape(parts[1].hasPrefix("/") ? parts[1] : "/" + parts[1]))"
            #expect(documented.contains(key), "\(route) is routed but not in Docs/openapi.yaml")
        }
        let routed = Set(setup.routes.map { route in
            let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
            return "\(parts[0]) \(Operation.shape(parts[1].hasPrefix("/") ? parts[1] : "/" + parts[1]))"
        })
        for operation in operations where !Self.documentedAhead.contains("\(operation.method) \(operation.path)") {
            #expect(routed.contains("\(operation.method) \(operation.shape)"), "\(operation.method) \(operation.path) is documented but not routed")
        }
    }
}
