import Hummingbird
import SessionNetwork
import SessionStorage

/// Turns a request into the activity a session records: the end user's address and user agent
/// (relayed in the body by a login backend, else the request's own), the device parsed from the
/// user agent, and the location. Each input is checked here, at the edge, against its grammar.
struct ActivityRecorder: Sendable {
    /// User agents are kept to this many bytes (cut on a character boundary), not refused.
    static let userAgentLimit = 512

    func activity(for request: Request, context: ServerContext, body: RequestBody) throws -> Session.Activity {
        let address: IPAddress?
        if let text = try AdminRoutes.string(body, "ipAddress") {
            guard let parsed = IPAddress(text) else {
                throw APIError(.badRequest, "invalid_request", "ipAddress must be an IPv4 or IPv6 address")
            }
            address = parsed
        } else {
            address = context.peerAddress
        }
        let userAgent = try Self.userAgent(try AdminRoutes.string(body, "userAgent") ?? request.headers[.userAgent])
        return Session.Activity(userAgent: userAgent, ipAddress: address?.description)
    }

    /// At most `userAgentLimit` bytes, cut before a partial character; a control character is refused.
    static func userAgent(_ text: String?) throws -> String? {
        guard let text, !text.isEmpty else { return nil }
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) else {
            throw APIError(.badRequest, "invalid_request", "userAgent must not contain control characters")
        }
        guard text.utf8.count > userAgentLimit else { return text }
        var kept = ""
        kept.reserveCapacity(userAgentLimit)
        var bytes = 0
        for character in text.unicodeScalars {
            let size = String(character).utf8.count
            guard bytes + size <= userAgentLimit else { break }
            kept.unicodeScalars.append(character)
            bytes += size
        }
        return kept
    }
}
