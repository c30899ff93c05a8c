import SessionStorage
import Testing

/// Identifier uniqueness, Clerk's user filters and orders, and the client list.
extension SessionStoreConformance {
    static let userChecks: [String: Check] = [
        "identifiersAreUniquePerTenantCaseInsensitively": identifiersAreUniquePerTenantCaseInsensitively,
        "concurrentCreatesWithOneEmailLeaveOneUser": concurrentCreatesWithOneEmailLeaveOneUser,
        "userQueriesFilterOrderAndCount": userQueriesFilterOrderAndCount,
        "clientsPageNewestFirstPerTenant": clientsPageNewestFirstPerTenant,
    ]

    static func person(
        _ id: String, instance: String = "ins_a", email: String? = nil, phone: String? = nil, username: String? = nil,
        externalID: String? = nil, first: String? = nil, last: String? = nil, at: Int64 = t0
    ) -> User {
        User(
            id: id, instanceID: instance, externalID: externalID, firstName: first, lastName: last, username: username,
            emailAddresses: email.map { [User.EmailAddress(id: "idn_e_\(id)", emailAddress: $0, verified: true)] } ?? [],
            primaryEmailAddressID: email.map { _ in "idn_e_\(id)" },
            phoneNumbers: phone.map { [User.PhoneNumber(id: "idn_p_\(id)", phoneNumber: $0, verified: true)] } ?? [],
            primaryPhoneNumberID: phone.map { _ in "idn_p_\(id)" }, createdAt: at, updatedAt: at)
    }

