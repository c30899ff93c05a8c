import HTTPTypes
import Hummingbird
import NIOCore
import SessionManagement
import SessionServer
import SessionTokens
import Testing

/// `/operator/v1/tenants/{slug}/secret_keys`: list, create, revoke; a revoked key is refused at once.
@Suite struct OperatorSecretKeyTests {
    @Test func secretKeysAreListedCreatedAndRevokedAndARevokedKeyIsRefusedAtOnce() async throws {
        let setup = try await SessionServerTests.setup()
        let operatorKey = try #require(try await setup.manager.bootstrapOperatorKey(nil))
        #expect(try await setup.manager.bootstrapOperatorKey(nil) == nil, "one operator key, shown once")
        let op: HTTPFields = [.authorization: "Bearer \(operatorKey)", .contentType: "application/json"]
        try await setup.app.test(.router) { client in
            // Neither a tenant key on the operator surface nor an operator key on /v1.
            for headers: HTTPFields in [[:], [.authorization: "Bearer \(setup.key)"], [.authorization: "Bearer op_test_000000000000000000000000"]] {
                let response = try await client.execute(uri: "/operator/v1/tenants/default/secret_keys", method: .get, headers: headers)
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                #expect(try SessionServerTests.json(response.body)["error"]?["code"]?.stringValue == "unauthenticated")
            }
            #expect(try await client.execute(uri: "/v1/users", method: .get, headers: [.authorization: "Bearer \(operatorKey)"]).status == .unauthorized)

            let created = try await client.execute(
                uri: "/operator/v1/tenants/default/secret_keys", method: .post, headers: op, body: ByteBuffer(string: "{}"))
            #expect(created.status == .ok)
            let body = try SessionServerTests.json(created.body)
            let newKey = try #require(body["secret_key"]?.stringValue)
            let id = try #require(body["id"]?.stringValue)
            #expect(newKey.hasPrefix("sk_test_") && id.hasPrefix("key_") && body["created_at"]?.stringValue?.hasSuffix("Z") == true)
            #expect(try await client.execute(uri: "/v1/users", method: .get, headers: [.authorization: "Bearer \(newKey)"]).status == .ok)

            let listed = try await client.execute(uri: "/operator/v1/tenants/default/secret_keys", method: .get, headers: op)
            let keys = try #require(try SessionServerTests.json(listed.body)["data"]?.arrayValue)
            #expect(keys.count == 2, "the tenant's two keys; the operator key is not one of them")
            #expect(!String(buffer: listed.body).contains(newKey) && !String(buffer: listed.body).contains(setup.key), "never the secret")
            #expect(keys.allSatisfy { $0["prefix"]?.stringValue?.hasPrefix("sk_test_") == true && $0["revoked_at"] == .null })

            let revoked = try await client.execute(uri: "/operator/v1/tenants/default/secret_keys/\(id)", method: .delete, headers: op)
            #expect(revoked.status == .ok)
            #expect(try SessionServerTests.json(revoked.body)["revoked_at"]?.stringValue != nil)
            // Refused at once, although it was just used (and so cached).
            let refused = try await client.execute(uri: "/v1/users", method: .get, headers: [.authorization: "Bearer \(newKey)"])
            #expect(refused.status == .unauthorized)
            #expect(try await client.execute(uri: "/v1/users", method: .get, headers: [.authorization: "Bearer \(setup.key)"]).status == .ok)

            // Bad input: a NUL in the id, an unknown tenant, an unknown key, a bad slug.
            for (uri, status) in [
                ("/operator/v1/tenants/default/secret_keys/\(id)%00", HTTPResponse.Status.badRequest),
                ("/operator/v1/tenants/acme/secret_keys", .notFound),
                ("/operator/v1/tenants/default/secret_keys/key_00000000000000000000000000000000", .notFound),
                ("/operator/v1/tenants/Default%00/secret_keys", .badRequest),
            ] {
                let method: HTTPRequest.Method = uri.hasSuffix("secret_keys") ? .get : .delete
                let response = try await client.execute(uri: uri, method: method, headers: op)
                #expect(response.status == status, "\(uri)")
                #expect(try SessionServerTests.json(response.body)["error"]?["code"]?.stringValue != nil, "\(uri)")
            }
        }
    }
}
