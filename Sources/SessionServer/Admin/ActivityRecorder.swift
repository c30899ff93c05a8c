import HTTPTypes
import Hummingbird
import SessionDevices
import SessionGeo
import SessionNetwork
import SessionStorage

/// Turns a request into the activity a session records: the end user's address and user agent
/// (relayed in the body by a login backend, else the request's own), the device parsed from the
/// user agent, and the location. Each input is checked here, at the edge, against its grammar.
struct ActivityRecorder: Sendable {
    /// User agents are kept to this many bytes (cut on a character boundary), not refused.
    static let userAgentLimit = 512

    /// Where the request came from: the peer, or behind a trusted proxy its forwarded client.
    let locations: LocationResolver
    let devices: DeviceParser

    init(trustedProxies: [IPNetwork], geoIPDatabase: GeoIPDatabase?, devices: DeviceParser = DeviceParser()) {
        locations = LocationResolver(addresses: ClientAddressResolver(trustedProxies: trustedProxies), database: geoIPDatabase)
        self.devices = devices
    }

    func activity(for request: Request, context: ServerContext, body: RequestBody) throws -> Session.Activity {
        try activity(for: request, context: context, relayedAddress: try AdminRoutes.string(body, "ipAddress"),
            relayedAgent: try AdminRoutes.string(body, "userAgent"))
    }

    /// The activity of the request's own client: its address and user agent, nothing relayed (the user side).
    func requestActivity(for request: Request, context: ServerContext) throws -> Session.Activity {
        try activity(for: request, context: context, relayedAddress: nil, relayedAgent: nil)
    }

    /// The request's client address (§2: the peer, or behind a trusted proxy its forwarded client).
    func clientAddress(for request: Request, context: ServerContext) -> IPAddress? {
        let fields = HTTPField.Name(ClientAddressResolver.forwardedForHeader).map { request.headers[values: $0] } ?? []
        return locations.addresses.clientAddress(peer: context.peerAddress, forwardedFor: fields)
    }

    private func activity(for request: Request, context: ServerContext, relayedAddress: String?, relayedAgent: String?) throws -> Session.Activity {
        let peer = context.peerAddress
        let fields: (String) -> [String] = { name in HTTPField.Name(name).map { request.headers[values: $0] } ?? [] }
        let address: IPAddress?
        let location: Location?
        if let text = relayedAddress {
            guard let relayed = IPAddress(text) else {
                throw APIError(.badRequest, "invalid_request", "ipAddress must be an IPv4 or IPv6 address")
            }
            // The caller relays its end user's address: the request's own edge headers describe the caller, not them.
            address = relayed
            location = locations.database?.location(of: relayed)
        } else {
            address = locations.addresses.clientAddress(peer: peer, forwardedFor: fields(ClientAddressResolver.forwardedForHeader))
            location = locations.location(peer: peer, client: address, fields: fields)
        }
        let userAgent = try Self.userAgent(relayedAgent ?? request.headers[.userAgent])
        // Client hints describe the requesting browser: they count only when its own user agent does.
        let hints = relayedAgent == nil
            ? ClientHints(mobileHeader: fields("Sec-CH-UA-Mobile").first, platformHeader: fields("Sec-CH-UA-Platform").first) : nil
        let device = userAgent.map { devices.parse(userAgent: $0, hints: hints) }
        return Session.Activity(
            userAgent: userAgent, ipAddress: address?.description, deviceType: device?.type.rawValue, isMobile: device?.isMobile ?? false,
            browserName: device?.browser, browserVersion: device?.browserVersion, osName: device?.os, city: location?.city,
            country: location?.country)
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
