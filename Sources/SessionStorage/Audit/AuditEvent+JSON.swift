public import SessionTokens

extension AuditEvent {
    /// The event as the admin surface shows it (camelCase, `occurredAt` in ISO 8601 with
    /// milliseconds, hashes in lowercase hex), with `tenant`: every field the chain hashes, so a
    /// verifier anywhere can rebuild the event from it.
    public var json: JSONValue {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        return .object([
            "id": .string(id), "tenant": .string(instanceID), "seq": .integer(sequence), "type": .string(type),
            "occurredAt": .string(AuditTimestamp.string(occurredAt)),
            "actor": .object(["type": .string(actor.type.rawValue), "id": .string(actor.id)]),
            "userId": text(userID), "sessionId": text(sessionID), "ipAddress": text(ipAddress), "userAgent": text(userAgent),
            "data": AuditChain.json(data), "prevHash": .string(AuditChain.hex(previousHash)), "hash": .string(AuditChain.hex(hash)),
        ])
    }

    /// Rebuilds an event from its admin-surface JSON (`json`), exactly: the time back to the same
    /// Unix millisecond, the data's values to the shapes events use, the hashes to 32 bytes. Anything
    /// else (a missing field, a wrong type, an actor type or hash that is not one, a fractional or
    /// out-of-range number) is refused with a reason, never guessed at: a verifier that repaired
    /// its input would vouch for events nobody wrote. `tenant` is used when the JSON has none.
    public init(json: JSONValue, tenant: String? = nil) throws(StorageError) {
        let label = json["seq"]?.integerValue.map { "event \($0)" } ?? "an event"
        func fail(_ reason: String) -> StorageError { StorageError(.constraint, "\(label): \(reason)") }
        func string(_ key: String) throws(StorageError) -> String {
            guard let value = json[key]?.stringValue else { throw fail("\(key) is missing or not a string") }
            return value
        }
        func optional(_ key: String) throws(StorageError) -> String? {
            guard let value = json[key] else { throw fail("\(key) is missing") }
            if value.isNull { return nil }
            guard let text = value.stringValue else { throw fail("\(key) is neither a string nor null") }
            return text
        }
        func hash(_ key: String) throws(StorageError) -> [UInt8] {
            guard let bytes = AuditChain.bytes(hex: try string(key)) else { throw fail("\(key) is not 64 lowercase hex digits") }
            return bytes
        }
        guard json.objectValue != nil else { throw fail("not a JSON object") }
        guard let sequence = json["seq"]?.integerValue else { throw fail("seq is missing or not an integer") }
        guard let occurredAt = AuditTimestamp.milliseconds(try string("occurredAt")) else {
            throw fail("occurredAt is not an ISO 8601 UTC time with milliseconds (2024-01-15T10:00:00.000Z)")
        }
        guard let actor = json["actor"], actor.objectValue != nil, let actorTypeName = actor["type"]?.stringValue,
            let actorID = actor["id"]?.stringValue
        else { throw fail("actor is not an object with a type and an id") }
        guard let actorType = ActorType(rawValue: actorTypeName) else { throw fail("actor type \(actorTypeName) is not one") }
        guard let members = json["data"]?.objectValue?.members else { throw fail("data is missing or not an object") }
        var data: AuditData = [:]
        for member in members {
            guard let value = AuditValue(json: member.value) else {
                throw fail("data.\(member.key) is not a string, integer, boolean or list of strings")
            }
            guard data.updateValue(value, forKey: member.key) == nil else { throw fail("data.\(member.key) appears twice") }
        }
        let instanceID: String
        if let named = json["tenant"] {
            guard let text = named.stringValue else { throw fail("tenant is not a string") }
            instanceID = text
        } else if let tenant {
            instanceID = tenant
        } else {
            throw fail("tenant is missing")
        }
        self.init(
            id: try string("id"), instanceID: instanceID, sequence: sequence, type: try string("type"), occurredAt: occurredAt,
            actor: Actor(type: actorType, id: actorID), userID: try optional("userId"), sessionID: try optional("sessionId"),
            ipAddress: try optional("ipAddress"), userAgent: try optional("userAgent"), data: data, previousHash: try hash("prevHash"),
            hash: try hash("hash"))
    }
}
