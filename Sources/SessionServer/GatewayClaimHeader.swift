public import HTTPTypes
import SessionTokens

/// One claim the gateway answer copies into a header, e.g. `org_id=X-Org-Id`.
public struct GatewayClaimHeader: Sendable, Hashable {
    public let claim: String
    public let header: HTTPField.Name

    public init(claim: String, header: HTTPField.Name) {
        self.claim = claim
        self.header = header
    }

    /// Parses `claim=Header-Name`; `nil` when either side is empty or the header name is not a valid token.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, !parts[0].isEmpty, let header = HTTPField.Name(String(parts[1])) else { return nil }
        self.init(claim: String(parts[0]), header: header)
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
