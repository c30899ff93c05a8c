import Foundation
import HTTPTypes
import Hummingbird
import SessionCrypto
import SessionServer
import SessionTokens
import TestFixtures
import Testing

/// `/v1/jwt_templates` over HTTP: a template's `signing_algorithm` is honoured or refused with a
/// Clerk error naming the parameter, on create (POST) and update (PATCH) alike.
@Suite struct TemplateRoutesTests {
    static func body(_ object: JSONObject) -> ByteBuffer { ByteBuffer(bytes: JSONWriter.serialize(.object(object))) }

    static func template(_ name: String, _ signing: JSONObject) -> JSONObject {
        var object: JSONObject = ["name": .string(name), "claims": .object(["email": .string("{{user.primary_email_address}}")])]
        for member in signing.members { object[member.key] = member.value }
        return object
    }

    /// The Clerk error's status, code and `meta.param_name`.
    static func refusal(_ response: TestResponse) throws -> (HTTPResponse.Status, String?, String?) {
        let error = try SessionServerTests.json(response.body)["errors"]?.arrayValue?.first
        return (response.status, error?["code"]?.stringValue, error?["meta"]?["param_name"]?.stringValue)
    }

    /// The header's algorithm of a token whose signature `key` accepts, and its payload.
    static func verified(_ token: String, with key: VerificationKey) throws -> (JWSAlgorithm?, JSONObject) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        try #require(parts.count == 3)
        let header = try JOSEHeader.parse(try #require(Base64URL.decode(parts[0])))
        let signature = try #require(Base64URL.decode(parts[2]))
        try #require(key.isValidSignature(signature, for: Array("\(parts[0]).\(parts[1])".utf8)), "the signature does not verify")
        return (header.algorithm, try JSONParser.parseObject(try #require(Base64URL.decode(parts[1]))))
    }

    @Test func everyRefusedCombinationNamesItsParameterOnCreateAndUpdate() async throws {
        let setup = try await SessionServerTests.setup()
        let auth: HTTPFields = [.authorization: "Bearer \(setup.key)", .contentType: "application/json"]
        let es256 = JSONValue.string(try Fixtures.testKey("es256.pem"))
        let refused: [(JSONObject, String)] = [
            (["signing_algorithm": .string("ES256")], "signing_algorithm"),
            (["custom_signing_key": .bool(false), "signing_algorithm": .string("EdDSA")], "signing_algorithm"),
            (["signing_algorithm": .string("HS256")], "signing_algorithm"),
            (["signing_algorithm": .string("PS256")], "signing_algorithm"),
            (["signing_key": es256], "signing_key"),
            (["custom_signing_key": .bool(false), "signing_algorithm": .string("ES256"), "signing_key": es256], "signing_key"),
            (["custom_signing_key": .bool(true), "signing_key": es256], "signing_algorithm"),
            (["custom_signing_key": .bool(true), "signing_algorithm": .string("ES256")], "signing_key"),
            (["custom_signing_key": .bool(true), "signing_algorithm": .string("RS256"), "signing_key": es256], "signing_key"),
        ]
        try await setup.app.test(.router) { client in
            let created = try await client.execute(uri: "/v1/jwt_templates", method: .post, headers: auth, body: Self.body(Self.template("kept", [:]))) {
                response in try SessionServerTests.json(response.body)
            }
            let id = try #require(created["id"]?.stringValue)
            for (signing, parameter) in refused {
                for (uri, method) in [("/v1/jwt_templates", HTTPRequest.Method.post), ("/v1/jwt_templates/\(id)", .patch)] {
                    try await client.execute(uri: uri, method: method, headers: auth, body: Self.body(Self.template("kept", signing))) { response in
                        let (status, code, name) = try Self.refusal(response)
                        #expect(status == .unprocessableContent && code == "form_param_format_invalid" && name == parameter, "\(method) \(signing.keys)")
                    }
                }
            }
            try await client.execute(uri: "/v1/jwt_templates/\(id)", method: .get, headers: auth) { response in
                let template = try SessionServerTests.json(response.body)
                #expect(template["signing_algorithm"]?.stringValue == "RS256" && template["custom_signing_key"]?.boolValue == false)
            }
        }
    }

    @Test func anES256TemplateSaysES256AndMintsES256() async throws {
        let setup = try await SessionServerTests.setup()
        let auth: HTTPFields = [.authorization: "Bearer \(setup.key)", .contentType: "application/json"]
        let pem = try Fixtures.testKey("es256.pem")
        let signing: JSONObject = ["custom_signing_key": .bool(true), "signing_algorithm": .string("ES256"), "signing_key": .string(pem)]
        try await setup.app.test(.router) { client in
            let template = try await client.execute(uri: "/v1/jwt_templates", method: .post, headers: auth, body: Self.body(Self.template("own", signing))) {
                response in try SessionServerTests.json(response.body)
            }
            #expect(template["signing_algorithm"]?.stringValue == "ES256" && template["custom_signing_key"]?.boolValue == true)
            #expect(template["signing_key"] == nil)
            let user = try await client.execute(uri: "/v1/users", method: .post, headers: auth, body: ByteBuffer(string: #"{"email_address":["ada@example.com"]}"#)) {
                response in try SessionServerTests.json(response.body)
            }
            let session = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: auth, body: ByteBuffer(string: #"{"user_id":"\#(user["id"]!.stringValue!)"}"#)
            ) { response in try SessionServerTests.json(response.body) }
            let token = try await client.execute(uri: "/v1/sessions/\(session["id"]!.stringValue!)/tokens/own", method: .post, headers: auth) { response in
                try #require(try SessionServerTests.json(response.body)["jwt"]?.stringValue)
            }
            let publicHalf = try VerificationKey(pem: SigningKey(pem: pem).publicKeyPEM())
            let (algorithm, payload) = try Self.verified(token, with: publicHalf)
            #expect(algorithm == .es256 && payload["email"] == .string("ada@example.com"))
            // A PATCH that leaves the signing members out keeps the key; one that says false drops it.
            let id = template["id"]!.stringValue!
            try await client.execute(uri: "/v1/jwt_templates/\(id)", method: .patch, headers: auth, body: Self.body(Self.template("own", [:]))) { response in
                let kept = try SessionServerTests.json(response.body)
                #expect(kept["signing_algorithm"]?.stringValue == "ES256" && kept["custom_signing_key"]?.boolValue == true)
            }
            try await client.execute(
                uri: "/v1/jwt_templates/\(id)", method: .patch, headers: auth, body: Self.body(Self.template("own", ["custom_signing_key": .bool(false)]))
            ) { response in
                let updated = try SessionServerTests.json(response.body)
                #expect(updated["signing_algorithm"]?.stringValue == "RS256" && updated["custom_signing_key"]?.boolValue == false)
            }
        }
    }
}
