/// One of an instance's signing keys as stored: its private key sealed under the operator's
/// key-encryption key (the store never sees it in the clear), and the schedule it follows.
///
/// Rows never change once written. A key is pending until `activatesAt`, then signs until the
/// next generation activates, and stays published until every token it signed has expired; those
/// later instants follow from the next row, so nothing is updated when a key moves on.
public struct SigningKeyRecord: Sendable, Hashable, CustomStringConvertible {
    /// RFC 7638 thumbprint of the public key: unique across every instance.
    public var keyID: String
    public var instanceID: String
    /// 1 for the instance's first key, then one more per rotation: two processes rotating at
    /// once cannot both add the same generation.
    public var generation: Int64
    /// `RS256`, `ES256` or `EdDSA`.
    public var algorithm: String
    /// The sealed private key (`SessionManagement` seals and opens it).
    public var material: String
    /// Unix milliseconds.
    public var createdAt: Int64
    /// When it starts signing, Unix milliseconds.
    public var activatesAt: Int64

    public init(keyID: String, instanceID: String, generation: Int64, algorithm: String, material: String, createdAt: Int64, activatesAt: Int64) {
        self.keyID = keyID
        self.instanceID = instanceID
        self.generation = generation
        self.algorithm = algorithm
        self.material = material
        self.createdAt = createdAt
        self.activatesAt = activatesAt
    }

    public var description: String { "SigningKeyRecord(\(instanceID)/\(keyID), generation \(generation), \(algorithm), redacted)" }

    /// New material for a row that still holds `stored`'s (a compare-and-swap, as for template keys).
    public struct Replacement: Sendable, Hashable, CustomStringConvertible {
        public var stored: SigningKeyRecord
        public var material: String
        public init(stored: SigningKeyRecord, material: String) {
            self.stored = stored
            self.material = material
        }
        public var description: String { "Replacement(\(stored.instanceID)/\(stored.keyID), redacted)" }
    }
}
