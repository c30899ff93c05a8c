import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SessionCrypto
import SessionManagement
import SessionServer
import SessionStorage
import SessionStorageSQLite
import SessionTokens
import Synchronization
import TestFixtures
import Testing

/// `/metrics`, `/ready`, request ids and the request and security log lines, in process: each
/// application has its own registry, and logs are captured through the JSON handler.
@Suite struct ObservabilityTests {
    /// Every line a capturing JSON handler wrote.
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
        var logger: Logger {
            Logger(label: "tessera") { label in
                JSONLogHandler(label: label, logLevel: .trace, write: { bytes in self.lines.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) } })
            }
        }
    }

    struct Built {
        let built: BuiltApplication
        let key: String
        let client: RouterTestClient
    }

    static func build(
        server: ServerConfiguration = ServerConfiguration(), store: any SessionStore = InMemorySessionStore(), lines: Lines = Lines(),
        keyEncryption: KeyEncryptionKeys? = nil
    ) async throws -> Built {
        let built = try await buildApplication(
            TesseraConfiguration(server: server, management: ManagementConfiguration(issuer: "http://tessera.test")),
            store: store, keyEncryption: try keyEncryption ?? KeyEncryptionKeys(current: .generate()),
            initialSigningKey: try SigningKey(pem: Fixtures.testKey("rs256.pem")), clock: { Int64(Date().timeIntervalSince1970 * 1000) },
            logger: lines.logger)
        let key = try await built.manager.addSecretKey(to: try await built.manager.tenant(slug: "default"))
        return Built(built: built, key: key, client: RouterTestClient(responder: built.application.responder, logger: lines.logger))
    }

    static func scrape(_ client: RouterTestClient, headers: HTTPFields = [:]) async throws -> String {
        let response = try await client.execute(uri: "/metrics", method: .get, headers: headers)
        #expect(response.status == .ok)
        return String(buffer: response.body)
    }

    /// The value of the one sample line that starts with `series` (name and labels as written).
    static func sample(_ text: String, _ series: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last!) }
    }

    static let documentedFamilies = [
        "tessera_http_requests_total", "tessera_http_request_duration_seconds", "tessera_http_requests_in_flight",
        "tessera_sessions_created_total", "tessera_sessions_revoked_total", "tessera_tokens_minted_total", "tessera_signing_keys",
        "tessera_signing_key_rotation_due_seconds", "tessera_revocation_feed_head", "tessera_revocation_feed_waiting_polls",
        "tessera_revocation_delivery_seconds", "tessera_rate_limited_requests_total",
    ]

    @Test func everyFamilyIsExportedAndTheUseCasesAreCounted() async throws {
        let app = try await Self.build()
        let auth: HTTPFields = [.authorization: "Bearer \(app.key)", .contentType: "application/json"]
        let client = app.client
        let user = try await client.execute(uri: "/v1/users", method: .post, headers: auth, body: ByteBuffer(string: #"{"first_name":"Ada"}"#))
        let userID = try #require(try SessionServerTests.json(user.body)["id"]?.stringValue)
        let session = try await client.execute(uri: "/v1/sessions", method: .post, headers: auth, body: ByteBuffer(string: #"{"user_id":"\#(userID)"}"#))
        let sessionID = try #require(try SessionServerTests.json(session.body)["id"]?.stringValue)
        for _ in 0..<2 {
            let minted = try await client.execute(uri: "/v1/sessions/\(sessionID)/tokens", method: .post, headers: auth, body: ByteBuffer(string: "{}"))
            #expect(minted.status == .ok)
        }
        #expect(try await client.execute(uri: "/v1/sessions/\(sessionID)/revoke", method: .post, headers: auth).status == .ok)
        let text = try await Self.scrape(client)
        for family in Self.documentedFamilies { #expect(text.contains("# TYPE \(family) "), "no family \(family)") }
        #expect(Self.sample(text, "tessera_sessions_created_total") == 1)
        #expect(Self.sample(text, #"tessera_sessions_revoked_total{reason="revoked"}"#) == 1)
        #expect(Self.sample(text, #"tessera_sessions_revoked_total{reason="user_all"}"#) == 0)
        #expect(Self.sample(text, #"tessera_tokens_minted_total{algorithm="RS256",kind="session"}"#) == 2)
        #expect(Self.sample(text, #"tessera_tokens_minted_total{algorithm="RS256",kind="template"}"#) == 0)
        #expect(Self.sample(text, "tessera_revocation_delivery_seconds_count") == 1)
        #expect(Self.sample(text, "tessera_revocation_feed_head") ?? 0 >= 1)
        #expect(Self.sample(text, #"tessera_signing_keys{state="active"}"#) == 1)
        #expect(Self.sample(text, "tessera_signing_key_rotation_due_seconds") == -1)
        #expect(Self.sample(text, #"tessera_http_requests_total{route="/v1/sessions/{id}/tokens",method="POST",status="200"}"#) == 2)
        #expect(Self.sample(text, #"tessera_http_request_duration_seconds_count{route="/v1/sessions/{id}/tokens",method="POST"}"#) == 2)
        // No id from a path made it into a label.
        #expect(!text.contains(sessionID) && !text.contains(userID) && !text.contains(app.key))
    }

    @Test func aThousandRandomPathsAndMethodsMakeABoundedNumberOfSeries() async throws {
        let app = try await Self.build()
        var generator = SystemRandomNumberGenerator()
        let methods: [HTTPRequest.Method] = [.get, .post, .delete, .init("BREW")!, .init("X\(UInt32.random(in: 0...9999))")!]
        for index in 0..<1000 {
            let path = "/" + (0..<Int.random(in: 1...4, using: &generator)).map { _ in String(UInt64.random(in: 0...UInt64.max, using: &generator), radix: 36) }
                .joined(separator: "/")
            let prefix = ["", "/v1", "/api/v1", "/t/default", "/admin/v1"][index % 5]
            var method = methods[index % methods.count]
            if index % 7 == 0 { method = HTTPRequest.Method("M\(index)")! }
            _ = try await app.client.execute(uri: prefix + path, method: method)
        }
        let text = try await Self.scrape(app.client)
        let series = text.split(separator: "\n").filter { $0.hasPrefix("tessera_http_requests_total{") }
        let routes = Set(
            series.compactMap { line -> String? in
                guard let range = line.firstRange(of: #"route=""#) else { return nil }
                return String(line[range.upperBound...].prefix { $0 != "\"" })
            })
        let unmatched = series.filter { $0.contains(#"route="unmatched""#) }
        // Every unknown path is one route; methods beyond the standard ones are one value.
        #expect(unmatched.count <= 8 * 3, "\(unmatched)")
        #expect(series.count < 40, "\(series.count) series")
        #expect(routes.count < 10, "\(routes)")
        #expect(unmatched.map { Self.sampleValue($0) }.reduce(0, +) >= 900)
        #expect(text.contains(#"method="OTHER""#) && !text.contains("BREW"))
    }

    static func sampleValue(_ line: Substring) -> Double { Double(line.split(separator: " ").last!) ?? 0 }

    @Test func aMetricsTokenIsRequiredWhenSet() async throws {
        let app = try await Self.build(server: ServerConfiguration(metricsToken: "metrics-secret-1"))
        for header in [nil, "Bearer metrics-secret-2", "Bearer metrics-secret-1x", "Bearer metrics-secret", "Basic metrics-secret-1", "Bearer \(app.key)"] {
            let headers: HTTPFields = header.map { [.authorization: $0] } ?? [:]
            let response = try await app.client.execute(uri: "/metrics", method: .get, headers: headers)
            #expect(response.status == .unauthorized, "\(header ?? "none")")
            #expect(response.headers[.wwwAuthenticate] != nil)
            #expect(!String(buffer: response.body).contains("tessera_"))
        }
        let text = try await Self.scrape(app.client, headers: [.authorization: "Bearer metrics-secret-1"])
        #expect(text.contains("tessera_http_requests_total"))
        // Open by default.
        let open = try await Self.build()
        #expect(try await open.client.execute(uri: "/metrics", method: .get).status == .ok)
    }

    @Test(arguments: [
        ("abc-DEF_1.2", true), (String(repeating: "a", count: 64), true), (String(repeating: "a", count: 65), false), ("", false),
        ("a b", false), ("a\u{7F}b", false), ("ünï", false), ("a/b", false), ("a\"b", false), ("{\"x\":1}", false), ("a%0Ab", false),
    ])
    func aClientRequestIDIsEchoedOnlyWhenItFollowsTheGrammar(given: String, kept: Bool) async throws {
        let lines = Lines()
        let app = try await Self.build(lines: lines)
        var headers: HTTPFields = [:]
        headers[HTTPField.Name("X-Request-Id")!] = given
        let response = try await app.client.execute(uri: "/health", method: .get, headers: headers)
        let echoed = try #require(response.headers[HTTPField.Name("X-Request-Id")!])
        if kept {
            #expect(echoed == given)
        } else {
            #expect(echoed != given && echoed.count == 16 && echoed.allSatisfy(\.isHexDigit))
        }
        let line = try #require(lines.all.last { $0.contains(#""message":"request""#) })
        #expect(try Self.object(line)["request_id"] as? String == echoed)
    }

    static func object(_ line: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test func theJSONHandlerEscapesControlCharactersEverywhere() throws {
        let nasty = "a\u{0}b\nc\r\"d\\e\u{1B}[31m\u{7F}\u{2028}f"
        let line = JSONLogHandler.line(
            timestamp: 1_700_000_000_123, level: .warning, label: "tessera\n", message: nasty,
            metadata: [
                "k\u{0}\n": .string(nasty), "n": .stringConvertible(42), "d": .stringConvertible(1.5), "nan": .stringConvertible(Double.nan),
                "list": .array([.string(nasty), .dictionary(["x\"": .string("\u{1}")])]), "message": .string("forged"),
            ])
        let text = String(decoding: line, as: UTF8.self)
        #expect(text.last == "\n" && text.dropLast().allSatisfy { $0 != "\n" && $0 != "\r" && $0 != "\u{0}" })
        #expect(!line.dropLast().contains { $0 < 0x20 || $0 == 0x7F })
        let object = try Self.object(text)
        #expect(object["timestamp"] as? String == "2023-11-14T22:13:20.123Z")
        #expect(object["level"] as? String == "warning" && object["label"] as? String == "tessera\n")
        #expect(object["message"] as? String == nasty)
        #expect(object["k\u{0}\n"] as? String == nasty)
        #expect(object["n"] as? Int == 42 && object["d"] as? Double == 1.5 && object["nan"] as? String == "nan")
        let list = try #require(object["list"] as? [Any])
        #expect(list.first as? String == nasty && (list.last as? [String: String])?["x\""] == "\u{1}")
        #expect(text.components(separatedBy: "\"message\"").count == 2)
    }

    @Test func logsCarryRequestsAndSecurityEventsButNoSecret() async throws {
        let lines = Lines()
        let app = try await Self.build(lines: lines)
        let auth: HTTPFields = [.authorization: "Bearer \(app.key)", .contentType: "application/json", .cookie: "__session=cookie-secret-value"]
        _ = try await app.client.execute(uri: "/v1/users", method: .post, headers: auth, body: ByteBuffer(string: #"{"first_name":"Ada","password":"hunter2-secret"}"#))
        let user = try await app.client.execute(uri: "/v1/users", method: .post, headers: auth, body: ByteBuffer(string: #"{"first_name":"Ada"}"#))
        let userID = try #require(try SessionServerTests.json(user.body)["id"]?.stringValue)
        let session = try await app.client.execute(uri: "/v1/sessions", method: .post, headers: auth, body: ByteBuffer(string: #"{"user_id":"\#(userID)"}"#))
        let sessionID = try #require(try SessionServerTests.json(session.body)["id"]?.stringValue)
        let minted = try await app.client.execute(uri: "/v1/sessions/\(sessionID)/tokens", method: .post, headers: auth, body: ByteBuffer(string: "{}"))
        let token = try #require(try SessionServerTests.json(minted.body)["jwt"]?.stringValue)
        _ = try await app.client.execute(uri: "/v1/verify", method: .get, headers: [.authorization: "Bearer \(token)"])
        _ = try await app.client.execute(uri: "/api/v1/sessions", method: .get, headers: [.authorization: "Bearer \(token)"])
        let wrongKey = "sk_test_" + String(repeating: "z", count: 40)
        #expect(try await app.client.execute(uri: "/v1/users", method: .get, headers: [.authorization: "Bearer \(wrongKey)"]).status == .unauthorized)
        #expect(try await app.client.execute(uri: "/operator/v1/tenants", method: .get, headers: [.authorization: "Bearer \(app.key)"]).status == .unauthorized)
        _ = try await app.client.execute(uri: "/v1/sessions/\(sessionID)/revoke", method: .post, headers: auth)
        let all = lines.all
        let text = all.joined()
        for secret in [app.key, wrongKey, token, "cookie-secret-value", "hunter2-secret", "Bearer", String(token.split(separator: ".")[2])] {
            #expect(!text.contains(secret), "a log line holds \(secret.prefix(12))…")
        }
        let objects = try all.map(Self.object)
        let requests = objects.filter { $0["message"] as? String == "request" }
        #expect(requests.count == 9)
        for request in requests {
            for field in ["method", "route", "status", "duration_ms", "request_id"] { #expect(request[field] != nil, "no \(field)") }
            #expect(!(request["route"] as! String).contains(sessionID))
        }
        #expect(requests.contains { $0["route"] as? String == "/v1/sessions/{id}/tokens" && $0["tenant"] as? String == "default" && $0["status"] as? Int == 200 })
        let events = objects.filter { $0["message"] as? String == "security event" }.compactMap { $0["event"] as? String }
        #expect(events.contains("refused_secret_key") && events.contains("refused_operator_key") && events.contains("revocation"), "\(events)")
    }

    @Test func theUserSideLimiterIsCountedAndLogged() async throws {
        let lines = Lines()
        let app = try await Self.build(lines: lines)
        // 300 at once per address, refilled at 30 a second: 400 quick requests overflow it.
        var refused = 0
        for _ in 0..<400 where try await app.client.execute(uri: "/api/v1/sessions", method: .get).status == .tooManyRequests { refused += 1 }
        #expect(refused > 0)
        let text = try await Self.scrape(app.client)
        #expect(Self.sample(text, #"tessera_rate_limited_requests_total{surface="user_side"}"#) == Double(refused))
        #expect(Self.sample(text, #"tessera_rate_limited_requests_total{surface="v1"}"#) == 0)
        #expect(lines.all.contains { $0.contains(#""event":"rate_limited""#) })
        // The hook a /v1 limiter calls.
        app.built.metrics.rateLimited(.v1)
        #expect(Self.sample(try await Self.scrape(app.client), #"tessera_rate_limited_requests_total{surface="v1"}"#) == 1)
    }

    @Test func readinessFollowsTheStore() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-ready-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("t.sqlite").path
        let app = try await Self.build(store: try SQLiteSessionStore(path: path))
        let ready = try await app.client.execute(uri: "/ready", method: .get)
        #expect(ready.status == .ok)
        #expect(String(buffer: ready.body) == #"{"status":"ready"}"#)
        #expect(try await app.client.execute(uri: "/health", method: .get).status == .ok)
        // The store stops answering: its revocation list is gone from under it.
        let beside = try DatabaseQueue(path: path)
        try await beside.write { db in try db.execute(sql: "DROP TABLE revocation") }
        let broken = try await app.client.execute(uri: "/ready", method: .get)
        #expect(broken.status == .serviceUnavailable)
        let body = try SessionServerTests.json(broken.body)
        #expect(body["status"]?.stringValue == "not_ready")
        let failing = body["failing"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(failing.contains("store") && failing.contains("revocations"), "\(failing)")
        // Health says only that the process answers.
        #expect(try await app.client.execute(uri: "/health", method: .get).status == .ok)
    }

    @Test func aRevocationCommittedElsewhereIsCaughtUpBeforeReadinessAnswers() async throws {
        let store = InMemorySessionStore()
        let keyEncryption = try KeyEncryptionKeys(current: .generate())
        let app = try await Self.build(store: store, keyEncryption: keyEncryption)
        // Another process on the same store: its commits reach this one only by catch-up.
        let other = try await Self.build(store: store, keyEncryption: keyEncryption)
        let auth: HTTPFields = [.authorization: "Bearer \(other.key)", .contentType: "application/json"]
        let user = try await other.client.execute(uri: "/v1/users", method: .post, headers: auth, body: ByteBuffer(string: "{}"))
        let userID = try #require(try SessionServerTests.json(user.body)["id"]?.stringValue)
        _ = try await other.client.execute(uri: "/v1/users/\(userID)/sessions/revoke", method: .post, headers: auth)
        let before = await app.built.manager.revocations.position
        #expect(try await app.client.execute(uri: "/ready", method: .get).status == .ok)
        #expect(await app.built.manager.revocations.position > before)
    }
}
