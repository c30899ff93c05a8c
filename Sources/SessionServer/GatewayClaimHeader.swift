public import HTTPTypes
import SessionTokens

/// One claim the gateway answer copies into a header, e.g. `org_id=X-Org-Id`.
///
/// The header may not be one the gateway answer sets itself (`X-Session-Id`, `X-User-Id`,
/// `Content-Type`, `WWW-Authenticate`), nor one that frames the message or the connection
/// (`Content-Length`, `Transfer-Encoding`, `Connection`, …) or carries credentials: claims are user
/// data, and a proxy trusts those headers. A template claim mapped to `X-User-Id` would let user
/// metadata choose the identity; one mapped to `Content-Length` desynchronises keep-alive connections.
public struct GatewayClaimHeader: Sendable, Hashable {
    public let claim: String
    public let header: HTTPField.Name

    /// Names refused in any casing (`HTTPField.Name.canonicalName` is lowercase).
    static let reservedNames: Set<String> = [
        // Identity: what the gateway route itself answers.
        "x-session-id", "x-user-id",
        // Hop-by-hop (RFC 9110 §7.6.1) and connection management.
        "connection", "keep-alive", "te", "trailer", "trailers", "transfer-encoding", "upgrade", "proxy-connection",
        // Framing and representation of the answer itself.
        "content-length", "content-type", "content-encoding", "content-range", "host", "date", "server", "expect", "via",
        "location", "vary", "cache-control", "age", "expires", "etag", "last-modified", "retry-after", "alt-svc", "early-data",
        // Credentials and challenges.
        "authorization", "cookie", "set-cookie", "set-cookie2", "www-authenticate", "authentication-info",
    ]
    /// Prefixes refused in any casing: proxy credentials and connection headers, and every `Content-*`.
    static let reservedPrefixes = ["proxy-", "content-", "sec-"]

    /// A claim header after checking that `header` is not reserved.
    public init(claim: String, header: HTTPField.Name) throws(ConfigurationError) {
        guard !claim.isEmpty else { throw ConfigurationError(.invalidClaimHeader, "the claim name is empty") }
        let name = header.canonicalName
        if Self.reservedNames.contains(name) || Self.reservedPrefixes.contains(where: { name.hasPrefix($0) }) {
            throw ConfigurationError(
                .reservedHeader,
                "\(header.rawName) is reserved: claim headers may not set identity, hop-by-hop, framing or credential headers")
        }
        self.init(unchecked: claim, header: header)
    }

    /// Parses `claim=Header-Name`, refusing an empty side, an invalid header name and reserved headers.
    public init(parsing text: some StringProtocol) throws(ConfigurationError) {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw ConfigurationError(.invalidClaimHeader, "expected claim=Header-Name, got \"\(text)\"")
        }
        guard let header = HTTPField.Name(String(parts[1])) else {
            throw ConfigurationError(.invalidClaimHeader, "\"\(parts[1])\" is not a valid header name (RFC 9110 token characters only)")
        }
        try self.init(claim: String(parts[0]), header: header)
    }

    /// Parses `claim=Header-Name`; `nil` for anything `init(parsing:)` refuses.
    public init?(_ text: some StringProtocol) {
        do { try self.init(parsing: text) } catch { return nil }
    }

    /// Without the reserved-name check: for tests of the route's own defence only.
    init(unchecked claim: String, header: HTTPField.Name) {
        self.claim = claim
        self.header = header
    }

    /// The claim's value as header text: strings as they are, anything else as compact JSON.
    /// `nil` when the claim is absent, null, or a string a header cannot carry (control characters, over 4 KB).
    func value(in claims: JWTClaims) -> String? {
        let value: JSONValue?
        switch claim {
        case "sub": value = claims.subject.map(JSONValue.string)
        case "sid": value = claims.sessionID.map(JSONValue.string)
        case "azp": value = claims.authorizedParty.map(JSONValue.string)
        case "iss": value = claims.issuer.map(JSONValue.string)
        case "sts": value = claims.sessionStatus.map(JSONValue.string)
        default: value = claims.additional[claim]
        }
        let text: String
        switch value {
        case nil, .null?: return nil
        case .string(let string)?: text = string
        case let other?: text = String(decoding: JSONWriter.serialize(other), as: UTF8.self)
        }
        guard text.utf8.count <= 4096, !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return nil }
        return text
    }
}
