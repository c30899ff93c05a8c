import Foundation
import Hummingbird
import SessionManagement
import SessionStorage

/// Clerk's `GET /v1/users` (and `/v1/users/count`) query parameters, each checked once here against
/// its grammar. Arrays are repeated parameters (`email_address=a&email_address=b`), as Clerk's SDKs send them.
enum UserListParameters {
    /// Clerk accepts up to 100 values per array filter.
    static let maximumValues = 100
    /// Longer than any value a user can hold (an email address is at most 320 bytes).
    static let maximumValueBytes = 320

    /// Filters of Clerk's list Tessera has no data for (organizations, web3 wallets, bans, sign-in
    /// times, OAuth providers): refused, so that a result is never silently unfiltered.
    static let unsupported: [String] = [
        "web3_wallet", "organization_id", "email_address_query", "phone_number_query", "username_query", "name_query",
        "banned", "last_active_at_before", "last_active_at_after", "last_active_at_since", "created_at_before",
        "created_at_after", "last_sign_in_at_before", "last_sign_in_at_after", "provider", "provider_user_id",
    ]

    /// The query the request asks for, in the default order (`-created_at`) unless `order_by` says otherwise.
    static func query(_ request: Request, instanceID: String, paged: Bool) throws -> UserQuery {
        let parameters = try formFields(request.uri.query ?? "")
        for name in unsupported where parameters.contains(where: { $0.name == name }) {
            throw ClerkError.invalidParameter(name, "\(name) is not supported by Tessera")
        }
        func values(_ name: String) throws -> [String] {
            let all = parameters.filter { $0.name == name }.map(\.value)
            guard all.count <= maximumValues else {
                throw ClerkError.invalidParameter(name, "\(name) accepts at most \(maximumValues) values")
            }
            for value in all { try check(value, name) }
            return all
        }
        var query = UserQuery(
            instanceID: instanceID, emailAddresses: try values("email_address"), phoneNumbers: try values("phone_number"),
            usernames: try values("username"))
        (query.userIDs, query.excludedUserIDs) = try split(try values("user_id"), "user_id")
        for id in query.userIDs + query.excludedUserIDs where ResourceID.check(id, .user) == .malformed {
            throw ClerkError.invalidParameter("user_id", "user_id must be a user id: user_ followed by 32 lowercase hex digits")
        }
        (query.externalIDs, query.excludedExternalIDs) = try split(try values("external_id"), "external_id")
        // Single-valued: the first occurrence counts, as in Clerk.
        if let text = parameters.first(where: { $0.name == "query" })?.value {
            try check(text, "query")
            query.text = text
        }
        if let order = parameters.first(where: { $0.name == "order_by" })?.value { (query.orderBy, query.descending) = try orderBy(order) }
        if paged {
            query.limit = try request.queryInteger("limit", default: 10)
            query.offset = try request.queryInteger("offset", default: 0)
        }
        return query
    }

    /// The query string as HTML forms encode it, which is what Clerk's SDKs send (httpx writes a space
    /// as `+`): `+` is a space, then percent-escapes are decoded. Hummingbird's own parameters decode
    /// escapes first, after which a space and an escaped `+` can no longer be told apart.
    static func formFields(_ query: String) throws -> [(name: String, value: String)] {
        try query.split(separator: "&", omittingEmptySubsequences: true).map { field in
            let parts = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) throws -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                guard let decoded = spaced.removingPercentEncoding else {
                    throw ClerkError.invalidParameter(String(parts[0].prefix(64)), "the query string holds an invalid percent-escape")
                }
                return decoded
            }
            return (try decode(parts[0]), parts.count > 1 ? try decode(parts[1]) : "")
        }
    }

    private static func check(_ value: String, _ name: String) throws {
        guard StoredText.isClean(value) else { throw ClerkError.invalidParameter(name, "\(name) must not contain control characters") }
        guard value.utf8.count <= maximumValueBytes else {
            throw ClerkError.invalidParameter(name, "\(name) must be at most \(maximumValueBytes) bytes")
        }
    }

    /// Clerk's `+id` (include, as a bare id) and `-id` (exclude).
    private static func split(_ values: [String], _ name: String) throws -> ([String], [String]) {
        var included: [String] = []
        var excluded: [String] = []
        for value in values {
            switch value.utf8.first {
            case UInt8(ascii: "-"): excluded.append(String(value.dropFirst()))
            case UInt8(ascii: "+"): included.append(String(value.dropFirst()))
            default: included.append(value)
            }
        }
        guard !(included + excluded).contains(where: \.isEmpty) else { throw ClerkError.invalidParameter(name, "\(name) must not be empty") }
        return (included, excluded)
    }

    /// `field`, `+field` (ascending) or `-field` (descending). A `+` that arrived unescaped reads as
    /// a space in form encoding (`formFields`): a leading space is taken for it.
    static func orderBy(_ text: String) throws -> (UserQuery.Field, Bool) {
        var name = Substring(text)
        var descending = false
        if name.hasPrefix("-") {
            descending = true
            name = name.dropFirst()
        } else if name.hasPrefix("+") || name.hasPrefix(" ") {
            name = name.dropFirst()
        }
        guard let field = UserQuery.Field(rawValue: String(name)) else {
            let shown = StoredText.isClean(text) && text.utf8.count <= 64 ? "\(text) is not" : "the value is not"
            throw ClerkError.invalidParameter(
                "order_by",
                "order_by: \(shown) one of \(UserQuery.Field.allCases.map(\.rawValue).joined(separator: ", ")), with an optional + or - prefix")
        }
        return (field, descending)
    }
}
