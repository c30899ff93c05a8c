import COpenSSL

/// Comparisons whose time does not depend on where the inputs differ, for secrets and their hashes.
public enum ConstantTime {
    /// Whether `a` and `b` are equal; the time depends only on the length.
    public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        guard !a.isEmpty else { return true }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, a.count) == 0 } }
    }
}
