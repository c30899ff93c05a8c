/// Who the client is: its address, and where an edge says it is, given the socket peer and the request's headers.
///
/// The rule (Decision 0014): a request's headers are believed only as far as a chain of trusted proxies vouches
/// for them. The client address is the socket peer unless the peer is a trusted proxy; then `X-Forwarded-For`
/// is read from the right, each hop written by the proxy to its right, and the first hop that is not a trusted
/// proxy is the client. The walk stops early, keeping the last trusted address reached, at a hop that does not
/// parse (a proxy we trust wrote something we cannot read, so nothing to its left was vouched for) and at the
/// header's left end (every hop was a trusted proxy). An untrusted client can therefore put anything into the
/// header, and only make its own address appear, never one it chose.
///
/// Edge location headers (`EdgeLocation`) follow the same trust: read only when the peer is a trusted proxy.
public struct ClientAddressResolver: Sendable, Hashable {
    /// The networks whose addresses are proxies this service trusts to report their client.
    public let trustedProxies: [IPNetwork]
    /// Which edge location headers are read from a trusted proxy's request.
    public let edgeLocation: EdgeLocation

    /// The header that carries the proxy chain.
    public static let forwardedForHeader = "X-Forwarded-For"

    public init(trustedProxies: [IPNetwork], edgeLocation: EdgeLocation = EdgeLocation()) {
        self.trustedProxies = trustedProxies
        self.edgeLocation = edgeLocation
    }

    /// Whether `address` lies in one of the trusted proxies' networks.
    public func isTrustedProxy(_ address: IPAddress) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }

    /// The client's address. `peer` is the socket's remote address (`nil` when it has none, as on a Unix socket:
    /// then the answer is `nil`, never a header's claim); `forwardedFor` holds every `X-Forwarded-For` line of the
    /// request in the order received, read as one comma-separated list. Empty list elements are skipped (RFC 9110
    /// §5.6.1); a hop is an IPv4 or IPv6 address, optionally `[IPv6]`, `[IPv6]:port` or `IPv4:port`. Linear in the
    /// header's length, and only as far as the trusted hops reach.
    public func clientAddress(peer: IPAddress?, forwardedFor: [String]) -> IPAddress? {
        guard let peer, isTrustedProxy(peer) else { return peer }
        var current = peer
        for line in forwardedFor.reversed() {
            guard walk(line, from: &current) else { break }
        }
        return current
    }

    /// The location the request's edge headers give, or `nil`; they are read only when `peer` is a trusted proxy.
    /// `fields` returns every value of the named header (case-insensitive) in the order received.
    public func edgeLocation(peer: IPAddress?, fields: (String) -> [String]) -> Location? {
        guard let peer, isTrustedProxy(peer) else { return nil }
        return edgeLocation.location(fields: fields)
    }
}
