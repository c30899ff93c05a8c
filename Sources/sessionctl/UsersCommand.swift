import ArgumentParser
import SessionTokens

struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Users on a running server.", subcommands: [Create.self, Update.self, List.self, Delete.self, SignOut.self])

    /// The API's parameter names → the flags that set them, for the server's errors.
    static let flags: [String: String] = [
        "first_name": "--first-name", "last_name": "--last-name", "email_address": "--email", "username": "--username",
        "external_id": "--external-id", "public_metadata": "--public-metadata", "private_metadata": "--private-metadata",
        "unsafe_metadata": "--unsafe-metadata",
    ]

    /// The fields `create` and `update` share: each sets its Clerk member only when given.
    struct Fields: ParsableArguments {
        @Option(name: .customLong("first-name"), help: "The first name.") var firstName: String?
        @Option(name: .customLong("last-name"), help: "The last name.") var lastName: String?
        @Option(help: "An email address (repeatable; on update, replaces the list).") var email: [String] = []
        @Option(help: "The username.") var username: String?
        @Option(name: .customLong("external-id"), help: "Your system's id for the user.") var externalID: String?
        @Option(name: .customLong("public-metadata"), help: "A JSON object: readable by the frontend, written by the backend.")
        var publicMetadata: String?
        @Option(name: .customLong("private-metadata"), help: "A JSON object: backend only.") var privateMetadata: String?
        @Option(name: .customLong("unsafe-metadata"), help: "A JSON object: readable and writable by the frontend.")
        var unsafeMetadata: String?

        /// Checked here, before any request: a metadata flag must hold one JSON object.
        func validate() throws {
            for (flag, text) in [("--public-metadata", publicMetadata), ("--private-metadata", privateMetadata), ("--unsafe-metadata", unsafeMetadata)] {
                if let text { _ = try Self.object(text, flag: flag) }
            }
        }

        static func object(_ text: String, flag: String) throws -> JSONObject {
            do throws(TokenError) { return try JSONParser.parseObject(Array(text.utf8)) } catch {
                throw ValidationError("\(flag) must be a JSON object ({…}): \(error.reason)")
            }
        }

        var body: JSONObject {
            get throws {
                var body: JSONObject = [:]
                if let firstName { body["first_name"] = .string(firstName) }
                if let lastName { body["last_name"] = .string(lastName) }
                if !email.isEmpty { body["email_address"] = .array(email.map(JSONValue.string)) }
                if let username { body["username"] = .string(username) }
                if let externalID { body["external_id"] = .string(externalID) }
                if let publicMetadata { body["public_metadata"] = .object(try Self.object(publicMetadata, flag: "--public-metadata")) }
                if let privateMetadata { body["private_metadata"] = .object(try Self.object(privateMetadata, flag: "--private-metadata")) }
                if let unsafeMetadata { body["unsafe_metadata"] = .object(try Self.object(unsafeMetadata, flag: "--unsafe-metadata")) }
                return body
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user (names, emails, username, external id, metadata) and print it.")
        @OptionGroup var server: ServerOptions
        @OptionGroup var fields: Fields

        func run() async throws {
            printJSON(try await server.client().call("POST", "/users", body: .object(try fields.body), flags: UsersCommand.flags))
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Update a user (PATCH /v1/users/{id}): only the fields given change; prints the user.")
        @OptionGroup var server: ServerOptions
        @Argument(help: "The user id (user_…).") var id: String
        @OptionGroup var fields: Fields

        func validate() throws {
            if try fields.body.isEmpty { throw ValidationError("give at least one field to change (--first-name, --public-metadata, …)") }
        }

        func run() async throws {
            printJSON(
                try await server.client().call("PATCH", "/users/\(APIClient.segment(id))", body: .object(try fields.body), flags: UsersCommand.flags))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users.")
        @OptionGroup var server: ServerOptions
        @Option(help: "At most this many (1…500).") var limit = 10

        func validate() throws {
            guard (1...500).contains(limit) else { throw ValidationError("--limit must be from 1 to 500") }
        }

        func run() async throws { printJSON(try await server.client().call("GET", "/users?limit=\(limit)")) }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a user; every token of theirs is revoked.")
        @OptionGroup var server: ServerOptions
        @Argument(help: "The user id.") var id: String
        func run() async throws { printJSON(try await server.client().call("DELETE", "/users/\(APIClient.segment(id))")) }
    }

    struct SignOut: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sign-out", abstract: "Revoke every session and token of a user (one user-wide revocation entry).")
        @OptionGroup var server: ServerOptions
        @Argument(help: "The user id.") var id: String
        func run() async throws { printJSON(try await server.client().call("POST", "/users/\(APIClient.segment(id))/sessions/revoke")) }
    }
}
