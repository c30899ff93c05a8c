import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SessionTokens

/// A minimal client for a running session-server: the Backend API (URL and secret key from flags or
/// `TESSERA_URL` / `TESSERA_SECRET_KEY`) or the operator surface (`TESSERA_OPERATOR_KEY`).
struct APIClient {
    let baseURL: String
    let secretKey: String
    /// `/v1`, `/operator/v1`, or a tenant's admin surface `/t/{slug}/api/v1/admin`.
    let surface: String

    init(url: String?, secretKey: String?, surface: String = "/v1") throws {
        let environment = ProcessInfo.processInfo.environment
        baseURL = (url ?? environment["TESSERA_URL"] ?? "http://127.0.0.1:8080").trimmingSuffix("/")
        guard let key = secretKey ?? environment["TESSERA_SECRET_KEY"], !key.isEmpty else {
            throw CLI.fail("--secret-key is required (or TESSERA_SECRET_KEY; session-server prints one on first start)")
        }
        self.secretKey = key
        self.surface = surface
    }

    init(url: String?, operatorKey: String?) throws {
        let environment = ProcessInfo.processInfo.environment
        baseURL = (url ?? environment["TESSERA_URL"] ?? "http://127.0.0.1:8080").trimmingSuffix("/")
        guard let key = operatorKey ?? environment["TESSERA_OPERATOR_KEY"], !key.isEmpty else {
            throw CLI.fail("--operator-key is required (or TESSERA_OPERATOR_KEY; session-server prints one on first start)")
        }
        secretKey = key
        surface = "/operator/v1"
    }

    /// Sends a request and returns the JSON body of a 200; anything else fails with the server's error. `flags` maps
    /// the API's parameter names to the command's flags, so that an error about a parameter names the flag to fix.
    func call(_ method: String, _ path: String, body: JSONValue? = nil, flags: [String: String] = [:]) async throws -> JSONValue {
        guard let url = URL(string: baseURL + surface + path) else { throw CLI.fail("invalid URL \(baseURL)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue("Bearer \(secretKey)", forHTTPHeaderField: "Authorization")
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(JSONWriter.serialize(body))
        }
        let (data, response): (Data, URLResponse)
        do { (data, response) = try await URLSession.shared.data(for: request) } catch {
            throw CLI.fail("cannot reach \(baseURL): \(error.localizedDescription)")
        }
        let value = (try? JSONParser.parse(Array(data))) ?? .null
        guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
            // Clerk's `{"errors":[…]}` on /v1, `{"error":{code, message}}` on the other surfaces.
            let error = value["errors"]?.arrayValue?.first ?? value["error"]
            let code = error?["code"]?.stringValue ?? "error"
            let message = error?["long_message"]?.stringValue ?? error?["message"]?.stringValue ?? String(decoding: data, as: UTF8.self)
            if let parameter = error?["meta"]?["param_name"]?.stringValue, let flag = flags[parameter] {
                throw CLI.fail("\(flag) is invalid: \(message) (\(code))")
            }
            if code == "too_many_requests", let http = response as? HTTPURLResponse {
                let retry = http.value(forHTTPHeaderField: "Retry-After") ?? "?"
                throw CLI.fail("\(code): \(message) (Retry-After: \(retry) s)")
            }
            throw CLI.fail("\(code): \(message)")
        }
        return value
    }
}

extension APIClient {
    /// One path segment, percent-encoded byte by byte except for id characters, so that an argument
    /// can never add a segment or a query to the request.
    static func segment(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "_"), UInt8(ascii: "-"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }

    fileprivate func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
