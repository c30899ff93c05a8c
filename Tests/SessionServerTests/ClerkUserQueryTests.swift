import Foundation
import Synchronization
import HTTPTypes
import Hummingbird
import SessionManagement
import SessionServer
import SessionStorage
import SessionStorageSQLite
import SessionTokens
import Testing

/// `/v1/users` as Clerk's SDKs use it beyond create/get: unique identifiers, list filters and
/// orders, `users/count`, and the metadata merge.
@Suite struct ClerkUserQueryTests {
    struct Answer {
        var status: HTTPResponse.Status
        var json: JSONValue
        var error: JSONValue? { json["errors"]?.arrayValue?.first }
        var code: String? { error?["code"]?.stringValue }
        var param: String? { error?["meta"]?["param_name"]?.stringValue }
        var ids: [String] { json.arrayValue?.compactMap { $0["id"]?.stringValue } ?? [] }
    }

    /// Wall-clock time that moves at least a millisecond per reading, so records made one after
    /// another never share a `created_at` and the default order is certain.
    static func tickingClock() -> @Sendable () -> Int64 {
        let last = Mutex(Int64(0))
        return {
            last.withLock { value in
                value = max(value + 1, Int64(Date().timeIntervalSince1970 * 1000))
                return value
            }
        }
    }

    static func call(_ client: RouterTestClient, _ key: String, _ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil) async throws -> Answer {
        let response = try await client.execute(
            uri: uri, method: method, headers: [.authorization: "Bearer \(key)", .contentType: "application/json"], body: body.map { ByteBuffer(string: $0) })
        let json = (try? SessionServerTests.json(response.body)) ?? .null
        return Answer(status: response.status, json: json)
    }

    static func create(_ client: RouterTestClient, _ key: String, _ body: String) async throws -> String {
        let answer = try await call(client, key, .post, "/v1/users", body)
        #expect(answer.status == .ok, "create failed: \(answer.json)")
        return try #require(answer.json["id"]?.stringValue)
    }

