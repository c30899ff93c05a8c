import Foundation
import HTTPTypes
import Hummingbird
import SessionServer
import SessionTokens
import Testing

/// `Docs/openapi.yaml` describes what is served: every path and method in it reaches a route (an
/// unmatched route would answer "No route matches"), and the server serves the document itself.
@Suite struct OpenAPIContractTests {
    static let document = try! String(
        contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Docs/openapi.yaml"),
        encoding: .utf8)

    /// (method, path) pairs from the document's `paths` section, read line by line.
    static var operations: [(HTTPRequest.Method, String)] {
        var result: [(HTTPRequest.Method, String)] = []
        var path: String?
        var inPaths = false
        for line in document.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            if inPaths, !line.hasPrefix(" "), !line.isEmpty { break }
            if line.hasPrefix("  /"), line.hasSuffix(":") { path = String(line.dropFirst(2).dropLast()); continue }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if let path, line.hasPrefix("    "), !line.hasPrefix("     "),
                let method = ["get:": HTTPRequest.Method.get, "post:": .post, "patch:": .patch, "delete:": .delete][trimmed]
            {
                result.append((method, path))
            }
        }
        return result
    }

    @Test func everyDocumentedOperationIsRouted() async throws {
        let operations = Self.operations
        #expect(operations.count >= 22)
        let setup = try await SessionServerTests.setup(server: ServerConfiguration(openAPIDocument: Self.document))
        try await setup.app.test(.router) { client in
            for (method, template) in operations {
                let uri = template.replacingOccurrences(of: "{session_id}", with: "sess_x").replacingOccurrences(of: "{template_id}", with: "jtmp_x")
                    .replacingOccurrences(of: "{template_name}", with: "t").replacingOccurrences(of: "{user_id}", with: "user_x")
                    .replacingOccurrences(of: "{slug}", with: "default").replacingOccurrences(of: "{key_id}", with: "key_x")
                try await client.execute(
                    uri: uri, method: method, headers: [.authorization: "Bearer \(setup.key)", .contentType: "application/json"],
                    body: ByteBuffer(string: "{}")
                ) { response in
                    let text = String(buffer: response.body)
                    #expect(!text.contains("No route matches"), "\(method) \(template) is documented but not routed")
                }
            }
            try await client.execute(uri: "/openapi.yaml", method: .get) { response in
                #expect(response.status == .ok && String(buffer: response.body) == Self.document)
            }
        }
    }
}
