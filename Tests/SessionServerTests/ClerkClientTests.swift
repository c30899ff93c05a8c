import Foundation
import HTTPTypes
import Hummingbird
import SessionManagement
import SessionServer
import SessionTokens
import Testing

/// `/v1/clients`: a client with its sessions, per tenant; `verify` takes a session token and
/// verifies it in full before answering its client.
@Suite struct ClerkClientTests {
    typealias Q = ClerkUserQueryTests

    @Test func clientsAreListedReadAndVerifiedWithinTheirTenant() async throws {
        let setup = try await SessionServerTests.setup(clock: Q.tickingClock())
        let (_, otherKey) = try await setup.manager.createTenant(TenantDraft(slug: "acme"))
        try await setup.app.test(.router) { client in
            let key = setup.key
            let user = try await Q.create(client, key, #"{"first_name":"Ada"}"#)
            let session = try await Q.call(client, key, .post, "/v1/sessions", #"{"user_id":"\#(user)"}"#).json
            let sessionID = try #require(session["id"]?.stringValue)
            let clientID = try #require(session["client_id"]?.stringValue)
            let second = try #require(try await Q.call(client, key, .post, "/v1/sessions", #"{"user_id":"\#(user)"}"#).json["client_id"]?.stringValue)

            let list = try await Q.call(client, key, .get, "/v1/clients?limit=10")
            // Both may share a millisecond: the order is created_at then id, both descending.
            let created = list.json.arrayValue?.compactMap { $0["created_at"]?.integerValue } ?? []
            #expect(list.status == .ok && Set(list.ids) == [second, clientID] && created == created.sorted(by: >))
            let pages = try await Q.call(client, key, .get, "/v1/clients?limit=1&offset=0").ids + Q.call(client, key, .get, "/v1/clients?limit=1&offset=1").ids
            #expect(pages == list.ids)
            let paged = try await Q.call(client, key, .get, "/v1/clients?paginated=true")
            #expect(paged.json["total_count"]?.integerValue == 2 && paged.json["data"]?.arrayValue?.count == 2)
            #expect(try await Q.call(client, key, .get, "/v1/clients?limit=501").status == .unprocessableContent)
            let got = try await Q.call(client, key, .get, "/v1/clients/\(clientID)")
            #expect(got.status == .ok && got.json["object"]?.stringValue == "client")
            #expect(got.json["session_ids"] == .array([.string(sessionID)]) && got.json["last_active_session_id"]?.stringValue == sessionID)
            #expect(got.json["sessions"]?.arrayValue?.first?["id"]?.stringValue == sessionID)
            for field in ["sign_in_id", "sign_up_id", "last_authentication_strategy"] { #expect(got.json[field] == .null, "\(field)") }
            #expect(got.json["created_at"]?.integerValue != nil && got.json["updated_at"]?.integerValue != nil)

            // Another tenant sees none of it.
            #expect(try await Q.call(client, otherKey, .get, "/v1/clients/\(clientID)").status == .notFound)
            #expect(try await Q.call(client, otherKey, .get, "/v1/clients").ids.isEmpty)
            #expect(try await Q.call(client, key, .get, "/v1/clients/client_%00").status == .badRequest)
            #expect(try await Q.call(client, key, .get, "/v1/clients/\(sessionID)").status == .notFound)

            let token = try #require(try await Q.call(client, key, .post, "/v1/sessions/\(sessionID)/tokens", "{}").json["jwt"]?.stringValue)
            let verified = try await Q.call(client, key, .post, "/v1/clients/verify", #"{"token":"\#(token)"}"#)
            #expect(verified.status == .ok && verified.json["id"]?.stringValue == clientID)

            // Bad tokens: Clerk's error body, never a 500, never another tenant's client.
            let parts = token.split(separator: ".").map(String.init)
            let tampered = parts[0] + "." + parts[1] + "." + String(parts[2].reversed())
            let forged = parts[0] + "." + Base64URL.encode(Array(#"{"sid":"\#(sessionID)","sub":"\#(user)"}"#.utf8)) + "." + parts[2]
            for bad in ["", "garbage", "a.b.c", tampered, forged, String(repeating: "A", count: 4000)] {
                let answer = try await Q.call(client, key, .post, "/v1/clients/verify", #"{"token":"\#(bad)"}"#)
                #expect(answer.status == .badRequest && answer.code == "token_invalid", "\(bad.prefix(20)): \(answer.json)")
            }
            let otherTenant = try await Q.call(client, otherKey, .post, "/v1/clients/verify", #"{"token":"\#(token)"}"#)
            #expect(otherTenant.status == .badRequest && otherTenant.code == "token_invalid")
            #expect(try await Q.call(client, key, .post, "/v1/clients/verify", "{}").code == "form_param_missing")
            #expect(try await Q.call(client, key, .post, "/v1/clients/verify", #"{"token":1}"#).status == .unprocessableContent)
            #expect(try await Q.call(client, key, .post, "/v1/clients/verify", #"{"token":"x","extra":1}"#).code == "form_param_unknown")

            // A revoked session's token is refused at once.
            _ = try await Q.call(client, key, .post, "/v1/sessions/\(sessionID)/revoke")
            let revoked = try await Q.call(client, key, .post, "/v1/clients/verify", #"{"token":"\#(token)"}"#)
            #expect(revoked.status == .badRequest && revoked.code == "token_invalid")
            let after = try await Q.call(client, key, .get, "/v1/clients/\(clientID)")
            #expect(after.json["last_active_session_id"] == .null && after.json["sessions"]?.arrayValue?.first?["status"]?.stringValue == "revoked")
        }
    }
}
