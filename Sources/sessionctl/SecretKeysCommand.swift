import ArgumentParser
import SessionTokens

/// The operator surface's options: where the server is and the operator key.
struct OperatorOptions: ParsableArguments {
    @Option(help: "The server's URL (TESSERA_URL; default http://127.0.0.1:8080).")
    var url: String?

    @Option(name: .customLong("operator-key"), help: "An operator key, op_… (TESSERA_OPERATOR_KEY).")
    var operatorKey: String?

    @Option(help: "The tenant's slug.")
    var tenant = "default"

    func client() throws -> APIClient { try APIClient(url: url, operatorKey: operatorKey) }
}

/// `sessionctl secret-keys create|list|revoke`: a tenant's secret keys through the operator API.
struct SecretKeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret-keys", abstract: "A tenant's secret keys, through the operator API.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a secret key and print it (shown this once).")
        @OptionGroup var server: OperatorOptions
        func run() async throws {
            let answer = try await server.client().call("POST", "/tenants/\(APIClient.segment(server.tenant))/secret_keys", body: .object([:]))
            print(answer["secret_key"]?.stringValue ?? "")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the keys: id, prefix, created, last used, revoked; never the secret.")
        @OptionGroup var server: OperatorOptions
        func run() async throws {
            printJSON(try await server.client().call("GET", "/tenants/\(APIClient.segment(server.tenant))/secret_keys"))
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a key by id (key_…): refused at once, and by every server on the same database within 1 s.")
        @OptionGroup var server: OperatorOptions
        @Argument(help: "The key's id (key_…), from secret-keys list.") var id: String
        func run() async throws {
            printJSON(try await server.client().call("DELETE", "/tenants/\(APIClient.segment(server.tenant))/secret_keys/\(APIClient.segment(id))"))
        }
    }
}
