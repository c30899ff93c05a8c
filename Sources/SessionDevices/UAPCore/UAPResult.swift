/// What uap-core's lists say about a user agent, with its family names as they are ("Mac OS X",
/// "Mobile Safari"): the raw material `DeviceParser` turns into a `Device`.
struct UAPResult: Sendable, Hashable {
    /// uap-core's name for "no rule matched".
    static let other = "Other"

    struct Versioned: Sendable, Hashable {
        var family: String
        var major: String?
        var minor: String?
        var patch: String?
        var patchMinor: String?

        /// `major.minor.patch.patchMinor` as far as the leading parts go; nil without a major.
        var version: String? {
            var parts: [String] = []
            for part in [major, minor, patch, patchMinor] {
                guard let part else { break }
                parts.append(part)
            }
            return parts.isEmpty ? nil : parts.joined(separator: ".")
        }
    }

    struct Hardware: Sendable, Hashable {
        var family: String
        var brand: String?
        var model: String?
    }

    var browser = Versioned(family: other)
    var os = Versioned(family: other)
    var device = Hardware(family: other)
}
