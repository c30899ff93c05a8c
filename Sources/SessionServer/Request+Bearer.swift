import Hummingbird

extension Request {
    /// The credential of `Authorization: Bearer <credential>` (scheme in any casing, exactly one
    /// space-free credential), or `nil`: what every key-authenticated surface accepts.
    var bearerCredential: String? {
        guard let header = headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].contains(" ") else { return nil }
        return String(parts[1])
    }
}