    @Test func takenIdentifiersAreFormIdentifierExistsOnCreateAndUpdate() async throws {
        let setup = try await SessionServerTests.setup(clock: Self.tickingClock())
        let (_, otherKey) = try await setup.manager.createTenant(TenantDraft(slug: "acme"))
        try await setup.app.test(.router) { client in
            let key = setup.key
            _ = try await Self.create(client, key, #"{"email_address":["Ada@Example.com"],"username":"Ada","phone_number":["+15550001"]}"#)
            for (body, param, noun) in [
                (#"{"email_address":["ada@EXAMPLE.com"]}"#, "email_address", "email address"),
                (#"{"username":"aDa"}"#, "username", "username"),
                (#"{"phone_number":["+15550001"]}"#, "phone_number", "phone number"),
            ] {
                let answer = try await Self.call(client, key, .post, "/v1/users", body)
                #expect(answer.status == .unprocessableContent && answer.code == "form_identifier_exists" && answer.param == param)
                #expect(answer.error?["message"]?.stringValue == "That \(noun) is taken. Please try another.")
                #expect(answer.error?["long_message"]?.stringValue == "That \(noun) is taken. Please try another.")
            }
            #expect(try await Self.call(client, key, .get, "/v1/users/count").json["total_count"]?.integerValue == 1, "no duplicate was made")
            let grace = try await Self.create(client, key, #"{"email_address":["grace@example.com"]}"#)
            let update = try await Self.call(client, key, .patch, "/v1/users/\(grace)", #"{"username":"ADA"}"#)
            #expect(update.status == .unprocessableContent && update.code == "form_identifier_exists" && update.param == "username")
            #expect(try await Self.call(client, key, .get, "/v1/users/\(grace)").json["username"] == .null)
            // Another tenant has its own users.
            _ = try await Self.create(client, otherKey, #"{"email_address":["ada@example.com"],"username":"ada"}"#)
        }
    }

    @Test(arguments: ["memory", "sqlite"]) func concurrentCreatesWithOneEmailLeaveOneUserAndClear422s(_ driver: String) async throws {
        let store: any SessionStore = driver == "sqlite" ? try SQLiteSessionStore(path: ":memory:") : InMemorySessionStore()
        let setup = try await SessionServerTests.setup(store: store)
        try await setup.app.test(.router) { client in
            let answers = try await withThrowingTaskGroup(of: Answer.self) { group in
                for index in 0..<12 {
                    let email = index.isMultiple(of: 2) ? "race@example.com" : "RACE@example.com"
                    group.addTask { try await Self.call(client, setup.key, .post, "/v1/users", #"{"email_address":["\#(email)"]}"#) }
                }
                return try await group.reduce(into: [Answer]()) { $0.append($1) }
            }
            #expect(answers.filter { $0.status == .ok }.count == 1)
            #expect(answers.filter { $0.status == .unprocessableContent && $0.code == "form_identifier_exists" && $0.param == "email_address" }.count == 11)
            #expect(try await Self.call(client, setup.key, .get, "/v1/users/count?email_address=race@example.com").json["total_count"]?.integerValue == 1)
        }
    }

    @Test func listFiltersOrdersAndCounts() async throws {
        let setup = try await SessionServerTests.setup(clock: Self.tickingClock())
        let (_, otherKey) = try await setup.manager.createTenant(TenantDraft(slug: "acme"))
        try await setup.app.test(.router) { client in
            let key = setup.key
            let ada = try await Self.create(
                client, key, #"{"email_address":["ada@example.com"],"username":"ada","first_name":"Ada","last_name":"Lovelace","external_id":"ext-1"}"#)
            let bob = try await Self.create(client, key, #"{"email_address":["bob@example.com"],"username":"bob","first_name":"Bob","phone_number":["+15550002"]}"#)
            let cy = try await Self.create(client, key, #"{"first_name":"Cy","last_name":"Zed","external_id":"ext-3"}"#)
            _ = try await Self.create(client, otherKey, #"{"email_address":["ada@example.com"],"first_name":"Ada"}"#)
            func ids(_ query: String) async throws -> [String] {
                let answer = try await Self.call(client, key, .get, "/v1/users?\(query)")
                #expect(answer.status == .ok, "\(query): \(answer.json)")
                return answer.ids
            }
            func count(_ query: String) async throws -> Int64? {
                let answer = try await Self.call(client, key, .get, "/v1/users/count?\(query)")
                #expect(answer.json["object"]?.stringValue == "total_count")
                return answer.json["total_count"]?.integerValue
            }
            #expect(try await ids("") == [cy, bob, ada], "-created_at by default")
            #expect(try await ids("email_address=ADA%40example.com&email_address=bob@example.com") == [bob, ada])
            #expect(try await ids("username=BOB") == [bob])
            #expect(try await ids("phone_number=%2B15550002") == [bob])
            #expect(try await ids("user_id=\(ada)&user_id=\(cy)") == [cy, ada])
            #expect(try await ids("user_id=-\(ada)") == [cy, bob])
            #expect(try await ids("external_id=ext-1&external_id=ext-3") == [cy, ada])
            #expect(try await ids("external_id=-ext-1") == [cy, bob])
            #expect(try await ids("query=LOVE") == [ada])
            #expect(try await ids("query=%2B1555") == [bob], "an escaped + is a plus")
            #expect(try await ids("query=+1555").isEmpty, "an unescaped + is a space, as forms (and httpx) encode it")
            #expect(try await ids("query=example.com") == [bob, ada])
            #expect(try await ids("query=example.com&username=ada") == [ada])
            #expect(try await ids("order_by=first_name") == [ada, bob, cy], "no sign is +")
            #expect(try await ids("order_by=%2Bfirst_name") == [ada, bob, cy])
            #expect(try await ids("order_by=+first_name") == [ada, bob, cy], "an unescaped + (a space in form encoding)")
            #expect(try await ids("order_by=-first_name") == [cy, bob, ada])
            #expect(try await ids("order_by=created_at") == [ada, bob, cy])
            #expect(try await ids("order_by=-last_name&limit=1&offset=1") == [ada])
            #expect(try await ids("order_by=username") == [cy, ada, bob], "no username sorts first")
            #expect(try await count("") == 3)
            #expect(try await count("email_address=ada@example.com") == 1)
            #expect(try await count("query=nobody") == 0)
            #expect(try await count("limit=1") == 3, "count ignores paging")
        }
    }

    @Test func badListParametersAreClearErrors() async throws {
        let setup = try await SessionServerTests.setup(clock: Self.tickingClock())
        try await setup.app.test(.router) { client in
            let tooMany = (0...100).map { "email_address=u\($0)@example.com" }.joined(separator: "&")
            let long = String(repeating: "a", count: 321)
            for (path, param) in [
                ("/v1/users?email_address=ada%00@example.com", "email_address"),
                ("/v1/users/count?email_address=ada%00@example.com", "email_address"),
                ("/v1/users?query=a%01b", "query"),
                ("/v1/users?username=\(long)", "username"),
                ("/v1/users?\(tooMany)", "email_address"),
                ("/v1/users?limit=501", "limit"),
                ("/v1/users?limit=0", "limit"),
                ("/v1/users?offset=-1", "offset"),
                ("/v1/users?limit=99999999999999999999", "limit"),
                ("/v1/users?order_by=password", "order_by"),
                ("/v1/users?order_by=--created_at", "order_by"),
                ("/v1/users/count?order_by=nope", "order_by"),
                ("/v1/users?user_id=user_%00", "user_id"),
                ("/v1/users?user_id=-", "user_id"),
                ("/v1/users?organization_id=org_1", "organization_id"),
                ("/v1/users?query=%E0%A4%A", "query"),
                ("/v1/users?banned=true", "banned"),
            ] {
                let answer = try await Self.call(client, setup.key, .get, path)
                #expect(answer.status == .unprocessableContent && answer.code == "form_param_format_invalid" && answer.param == param, "\(path): \(answer.json)")
            }
            let count = try await Self.call(client, setup.key, .get, "/v1/users/count")
            #expect(count.status == .ok && count.json["total_count"]?.integerValue == 0, "count is a route, not a user id")
        }
    }

    @Test func metadataIsDeepMergedAndReachesTemplateTokens() async throws {
        let setup = try await SessionServerTests.setup(clock: Self.tickingClock())
        let (_, otherKey) = try await setup.manager.createTenant(TenantDraft(slug: "acme"))
        try await setup.app.test(.router) { client in
            let key = setup.key
            let id = try await Self.create(
                client, key, #"{"public_metadata":{"role":"reader","a":{"b":1,"c":2},"drop":"x"},"private_metadata":{"secret":1}}"#)
            _ = try await Self.call(client, key, .post, "/v1/jwt_templates", #"{"name":"roles","claims":{"role":"{{user.public_metadata.role}}"}}"#)
            let session = try #require(try await Self.call(client, key, .post, "/v1/sessions", #"{"user_id":"\#(id)"}"#).json["id"]?.stringValue)
            func role() async throws -> String? {
                let jwt = try #require(try await Self.call(client, key, .post, "/v1/sessions/\(session)/tokens/roles", "{}").json["jwt"]?.stringValue)
                let payload = try #require(Base64URL.decode(String(jwt.split(separator: ".")[1])))
                return try JSONParser.parse(payload)["role"]?.stringValue
            }
            #expect(try await role() == "reader")
            let merged = try await Self.call(
                client, key, .patch, "/v1/users/\(id)/metadata",
                #"{"public_metadata":{"role":"admin","a":{"b":9,"d":{"e":null}},"drop":null,"list":[1,{"x":null}]}}"#)
            #expect(merged.status == .ok)
            #expect(merged.json["public_metadata"] == (try JSONParser.parse(#"{"role":"admin","a":{"b":9,"c":2,"d":{}},"list":[1,{"x":null}]}"#)))
            #expect(merged.json["private_metadata"] == (try JSONParser.parse(#"{"secret":1}"#)), "an absent object is left alone")
            #expect(try await role() == "admin", "template tokens see the new metadata at once")
            let stored = try await Self.call(client, key, .get, "/v1/users/\(id)")
            #expect(stored.json["public_metadata"] == merged.json["public_metadata"])
            // Limits: the merged size, the parser's depth, unknown members, control characters.
            let big = String(repeating: "x", count: 5000)
            #expect(try await Self.call(client, key, .patch, "/v1/users/\(id)/metadata", #"{"public_metadata":{"p":"\#(big)"}}"#).status == .ok)
            let over = try await Self.call(client, key, .patch, "/v1/users/\(id)/metadata", #"{"public_metadata":{"q":"\#(big)"}}"#)
            #expect(over.status == .unprocessableContent && over.param == "public_metadata", "8192 bytes after the merge")
            let deep = String(repeating: #"{"a":"#, count: 70) + "1" + String(repeating: "}", count: 70)
            let tooDeep = try await Self.call(client, key, .patch, "/v1/users/\(id)/metadata", #"{"public_metadata":\#(deep)}"#)
            #expect(tooDeep.status == .badRequest && tooDeep.code == "request_body_invalid")
            let unknown = try await Self.call(client, key, .patch, "/v1/users/\(id)/metadata", #"{"metadata":{}}"#)
            #expect(unknown.status == .unprocessableContent && unknown.code == "form_param_unknown")
            let control = try await Self.call(client, key, .patch, "/v1/users/\(id)/metadata", #"{"unsafe_metadata":{"k\u0000":1}}"#)
            #expect(control.status == .unprocessableContent && control.param == "unsafe_metadata")
            let notObject = try await Self.call(client, key, .patch, "/v1/users/\(id)/metadata", #"{"public_metadata":[1]}"#)
            #expect(notObject.status == .unprocessableContent)
            #expect(try await Self.call(client, otherKey, .patch, "/v1/users/\(id)/metadata", #"{"public_metadata":{}}"#).status == .notFound)
            #expect(try await role() == "admin", "refused changes changed nothing")
        }
    }
}
