/// Finds a repeated member name among an object's members in time linear in their number.
///
/// Comparing each name with every earlier one made a 16k-member object cost 134 M comparisons.
/// Objects of up to `linearLimit` members (every object a real token holds) still do exactly
/// that: no allocation, and quicker than hashing a handful of names. Past it, the parser moves
/// the names into this open-addressing table of (hash, member position) and compares only names
/// whose hashes agree. Hashes are of the UTF-8 bytes (JSON names are code-point sequences;
/// `Set<String>` would merge canonically equivalent names) and seeded per process by `Hasher`, so
/// nobody can pick names that collide.
struct MemberNameTable {
    /// Up to this many members, a new name is compared with each earlier one instead.
    static let linearLimit = 8

    private struct Slot {
        var hash: Int
        /// The member's position in its object; -1 marks an empty slot.
        var position: Int32
    }

    private var slots: [Slot]
    private var count = 0

    /// A table sized for about `expected` names (it grows past them).
    init(expected: Int) {
        var size = 16
        while size < expected * 2 { size <<= 1 }
        slots = Array(repeating: Slot(hash: 0, position: -1), count: size)
    }

    /// Adds the name of member `position`; `true` when an earlier member has the same name, which
    /// `isSame(earlier)` decides for members whose hash agrees (the name is then not added).
    mutating func insert(
        hash: Int, position: Int, isSame: (_ earlier: Int) throws(TokenError) -> Bool
    ) throws(TokenError) -> Bool {
        if (count + 1) * 2 > slots.count { grow() }
        let mask = slots.count - 1
        var index = hash & mask
        while slots[index].position >= 0 {
            if slots[index].hash == hash, try isSame(Int(slots[index].position)) { return true }
            index = (index + 1) & mask
        }
        slots[index] = Slot(hash: hash, position: Int32(truncatingIfNeeded: position))
        count += 1
        return false
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(hash: 0, position: -1), count: old.count * 2)
        let mask = slots.count - 1
        for slot in old where slot.position >= 0 {
            var index = slot.hash & mask
            while slots[index].position >= 0 { index = (index + 1) & mask }
            slots[index] = slot
        }
    }

    /// The hash of a name's UTF-8 bytes.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
        return hasher.finalize()
    }

    static func hash(_ name: String) -> Int {
        var name = name
        return name.withUTF8 { hash($0) }
    }
}
