import Foundation
import Hummingbird
import SessionStorage

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

extension Request {
    func query(_ name: String) -> String? {
        uri.queryParameters[name[...]].map { value in
            value.utf8.contains(UInt8(ascii: "%")) ? (String(value).removingPercentEncoding ?? String(value)) : String(value)
        }
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
