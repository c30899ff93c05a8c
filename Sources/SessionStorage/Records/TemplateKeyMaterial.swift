/// One template's own signing key as stored, wherever its instance: what the start-up pass reads
/// to seal legacy clear-text rows and re-seal rows made under a previous key-encryption key.
/// The store does not interpret `material`; sealing is done above it (`SessionManagement`).
public struct TemplateKeyMaterial: Sendable, Hashable, CustomStringConvertible {
    public var instanceID: String
    public var templateID: String
    public var algorithm: String
    public var material: String

    public init(instanceID: String, templateID: String, algorithm: String, material: String) {
        self.instanceID = instanceID
        self.templateID = templateID
        self.algorithm = algorithm
        self.material = material
    }

    public var description: String { "TemplateKeyMaterial(\(instanceID)/\(templateID), \(algorithm), redacted)" }

    /// New material for a row that still holds `stored.material` (a compare-and-swap, so that a
    /// template saved meanwhile by another process is never overwritten with older material).
    public struct Replacement: Sendable, Hashable, CustomStringConvertible {
        public var stored: TemplateKeyMaterial
        public var material: String
        public init(stored: TemplateKeyMaterial, material: String) {
            self.stored = stored
            self.material = material
        }
        public var description: String { "Replacement(\(stored.instanceID)/\(stored.templateID), redacted)" }
    }
}
