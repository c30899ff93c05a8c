import SessionStorage
import SessionTokens
import Testing

/// An event survives its trip through the admin API's JSON exactly, so a chain read over HTTP
/// verifies like the stored one; input that is not exactly that form is refused with a reason.
@Suite struct AuditEventJSONTests {
    static let event = AuditChain.link(
        AuditDraft(
            id: "aud_1", type: "auth.session_revoked", occurredAt: 1_705_312_800_123, actor: AuditEvent.Actor(type: .user, id: "user_1"),
            userID: "user_1", sessionID: "sess_1", ipAddress: "2001:db8::1", userAgent: "caf\u{E9} \"ua\"",
            data: ["reason": .string("signed out"), "count": .integer(-2), "all": .bool(false), "ids": .strings(["a", "b"])]),
        instanceID: "ins_a", sequence: 7, previousHash: [UInt8](repeating: 0xAB, count: 32))

    /// The JSON as a server sends it: written out and parsed again.
    static func wire(_ value: JSONValue) throws -> JSONValue { try JSONParser.parse(JSONWriter.serialize(value)) }

    static func replacing(_ key: String, with value: JSONValue?, in json: JSONValue) -> JSONValue {
        guard case .object(let object) = json else { return json }
        var members = object.members.filter { $0.key != key }
        if let value { members.append(JSONObject.Member(key: key, value: value)) }
        return .object(JSONObject(members))
    }

    @Test func anEventRoundTripsExactly() throws {
        let rebuilt = try AuditEvent(json: Self.wire(Self.event.json))
        #expect(rebuilt == Self.event)
        #expect(AuditChain.hash(rebuilt) == Self.event.hash)
        #expect(Self.event.json["occurredAt"] == .string("2024-01-15T10:00:00.123Z"))
        // Without `tenant` (an older server), the caller names it.
        let anonymous = Self.replacing("tenant", with: nil, in: Self.event.json)
        #expect(try AuditEvent(json: anonymous, tenant: "ins_a") == Self.event)
        #expect(throws: StorageError.self) { try AuditEvent(json: anonymous) }
    }

    @Test(arguments: [
        ("prevHash", JSONValue.string(String(repeating: "AB", count: 32))),
        ("prevHash", .string(String(repeating: "ab", count: 31))),
        ("hash", .string("zz")),
        ("hash", .null),
        ("seq", .double(7.5)),
        ("seq", .string("7")),
        ("occurredAt", .string("2024-01-15T10:00:00Z")),
        ("occurredAt", .string("2024-01-15T10:00:00.123+00:00")),
        ("occurredAt", .integer(1_705_312_800_123)),
        ("actor", .object(["type": .string("robot"), "id": .string("x")])),
        ("actor", .object(["type": .string("user")])),
        ("data", .object(["n": .double(1.5)])),
        ("data", .object(["n": .object([:])])),
        ("data", .array([])),
        ("userId", .integer(1)),
        ("userAgent", nil),
        ("type", nil),
        ("tenant", .integer(1)),
    ] as [(String, JSONValue?)])
    func malformedEventsAreRefused(_ key: String, _ value: JSONValue?) {
        let json = Self.replacing(key, with: value, in: Self.event.json)
        #expect(throws: StorageError(.constraint, "")) { try AuditEvent(json: json) }
    }

    @Test func timestampsAreExactBothWays() {
        let vectors: [(Int64, String)] = [
            (0, "1970-01-01T00:00:00.000Z"), (-1, "1969-12-31T23:59:59.999Z"), (1_705_312_800_000, "2024-01-15T10:00:00.000Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"), (1_709_251_199_999, "2024-02-29T23:59:59.999Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"), (4_107_542_400_001, "2100-03-01T00:00:00.001Z"),
        ]
        for (milliseconds, text) in vectors {
            #expect(AuditTimestamp.string(milliseconds) == text)
            #expect(AuditTimestamp.milliseconds(text) == milliseconds)
        }
        var milliseconds: Int64 = -86_400_000 * 365
        while milliseconds < 4_102_444_800_000 {
            #expect(AuditTimestamp.milliseconds(AuditTimestamp.string(milliseconds)) == milliseconds)
            milliseconds += 86_399_997 * 7
        }
        for text in [
            "2023-02-29T00:00:00.000Z", "2100-02-29T00:00:00.000Z", "2024-04-31T00:00:00.000Z", "2024-13-01T00:00:00.000Z",
            "2024-01-15T24:00:00.000Z", "2024-01-15T10:60:00.000Z", "2024-01-15T10:00:60.000Z", "2024-01-15 10:00:00.000Z",
            "2024-01-15T10:00:00.000z", "2024-01-15T10:00:00.00Z", "+2024-01-15T10:00:00.000Z", "2024-01-15T10:00:00.0001Z",
            "2024-1-15T10:00:00.000Z0", "２０２４-01-15T10:00:00.000Z", "",
        ] {
            #expect(AuditTimestamp.milliseconds(text) == nil, "\(text)")
        }
    }
}
