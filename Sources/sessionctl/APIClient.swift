import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SessionTokens

/// A minimal client for a running session-server's Backend API (URL and secret key from flags or
/// `TESSERA_URL` / `TESSERA_SECRET_KEY`).
struct APIClient {
    let baseURL: String
    let secretKey: String

    init(url: String?, secretKey: String?) throws {
        let environment = ProcessInfo.processInfo.environment
        baseURL = (url ?? environment["TESSERA_URL"] ?? "http://127.0.0.1:8080").trimmingSuffix("/")
        guard let key = secretKey ?? environment["TESSERA_SECRET_KEY"], !key.isEmpty else {
            throw CLI.fail("give --secret-key or set TESSERA_SECRET_KEY (session-server prints one on first start)")
        }
        self.secretKey = key
    }

    /// Sends a request and returns the JSON body of a 200; anything else fails with the server's error.
    func call(_ method: String, _ path: String, body: JSONValue? = nil) async throws -> JSONValue {
        guard let url = URL(string: baseURL + "/v1" + path) else { throw CLI.fail("invalid URL \(baseURL)") }
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
            let error = value["errors"]?.arrayValue?.first
            let code = error?["code"]?.stringValue ?? "error"
            let message = error?["long_message"]?.stringValue ?? String(decoding: data, as: UTF8.self)
            throw CLI.fail("\(code): \(message)")
        }
        return value
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
