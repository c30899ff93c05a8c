import ArgumentParser
import SessionTokens

/// Where the server is: shared by the commands that talk to it.
struct ServerOptions: ParsableArguments {
    @Option(help: "The server's URL (TESSERA_URL; default http://127.0.0.1:8080).")
    var url: String?

    @Option(name: .customLong("secret-key"), help: "A secret key of the instance (TESSERA_SECRET_KEY).")
    var secretKey: String?

    func client() throws -> APIClient { try APIClient(url: url, secretKey: secretKey) }
}

func printJSON(_ value: JSONValue) { print(JSONWriter.prettyString(value, sortKeys: false)) }

struct SessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions", abstract: "Sessions on a running server.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a test session for a user and print it with a fresh session token.",
            discussion: "Without --user, a new user is created first: a test session in one command.")
        @OptionGroup var server: ServerOptions
        @Option(help: "The user id (user_…); a new user when omitted.")
        var user: String?
        @Option(name: .customLong("expires-in"), help: "Token lifetime in seconds (30…315360000).")
        var expiresIn: Int64?

        func validate() throws { try TokenMintCommand.validateLifetime(expiresIn) }

        func run() async throws {
            let client = try server.client()
            var userID = user
            if userID == nil {
                userID = try await client.call("POST", "/users", body: .object(["first_name": .string("Test")]))["id"]?.stringValue
            }
            let session = try await client.call("POST", "/sessions", body: .object(["user_id": .string(userID ?? "")]), flags: ["user_id": "--user"])
            let id = session["id"]?.stringValue ?? ""
            var tokenBody: JSONObject = [:]
            if let expiresIn { tokenBody["expires_in_seconds"] = .integer(expiresIn) }
            let token = try await client.call(
                "POST", "/sessions/\(APIClient.segment(id))/tokens", body: .object(tokenBody), flags: ["expires_in_seconds": "--expires-in"])
            printJSON(session)
            print(token["jwt"]?.stringValue ?? "")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a user's (or client's) sessions, newest first.")
        @OptionGroup var server: ServerOptions
        @Option(help: "The user id.") var user: String?
        @Option(help: "The client id.") var client: String?
        @Option(help: "Only this status (active, revoked, expired, …).") var status: String?
        @Option(help: "At most this many (1…500).") var limit = 10

        func validate() throws {
            guard (1...500).contains(limit) else { throw ValidationError("--limit must be from 1 to 500") }
            guard user != nil || client != nil else { throw ValidationError("--user or --client is required") }
        }

        func run() async throws {
            var query = ["limit=\(limit)"]
            if let user { query.append("user_id=\(APIClient.segment(user))") }
            if let client { query.append("client_id=\(APIClient.segment(client))") }
            if let status { query.append("status=\(APIClient.segment(status))") }
            printJSON(
                try await server.client().call(
                    "GET", "/sessions?" + query.joined(separator: "&"),
                    flags: ["user_id": "--user", "client_id": "--client", "status": "--status", "limit": "--limit"]))
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a session (idempotent).")
        @OptionGroup var server: ServerOptions
        @Argument(help: "The session id.") var id: String

        func run() async throws { printJSON(try await server.client().call("POST", "/sessions/\(APIClient.segment(id))/revoke")) }
    }
}

struct TemplatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "templates", abstract: "JWT templates on a running server.", subcommands: [Create.self, List.self, Delete.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a template from a file in Clerk's shape.")
        @OptionGroup var server: ServerOptions
        @Argument(help: "The template file: {\"name\", \"claims\", \"lifetime\"?, …}.") var file: String
        func run() async throws { printJSON(try await server.client().call("POST", "/jwt_templates", body: .object(try CLI.readJSONObject(file)))) }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the templates (up to 500).")
        @OptionGroup var server: ServerOptions
        func run() async throws { printJSON(try await server.client().call("GET", "/jwt_templates?limit=500")) }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a template by id; tokens already minted from it stay valid.")
        @OptionGroup var server: ServerOptions
        @Argument(help: "The template id (jtmp_…).") var id: String
        func run() async throws { printJSON(try await server.client().call("DELETE", "/jwt_templates/\(APIClient.segment(id))")) }
    }
}
