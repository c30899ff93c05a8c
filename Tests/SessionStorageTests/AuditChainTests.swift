import SessionStorage
import Testing

/// The chain's byte form against a fixed vector, and what `verify` says of every way a stored log
/// can be tampered with: the first event that is not what the chain says is the one named.
@Suite struct AuditChainTests {
    static let t0: Int64 = 1_705_312_800_000

    /// `count` events linked from `start` (the sequence and hash before the first).
    static func chain(_ count: Int, after start: (sequence: Int64, hash: [UInt8]) = (0, AuditChain.genesis)) -> [AuditEvent] {
        var events: [AuditEvent] = []
        var previous = start
        for index in 0..<count {
            let sequence = previous.sequence + 1
            let draft = AuditDraft(
                id: "aud_\(sequence)", type: index % 2 == 0 ? "auth.session_created" : "auth.session_revoked", occurredAt: t0 + Int64(index) * 1000,
                actor: AuditEvent.Actor(type: .secretKey, id: "key_1"), userID: "user_1", sessionID: "sess_\(sequence)",
                data: ["n": .integer(sequence)])
            let event = AuditChain.link(draft, instanceID: "ins_a", sequence: sequence, previousHash: previous.hash)
            events.append(event)
            previous = (sequence, event.hash)
        }
        return events
    }

    // MARK: The byte form

    /// Checked by hand against Python: `json.dumps(obj, sort_keys=True, separators=(",", ":"),
    /// ensure_ascii=False)` of the same object writes these bytes, and
    /// `hashlib.sha256(bytes(32) + them).hexdigest()` is `expectedHash`. Keys sort by bytes
    /// (`Zeta` before `count`); only `"`, `\` and C0 controls are escaped (DEL and non-ASCII are not).
    @Test func canonicalBytesMatchTheFixedVector() {
        let event = AuditChain.link(
            AuditDraft(
                id: "aud_0123456789abcdef0123456789abcdef", type: "user.created", occurredAt: 1_705_312_800_123,
                actor: AuditEvent.Actor(type: .secretKey, id: "key_1"), userID: "user_1", sessionID: nil, ipAddress: "203.0.113.5",
                userAgent: "Mozilla/5.0 \"x\"\t\u{08}\u{0C}\r\u{1F}",
                data: [
                    "note": .string("say \"hi\"\\ caf\u{E9} \u{2603}\n\u{01}\u{7F}"), "count": .integer(-3), "flag": .bool(true),
                    "ids": .strings(["sess_1", "\u{E9}"]), "Zeta": .bool(false),
                ]),
            instanceID: "ins_default", sequence: 1, previousHash: AuditChain.genesis)
        let expected = #"{"actor":{"id":"key_1","type":"secret_key"},"data":{"Zeta":false,"count":-3,"flag":true,"ids":["sess_1","\#u{E9}"],"note":"say \"hi\"\\ caf\#u{E9} \#u{2603}\n\u0001\#u{7F}"},"id":"aud_0123456789abcdef0123456789abcdef","ipAddress":"203.0.113.5","occurredAt":1705312800123,"seq":1,"sessionId":null,"tenant":"ins_default","type":"user.created","userAgent":"Mozilla/5.0 \"x\"\t\b\f\r\u001f","userId":"user_1"}"#
        #expect(AuditChain.canonical(event) == Array(expected.utf8))
        #expect(AuditChain.canonical(event).count == 383)
        let expectedHash = "f06276c8d0c06d6a6b852781e54d618e3445111e7c239cdb4031429714cb5579"
        #expect(AuditChain.hex(event.hash) == expectedHash)
        #expect(AuditChain.bytes(hex: expectedHash) == event.hash)
    }

    @Test func hexIsLowercaseAndExact() {
        #expect(AuditChain.hex([0x00, 0xAB, 0xFF]) == "00abff")
        #expect(AuditChain.bytes(hex: String(repeating: "ab", count: 32)) == [UInt8](repeating: 0xAB, count: 32))
        #expect(AuditChain.bytes(hex: String(repeating: "AB", count: 32)) == nil)
        #expect(AuditChain.bytes(hex: String(repeating: "ab", count: 31)) == nil)
        #expect(AuditChain.bytes(hex: String(repeating: "ag", count: 32)) == nil)
    }

    // MARK: Verdicts

    @Test func anUntouchedChainIsIntact() {
        let events = Self.chain(5)
        #expect(AuditChain.verify(events) == .intact(count: 5, head: events[4].hash))
        #expect(AuditChain.verify(events).description == "audit chain intact: 5 events, head \(AuditChain.hex(events[4].hash))")
        #expect(AuditChain.verify([]) == .intact(count: 0, head: nil))
        #expect(events[0].previousHash == AuditChain.genesis)
    }

    @Test(arguments: ["type", "occurredAt", "actor", "userID", "sessionID", "ipAddress", "data", "id", "tenant", "previousHash"])
    func anAlteredFieldIsNamedAtItsEvent(_ field: String) {
        var events = Self.chain(5)
        switch field {
        case "type": events[2].type = "user.deleted"
        case "occurredAt": events[2].occurredAt += 1
        case "actor": events[2].actor = .system
        case "userID": events[2].userID = nil
        case "sessionID": events[2].sessionID = "sess_other"
        case "ipAddress": events[2].ipAddress = "198.51.100.1"
        case "data": events[2].data["n"] = .string("3")
        case "id": events[2].id = "aud_x"
        case "tenant": events[2].instanceID = "ins_b"
        default: events[2].previousHash[0] ^= 1
        }
        #expect(AuditChain.verify(events) == .broken(sequence: 3, id: events[2].id, problem: .altered))
    }

