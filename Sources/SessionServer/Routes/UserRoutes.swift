import Hummingbird
import SessionManagement
import SessionStorage
import SessionTokens

/// `/v1/users`: create, list and count with Clerk's filters, get, update, merge metadata, delete.
struct UserRoutes {
    let manager: SessionManager
    let configuration: ServerConfiguration

    func register(_ group: V1Group) {
        group.post("users") { request, context in
            let draft = try await draft(request)
            return JSONResponse.make(UserDTO.json(try await manager.createUser(in: try context.requireInstance(), draft)))
        }
        group.get("users") { request, context in
            let instance = try context.requireInstance()
            let query = try UserListParameters.query(request, instanceID: instance.id, paged: true)
            let page = try await manager.users(in: instance, query)
            return JSONResponse.make(.array(page.items.map(UserDTO.json)))
        }
        // A constant segment: Hummingbird's trie prefers it to `users/:id`.
        group.get("users/count") { request, context in
            let instance = try context.requireInstance()
            let count = try await manager.userCount(in: instance, try UserListParameters.query(request, instanceID: instance.id, paged: false))
            return JSONResponse.make(.object(["object": .string("total_count"), "total_count": .integer(Int64(count))]))
        }
        group.patch("users/:id/metadata") { request, context in
            let body = try await RequestBody.read(request, limit: configuration.maximumBodyBytes)
                .allowOnly(["public_metadata", "private_metadata", "unsafe_metadata"])
            let user = try await manager.updateUserMetadata(
                in: try context.requireInstance(), id: try context.pathID("id", .user), public: try body.jsonObject("public_metadata"),
                private: try body.jsonObject("private_metadata"), unsafe: try body.jsonObject("unsafe_metadata"))
            return JSONResponse.make(UserDTO.json(user))
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
