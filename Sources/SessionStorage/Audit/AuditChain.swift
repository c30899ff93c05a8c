import SessionCrypto

/// How a tenant's audit events are chained, and how a chain is checked: the one definition the
/// store (writing) and `sessionctl audit verify` (reading, from the database or the API) share.
///
/// `canonical(event)` is the RFC 8785 JSON of `{"actor":{"id","type"},"data","id","ipAddress",
/// "occurredAt" (Unix ms),"seq","sessionId","tenant","type","userAgent","userId"}` (absent values
/// are `null`); `hash = SHA-256(previousHash ‖ canonical)` with the 32 raw bytes of the previous
/// hash, 32 zero bytes for a tenant's first event.
public enum AuditChain {
    public static let genesis = [UInt8](repeating: 0, count: SHA256.byteCount)
    /// The event that pruning appends: `data.through_seq` is the last sequence removed and
    /// `data.last_hash` its hash (hex), so the first remaining event's `previousHash` is still checked.
    public static let prunedType = "audit.pruned"

    public static func canonical(_ event: AuditEvent) -> [UInt8] {
        func optional(_ text: String?) -> CanonicalJSON.Value { text.map(CanonicalJSON.Value.string) ?? .null }
        let object: CanonicalJSON.Value = .object([
            ("actor", .object([("id", .string(event.actor.id)), ("type", .string(event.actor.type.rawValue))])),
            ("data", .object(event.data.map { ($0.key, $0.value.canonical) })),
            ("id", .string(event.id)),
            ("ipAddress", optional(event.ipAddress)),
            ("occurredAt", .integer(event.occurredAt)),
            ("seq", .integer(event.sequence)),
            ("sessionId", optional(event.sessionID)),
            ("tenant", .string(event.instanceID)),
            ("type", .string(event.type)),
            ("userAgent", optional(event.userAgent)),
            ("userId", optional(event.userID)),
        ])
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        CanonicalJSON.write(object, into: &bytes)
        return bytes
    }

    /// The canonical JSON of `data` alone: how drivers store it.
    public static func canonicalData(_ data: AuditData) -> String {
        var bytes: [UInt8] = []
        CanonicalJSON.write(.object(data.map { ($0.key, $0.value.canonical) }), into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func hash(_ event: AuditEvent) -> [UInt8] {
        SHA256.hash(event.previousHash + canonical(event))
    }

    /// The draft as the event numbered `sequence` after the event whose hash is `previousHash`.
    public static func link(_ draft: AuditDraft, instanceID: String, sequence: Int64, previousHash: [UInt8]) -> AuditEvent {
        var event = AuditEvent(
            id: draft.id, instanceID: instanceID, sequence: sequence, type: draft.type, occurredAt: draft.occurredAt, actor: draft.actor,
            userID: draft.userID, sessionID: draft.sessionID, ipAddress: draft.ipAddress, userAgent: draft.userAgent, data: draft.data,
            previousHash: previousHash, hash: [])
        event.hash = hash(event)
        return event
    }

    /// What a check of a chain found.
    public enum Verdict: Sendable, Hashable, CustomStringConvertible {
        /// Every event links to the one before and hashes to what it says; `head` is the last
        /// event's hash, to be kept elsewhere (a chain cut short at its end is only caught that way).
        case intact(count: Int, head: [UInt8]?)
        /// The first event that is not what the chain says it should be.
        case broken(sequence: Int64, id: String?, problem: Problem)

        public var description: String {
            switch self {
            case .intact(let count, let head):
                "audit chain intact: \(count) events" + (head.map { ", head \(hex($0))" } ?? "")
            case .broken(let sequence, let id, let problem):
                "audit chain broken at seq \(sequence)" + (id.map { " (\($0))" } ?? "") + ": \(problem)"
            }
        }
    }

    public enum Problem: Sendable, Hashable, CustomStringConvertible {
        /// The event's contents no longer hash to its stored hash.
        case altered
        /// The event does not link to the one before it (its `previousHash` differs): an event was
        /// replaced, or events were swapped.
        case unlinked
        /// Sequences jump: the event(s) before this one are missing (`expected` is the sequence
        /// that should have come), or events are out of order.
        case missing(expected: Int64)
        /// The oldest events are gone and no `audit.pruned` event accounts for it.
        case unaccountedStart(expected: Int64)

        public var description: String {
            switch self {
            case .altered: "its contents were altered (the hash does not match)"
            case .unlinked: "it does not follow the event before it (previous hash differs): replaced or reordered"
            case .missing(let expected): "event \(expected) is missing or the events are out of order"
            case .unaccountedStart(let expected):
                "the log starts at an event no audit.pruned event accounts for (expected seq \(expected))"
            }
        }
    }

    /// Checks a tenant's events, in the order given (the store's sequence order). The start is
    /// either sequence 1 after the genesis hash, or the event right after what the latest
    /// `audit.pruned` event says it removed, linked to the hash it recorded.
    public static func verify(_ events: [AuditEvent]) -> Verdict {
        guard let first = events.first else { return .intact(count: 0, head: nil) }
        let prune = events.last { $0.type == prunedType }
        let expectedStart: Int64
        let expectedPrevious: [UInt8]
        if case .integer(let through)? = prune?.data["through_seq"], case .string(let lastHash)? = prune?.data["last_hash"],
            let anchor = bytes(hex: lastHash)
        {
            expectedStart = through &+ 1
            expectedPrevious = anchor
        } else {
            expectedStart = 1
            expectedPrevious = genesis
        }
        if first.sequence != expectedStart {
            // A start before the pruned prefix cannot happen honestly either.
            return .broken(sequence: first.sequence, id: first.id, problem: .unaccountedStart(expected: expectedStart))
        }
        var previous: (sequence: Int64, hash: [UInt8]) = (expectedStart &- 1, expectedPrevious)
        for event in events {
            if event.sequence != previous.sequence &+ 1 {
                return .broken(sequence: event.sequence, id: event.id, problem: .missing(expected: previous.sequence &+ 1))
            }
            if hash(event) != event.hash { return .broken(sequence: event.sequence, id: event.id, problem: .altered) }
            if event.previousHash != previous.hash { return .broken(sequence: event.sequence, id: event.id, problem: .unlinked) }
            previous = (event.sequence, event.hash)
        }
        return .intact(count: events.count, head: previous.hash)
    }

    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes { text += [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]] }
        return String(decoding: text, as: UTF8.self)
    }

    /// 64 lowercase hex digits as 32 bytes, else `nil`.
    public static func bytes(hex text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var index = 0
        while index < 64 {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
