import Hummingbird
import SessionManagement
import SessionStorage
import SessionTokens

/// `/v1/users`: the minimal users resource sessions and templates need.
struct UserRoutes {
    let manager: SessionManager
    let configuration: ServerConfiguration

    func register(_ group: RouterGroup<ServerContext>) {
        group.post("users") { request, context in
            let draft = try await draft(request)
            return JSONResponse.make(UserDTO.json(try await manager.createUser(in: try context.requireInstance(), draft)))
        }
        group.get("users") { request, context in
            let page = try await manager.users(
                in: try context.requireInstance(), limit: try request.queryInteger("limit", default: 10),
                offset: try request.queryInteger("offset", default: 0))
            return JSONResponse.make(.array(page.items.map(UserDTO.json)))
        }
        group.get("users/:id") { _, context in
            JSONResponse.make(UserDTO.json(try await manager.user(in: try context.requireInstance(), id: try context.pathID("id", .user))))
        }
        group.patch("users/:id") { request, context in
            let draft = try await draft(request)
            let user = try await manager.updateUser(in: try context.requireInstance(), id: try context.pathID("id", .user), draft)
            return JSONResponse.make(UserDTO.json(user))
        }
        group.delete("users/:id") { _, context in
            let id = try context.pathID("id", .user)
            _ = try await manager.deleteUser(in: try context.requireInstance(), id: id)
            return JSONResponse.make(.object(["object": .string("user"), "id": .string(id), "deleted": .bool(true)]))
        }
    }

    /// The members of Clerk's user body that Tessera stores, plus `notify_primary_email_address_changed`, which
    /// Clerk's SDKs send on every update (Tessera sends no email, so it changes nothing, but it must be a boolean).
    /// Any other member is refused, not ignored.
    static let fields: Set<String> = [
        "external_id", "first_name", "last_name", "username", "email_address", "phone_number", "public_metadata",
        "private_metadata", "unsafe_metadata", "notify_primary_email_address_changed",
    ]

    private func draft(_ request: Request) async throws -> UserDraft {
        let body = try await RequestBody.read(request, limit: configuration.maximumBodyBytes).allowOnly(Self.fields)
        _ = try body.bool("notify_primary_email_address_changed")
        return UserDraft(
            externalID: try body.string("external_id"), firstName: try body.string("first_name"),
            lastName: try body.string("last_name"), username: try body.string("username"),
            emailAddresses: try body.strings("email_address"), phoneNumbers: try body.strings("phone_number"),
            publicMetadata: try body.jsonObject("public_metadata"), privateMetadata: try body.jsonObject("private_metadata"),
            unsafeMetadata: try body.jsonObject("unsafe_metadata"))
    }
}
