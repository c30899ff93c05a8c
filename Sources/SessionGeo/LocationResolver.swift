public import SessionNetwork

/// Where a session's client is, from the sources the operator configured, first that answers (Decision 0014):
/// the edge's location headers when the socket peer is a trusted proxy, then the GeoIP database (when one is
/// configured) for the client's address, else `nil`.
///
/// The sources are not merged: an edge that knows only the country is the answer, rather than a city from the
/// database beside a country from the edge that may disagree with it.
public struct LocationResolver: Sendable {
    /// Decides whether the edge headers are read, and which.
    public let addresses: ClientAddressResolver
    /// The operator's database (`--geoip-database`), or `nil` for none.
    public let database: GeoIPDatabase?

    public init(addresses: ClientAddressResolver, database: GeoIPDatabase?) {
        self.addresses = addresses
        self.database = database
    }

    /// The client's location. `peer` is the socket's remote address, `client` the address
    /// `ClientAddressResolver.clientAddress(peer:forwardedFor:)` gave for the same request, and `fields` returns
    /// every value of the named header (case-insensitive) in the order received.
    public func location(peer: IPAddress?, client: IPAddress?, fields: (String) -> [String]) -> Location? {
        if let edge = addresses.edgeLocation(peer: peer, fields: fields) { return edge }
        guard let database, let client else { return nil }
        return database.location(of: client)
    }
}
