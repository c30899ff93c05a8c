import ArgumentParser
import SessionTokens

/// `sessionctl tenants create|list`: tenants through the operator API.
struct TenantsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenants", abstract: "Tenants (isolated instances with their own keys and issuer), through the operator API.",
        subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a tenant and print it with its first secret key (shown this once).")
        @Option(help: "The server's URL (TESSERA_URL; default http://127.0.0.1:8080).")
        var url: String?
        @Option(name: .customLong("operator-key"), help: "An operator key, op_… (TESSERA_OPERATOR_KEY).")
        var operatorKey: String?
        @Argument(help: "The slug: [a-z0-9][a-z0-9-]{1,62}.") var slug: String
        @Flag(help: "A production tenant (sk_live_… keys; test sessions refused).") var production = false
        @Option(help: "RS256 (default), ES256 or EdDSA.") var alg: String?
        @Option(name: .customLong("import-key"), help: "Sign with this private key (PEM file) from the start.")
        var importKey: String?
        @Option(name: .customLong("allowed-origin"), help: "An origin the browser-facing surfaces accept; repeatable.")
        var allowedOrigins: [String] = []

        func run() async throws {
            var body: JSONObject = ["slug": .string(slug), "environment": .string(production ? "production" : "development")]
            if let alg { body["signing_algorithm"] = .string(alg) }
            if let importKey { body["private_key_pem"] = .string(String(decoding: try CLI.read(importKey), as: UTF8.self)) }
            if !allowedOrigins.isEmpty { body["allowed_origins"] = .array(allowedOrigins.map(JSONValue.string)) }
            printJSON(try await APIClient(url: url, operatorKey: operatorKey).call("POST", "/tenants", body: .object(body)))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the tenants (never their keys).")
        @Option(help: "The server's URL (TESSERA_URL; default http://127.0.0.1:8080).")
        var url: String?
        @Option(name: .customLong("operator-key"), help: "An operator key, op_… (TESSERA_OPERATOR_KEY).")
        var operatorKey: String?
        func run() async throws {
            printJSON(try await APIClient(url: url, operatorKey: operatorKey).call("GET", "/tenants"))
        }
    }
}
