import Foundation
import Hummingbird
import SessionManagement
import SessionStorage
import SessionTokens

extension ServerContext {
    /// The authenticated instance (the secret-key middleware guarantees one on `/v1`).
    func requireInstance() throws -> Instance {
        guard let instance else { throw ClerkError.headerFormat }
        return instance
    }

    /// A path parameter, percent-decoded (Clerk's SDKs send template names unescaped but for spaces).
    func pathParameter(_ name: String) throws -> String {
        guard let raw = parameters.get(name) else { throw ClerkError.notFound("Resource not found", "missing \(name)") }
        // Foundation's decoding is costly on Linux and ids never contain '%': decode only when needed.
        return raw.utf8.contains(UInt8(ascii: "%")) ? (raw.removingPercentEncoding ?? raw) : raw
    }
}

extension ServerContext {
    /// A path id checked against its grammar: 400 for text no id could be (a NUL, a space,
    /// non-ASCII, over 64 bytes), 404 for anything else that is not an id of this kind.
    func pathID(_ name: String, _ kind: ResourceID.Kind) throws -> String {
        try ClerkError.checkID(try pathParameter(name), kind, parameter: name)
    }
}

extension ClerkError {
    /// `text` when it is a valid id of `kind`; the Clerk error for it otherwise.
    static func checkID(_ text: String, _ kind: ResourceID.Kind, parameter: String) throws -> String {
        switch ResourceID.check(text, kind) {
        case .valid:
            return text
        case .unknown:
            throw ClerkError.notFound("\(kind.noun.prefix(1).uppercased() + kind.noun.dropFirst()) not found", "No \(kind.noun) was found with id \(text)")
        case .malformed:
            throw ClerkError(
                .badRequest, "resource_id_invalid", "is invalid",
                "\(parameter) must be a \(kind.noun) id: \(kind.rawValue)_ followed by 32 lowercase hex digits",
                meta: ["param_name": .string(parameter)])
        }
    }
}

extension Request {
    /// A query id checked like a path id (`ServerContext.pathID`), or `nil` when absent.
    func queryID(_ name: String, _ kind: ResourceID.Kind) throws -> String? {
        guard let text = query(name) else { return nil }
        return try ClerkError.checkID(text, kind, parameter: name)
    }

    /// A query parameter's value, percent-decoded once (by Hummingbird): decoding it again would turn
    /// `%2525` into `%` and let an escaped escape through as a character the client never sent.
    func query(_ name: String) -> String? {
        uri.queryParameters[name[...]].map(String.init)
    }

    func queryInteger(_ name: String, default fallback: Int) throws -> Int {
        guard let text = query(name) else { return fallback }
        guard let value = Int(text) else { throw ClerkError.invalidParameter(name, "\(name) must be an integer") }
        return value
    }

    func queryBool(_ name: String) throws -> Bool {
        guard let text = query(name) else { return false }
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw ClerkError.invalidParameter(name, "\(name) must be true or false")
        }
    }
}