    static func expectTaken(_ field: String, _ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            try await body()
            Issue.record("expected \(field) taken, nothing was thrown", sourceLocation: sourceLocation)
        } catch let error as StorageError {
            #expect(error.code == .conflict && error.field == field, "expected \(field) taken, got \(error) (\(error.field ?? "-"))", sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected \(field) taken, got \(error)", sourceLocation: sourceLocation)
        }
    }

    static let identifiersAreUniquePerTenantCaseInsensitively: Check = { store in
        try await seed(store, instance: "ins_a")
        try await seed(store, instance: "ins_b", user: "user_b")
        try await store.createUser(person("user_ada", email: "Ada@Example.COM", phone: "+15550001", username: "Ada"))
        await expectTaken("email_address") { try await store.createUser(person("user_x1", email: "ada@example.com")) }
        await expectTaken("username") { try await store.createUser(person("user_x2", username: "ADA")) }
        await expectTaken("phone_number") { try await store.createUser(person("user_x3", phone: "+15550001")) }
        #expect(try await store.user(instanceID: "ins_a", id: "user_x1") == nil, "a refused create leaves nothing")
        // Another tenant may have the same identifiers.
        try await store.createUser(person("user_b_ada", instance: "ins_b", email: "ada@example.com", phone: "+15550001", username: "ada"))
        // An update may keep its own identifiers, but not take another user's.
        var ada = try #require(try await store.user(instanceID: "ins_a", id: "user_ada"))
        ada.firstName = "Ada"
        _ = try await store.updateUser(ada, retainUntil: t0 + 1)
        try await store.createUser(person("user_grace", email: "grace@example.com"))
        var grace = try #require(try await store.user(instanceID: "ins_a", id: "user_grace"))
        grace.emailAddresses.append(User.EmailAddress(id: "idn_g2", emailAddress: "ADA@example.com", verified: true))
        await expectTaken("email_address") { _ = try await store.updateUser(grace, retainUntil: t0 + 1) }
        #expect(try await store.user(instanceID: "ins_a", id: "user_grace")?.emailAddresses.count == 1, "a refused update changes nothing")
        // Identifiers freed by a change or a deletion can be taken.
        ada.username = "ada2"
        _ = try await store.updateUser(ada, retainUntil: t0 + 1)
        try await store.createUser(person("user_x4", username: "ada"))
        _ = try await store.deleteUser(instanceID: "ins_a", id: "user_ada", at: t0 + 2, retainUntil: t0 + 3)
        _ = try await store.updateUser(grace, retainUntil: t0 + 4)
        #expect(try await store.user(instanceID: "ins_a", id: "user_grace")?.emailAddresses.count == 2)
        // The same identifier twice on one user is not a conflict with itself.
        try await store.createUser(person("user_twice", email: "twice@example.com", username: "twice@example.com"))
    }

    static let concurrentCreatesWithOneEmailLeaveOneUser: Check = { store in
        try await seed(store, instance: "ins_a")
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<12 {
                group.addTask {
                    let email = index.isMultiple(of: 2) ? "race@example.com" : "RACE@example.com"
                    do {
                        try await store.createUser(person("user_race_\(index)", email: email))
                        return true
                    } catch { return false }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1, "exactly one create wins")
        #expect(try await store.userCount(UserQuery(instanceID: "ins_a", emailAddresses: ["race@EXAMPLE.com"])) == 1)
    }

    static let userQueriesFilterOrderAndCount: Check = { store in
        try await seed(store, instance: "ins_a")  // user_1: no identifiers, created at t0
        try await seed(store, instance: "ins_b", user: "user_b")
        try await store.createUser(person("user_ada", email: "Ada@Lovelace.test", phone: "+441234567", username: "ada", externalID: "ext-a", first: "Ada", last: "Lovelace", at: t0 + 10))
        try await store.createUser(person("user_bob", email: "bob@builder.test", username: "bob", externalID: "ext-b", first: "Bob", last: "Builder", at: t0 + 20))
        try await store.createUser(person("user_cy", phone: "+15551234", first: "Çyrus", last: "Ábel", at: t0 + 30))
        try await store.createUser(person("user_other", instance: "ins_b", email: "ada@lovelace.test", username: "ada", externalID: "ext-a", first: "Ada", at: t0 + 40))
        func ids(_ query: UserQuery) async throws -> [String] { try await store.users(query).items.map(\.id) }
        func query(_ change: (inout UserQuery) -> Void) -> UserQuery {
            var query = UserQuery(instanceID: "ins_a", limit: 500)
            change(&query)
            return query
        }
        #expect(try await ids(query { _ in }) == ["user_cy", "user_bob", "user_ada", "user_1"], "newest first by default")
        #expect(try await ids(query { $0.emailAddresses = ["ADA@lovelace.TEST", "nobody@x.test"] }) == ["user_ada"])
        #expect(try await ids(query { $0.usernames = ["BOB", "ada"] }) == ["user_bob", "user_ada"])
        #expect(try await ids(query { $0.phoneNumbers = ["+15551234"] }) == ["user_cy"])
        #expect(try await ids(query { $0.userIDs = ["user_bob", "user_other"] }) == ["user_bob"], "another tenant's user is not found")
        #expect(try await ids(query { $0.excludedUserIDs = ["user_bob"] }) == ["user_cy", "user_ada", "user_1"])
        #expect(try await ids(query { $0.externalIDs = ["ext-a"] }) == ["user_ada"])
        #expect(try await ids(query { $0.excludedExternalIDs = ["ext-a"] }) == ["user_cy", "user_bob", "user_1"], "users without an external id stay")
        #expect(try await ids(query { $0.emailAddresses = ["ada@lovelace.test"]; $0.usernames = ["bob"] }).isEmpty, "filters combine")
        // `text`: a case-insensitive substring of any identifier, name or id.
        #expect(try await ids(query { $0.text = "LOVE" }) == ["user_ada"])
        #expect(try await ids(query { $0.text = "çyr" }) == ["user_cy"], "Unicode lowercasing")
        #expect(try await ids(query { $0.text = "555" }) == ["user_cy"])
        #expect(try await ids(query { $0.text = "user_b" }) == ["user_bob"])
        #expect(try await ids(query { $0.text = "ext-" }) == ["user_bob", "user_ada"])
        #expect(try await ids(query { $0.text = "%" }).isEmpty, "no pattern syntax")
        #expect(try await ids(query { $0.text = "" }).count == 4, "an empty text matches all")
        #expect(try await ids(query { $0.text = "ada\u{0}" }).isEmpty, "a control character matches nothing")
        #expect(try await ids(query { $0.emailAddresses = ["ada@lovelace.test\u{0}x"] }).isEmpty)
        // Orders: NULL first ascending, then bytes; ties by id in the same direction.
        #expect(try await ids(query { $0.orderBy = .createdAt; $0.descending = false }) == ["user_1", "user_ada", "user_bob", "user_cy"])
        #expect(try await ids(query { $0.orderBy = .firstName; $0.descending = false }) == ["user_1", "user_ada", "user_bob", "user_cy"])
        #expect(try await ids(query { $0.orderBy = .lastName; $0.descending = true }) == ["user_cy", "user_ada", "user_bob", "user_1"])
        #expect(try await ids(query { $0.orderBy = .emailAddress; $0.descending = false }) == ["user_1", "user_cy", "user_ada", "user_bob"])
        #expect(try await ids(query { $0.orderBy = .username; $0.descending = true }) == ["user_bob", "user_ada", "user_cy", "user_1"])
        #expect(try await ids(query { $0.orderBy = .phoneNumber; $0.descending = false }) == ["user_1", "user_bob", "user_cy", "user_ada"])
        // Pages and counts.
        let page = try await store.users(query { $0.limit = 2; $0.offset = 1 })
        #expect(page.items.map(\.id) == ["user_bob", "user_ada"] && page.totalCount == 4)
        #expect(try await store.userCount(query { $0.text = "b" }) == 2)
        #expect(try await store.userCount(UserQuery(instanceID: "ins_b", usernames: ["ADA"])) == 1)
        #expect(try await store.userCount(UserQuery(instanceID: "ins_none")) == 0)
        #expect(try await store.users(instanceID: "ins_a", limit: 10, offset: 0).items.count == 4)
    }

    static let clientsPageNewestFirstPerTenant: Check = { store in
        try await seed(store, instance: "ins_a")  // client_ins_a_user_1 at t0
        try await seed(store, instance: "ins_b", user: "user_b")
        for index in 1...3 {
            try await store.createClient(Client(id: "client_a\(index)", instanceID: "ins_a", createdAt: t0 + Int64(index), updatedAt: t0 + Int64(index)))
        }
        let page = try await store.clients(instanceID: "ins_a", limit: 2, offset: 1)
        #expect(page.items.map(\.id) == ["client_a2", "client_a1"] && page.totalCount == 4)
        #expect(try await store.clients(instanceID: "ins_b", limit: 10, offset: 0).items.map(\.id) == ["client_ins_b_user_b"])
        #expect(try await store.clients(instanceID: "ins_a\u{0}", limit: 10, offset: 0).items.isEmpty)
    }
}