    @Test func aStoredHashChangedAloneIsAltered() {
        var events = Self.chain(5)
        events[2].hash[31] ^= 1
        #expect(AuditChain.verify(events) == .broken(sequence: 3, id: "aud_3", problem: .altered))
    }

    @Test func aDeletedEventIsMissingAtTheNext() {
        var events = Self.chain(5)
        events.remove(at: 2)
        let verdict = AuditChain.verify(events)
        #expect(verdict == .broken(sequence: 4, id: "aud_4", problem: .missing(expected: 3)))
        #expect(verdict.description == "audit chain broken at seq 4 (aud_4): event 3 is missing or the events are out of order")
    }

    @Test func swappedEventsBreakAtTheFirstSwappedPosition() {
        var events = Self.chain(5)
        events.swapAt(1, 3)
        #expect(AuditChain.verify(events) == .broken(sequence: 4, id: "aud_4", problem: .missing(expected: 2)))
        // Contents swapped under the sequence numbers (what an UPDATE of two rows does): the first no longer hashes.
        var renumbered = Self.chain(5)
        renumbered.swapAt(1, 2)
        (renumbered[1].sequence, renumbered[2].sequence) = (2, 3)
        #expect(AuditChain.verify(renumbered) == .broken(sequence: 2, id: "aud_3", problem: .altered))
    }

    @Test func aRemovedStartWithoutAPruneEventIsUnaccounted() {
        let events = Array(Self.chain(5).dropFirst(2))
        #expect(AuditChain.verify(events) == .broken(sequence: 3, id: "aud_3", problem: .unaccountedStart(expected: 1)))
    }

    @Test func aProperPruneKeepsTheChainIntact() {
        let events = Self.chain(5)
        let pruned = AuditChain.link(
            AuditDraft(
                id: "aud_pruned", type: AuditChain.prunedType, occurredAt: Self.t0 + 10_000, actor: .system,
                data: ["through_seq": .integer(3), "last_hash": .string(AuditChain.hex(events[2].hash)), "removed": .integer(3)]),
            instanceID: "ins_a", sequence: 6, previousHash: events[4].hash)
        let kept = Array(events.dropFirst(3)) + [pruned]
        #expect(AuditChain.verify(kept) == .intact(count: 3, head: pruned.hash))
        // More removed than the prune event accounts for: the start is not the one it names.
        #expect(AuditChain.verify(Array(kept.dropFirst())) == .broken(sequence: 5, id: "aud_5", problem: .unaccountedStart(expected: 4)))
        // Fewer removed: event 3 is still there, which the prune says is gone.
        let tooMany = [events[2]] + kept
        #expect(AuditChain.verify(tooMany) == .broken(sequence: 3, id: "aud_3", problem: .unaccountedStart(expected: 4)))
    }

    @Test func aPruneEventWithAWrongAnchorBreaksTheFirstKeptEvent() {
        let events = Self.chain(5)
        let pruned = AuditChain.link(
            AuditDraft(
                id: "aud_pruned", type: AuditChain.prunedType, occurredAt: Self.t0 + 10_000, actor: .system,
                data: ["through_seq": .integer(3), "last_hash": .string(AuditChain.hex(events[1].hash))]),
            instanceID: "ins_a", sequence: 6, previousHash: events[4].hash)
        #expect(AuditChain.verify(Array(events.dropFirst(3)) + [pruned]) == .broken(sequence: 4, id: "aud_4", problem: .unlinked))
    }

    @Test func aForgedRehashedReplacementIsUnlinked() {
        let events = Self.chain(5)
        // Linked properly to its predecessor and hashed: only the next event's link gives it away.
        let forged = AuditChain.link(
            AuditDraft(id: "aud_3", type: "auth.session_created", occurredAt: Self.t0, actor: .system, userID: "user_2"),
            instanceID: "ins_a", sequence: 3, previousHash: events[1].hash)
        var replaced = events
        replaced[2] = forged
        #expect(AuditChain.verify(replaced) == .broken(sequence: 4, id: "aud_4", problem: .unlinked))
        // Hashed, but not linked to what came before: caught at the forged event itself.
        var detached = events
        detached[2] = AuditChain.link(
            AuditDraft(id: "aud_3", type: "auth.session_created", occurredAt: Self.t0, actor: .system), instanceID: "ins_a", sequence: 3,
            previousHash: AuditChain.genesis)
        #expect(AuditChain.verify(detached) == .broken(sequence: 3, id: "aud_3", problem: .unlinked))
        // The tail re-hashed too: intact again, which only a head hash kept elsewhere reveals.
        var rewritten = Array(events.prefix(2)) + [forged]
        for event in events.dropFirst(3) {
            var draft = AuditDraft(id: event.id, type: event.type, occurredAt: event.occurredAt, actor: event.actor)
            draft.data = event.data
            rewritten.append(AuditChain.link(draft, instanceID: "ins_a", sequence: event.sequence, previousHash: rewritten.last!.hash))
        }
        guard case .intact(5, let head) = AuditChain.verify(rewritten) else { Issue.record("a rewritten tail verifies"); return }
        #expect(head != events[4].hash)
    }
}
