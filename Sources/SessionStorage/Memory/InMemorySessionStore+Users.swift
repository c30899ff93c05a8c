/// The in-memory twin's user queries, identifier uniqueness and client list: the same results as
/// SQLite's (`SQLiteSessionStore+UserQuery`), checked by the conformance suite.
extension InMemorySessionStore {
    /// Under the actor's isolation, so two creates with the same email cannot both pass.
    func checkIdentifiers(_ user: User) throws(StorageError) {
        let others = users.values.filter { $0.instanceID == user.instanceID && $0.id != user.id }
        for identifier in user.identifiers where others.contains(where: { $0.identifiers.contains(identifier) }) {
            throw StorageError.identifierTaken(identifier.kind)
        }
    }

    public func users(_ query: UserQuery) -> Page<User> {
        let matching = matchingUsers(query).sorted { Self.precedes($0, $1, query) }
        return Page(items: Array(matching.dropFirst(query.offset).prefix(query.limit)), totalCount: matching.count)
    }

    public func userCount(_ query: UserQuery) -> Int {
        matchingUsers(query).count
    }

    public func clients(instanceID: String, limit: Int, offset: Int) -> Page<Client> {
        let all = clients.values.filter { $0.instanceID == instanceID }.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
        return Page(items: Array(all.dropFirst(offset).prefix(limit)), totalCount: all.count)
    }

    private func matchingUsers(_ query: UserQuery) -> [User] {
        guard query.isClean else { return [] }
        let emails = Set(query.emailAddresses.map(User.identifierKey))
        let usernames = Set(query.usernames.map(User.identifierKey))
        let phones = Set(query.phoneNumbers)
        let text = query.text.map { Array(User.identifierKey($0).utf8) }
        return users.values.filter { user in
            guard user.instanceID == query.instanceID else { return false }
            if !emails.isEmpty, !user.emailAddresses.contains(where: { emails.contains(User.identifierKey($0.emailAddress)) }) { return false }
            if !usernames.isEmpty, !(user.username.map { usernames.contains(User.identifierKey($0)) } ?? false) { return false }
            if !phones.isEmpty, !user.phoneNumbers.contains(where: { phones.contains($0.phoneNumber) }) { return false }
            if !query.userIDs.isEmpty, !query.userIDs.contains(user.id) { return false }
            if query.excludedUserIDs.contains(user.id) { return false }
            if !query.externalIDs.isEmpty, !(user.externalID.map(query.externalIDs.contains) ?? false) { return false }
            if let externalID = user.externalID, query.excludedExternalIDs.contains(externalID) { return false }
            if let text, !text.isEmpty {
                let fields = [user.id, user.externalID, user.username, user.firstName, user.lastName].compactMap { $0 }
                    + user.emailAddresses.map(\.emailAddress) + user.phoneNumbers.map(\.phoneNumber)
                guard fields.contains(where: { Self.contains(Array(User.identifierKey($0).utf8), text) }) else { return false }
            }
            return true
        }
    }

    /// Byte-wise substring search, as SQLite's `instr` does on UTF-8 text.
    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        return (0...(haystack.count - needle.count)).contains { start in haystack[start..<(start + needle.count)].elementsEqual(needle) }
    }

    /// SQLite's order: the key (NULL first when ascending, text by UTF-8 bytes), then the id, both
    /// in the query's direction.
    private static func precedes(_ a: User, _ b: User, _ query: UserQuery) -> Bool {
        let keyA = sortKey(a, query.orderBy), keyB = sortKey(b, query.orderBy)
        if keyA.lessThan(keyB) || keyB.lessThan(keyA) { return query.descending ? keyB.lessThan(keyA) : keyA.lessThan(keyB) }
        return query.descending ? a.id > b.id : a.id < b.id
    }

    private static func sortKey(_ user: User, _ field: UserQuery.Field) -> SortKey {
        switch field {
        case .createdAt: return .number(user.createdAt)
        case .updatedAt: return .number(user.updatedAt)
        case .emailAddress: return .text(user.emailAddresses.first { $0.id == user.primaryEmailAddressID }?.emailAddress)
        case .phoneNumber: return .text(user.phoneNumbers.first { $0.id == user.primaryPhoneNumberID }?.phoneNumber)
        case .username: return .text(user.username)
        case .firstName: return .text(user.firstName)
        case .lastName: return .text(user.lastName)
        }
    }

    /// Compared by bytes, never by Swift's canonical equivalence (SQLite's BINARY collation).
    private enum SortKey {
        case number(Int64)
        case text(String?)

        func lessThan(_ other: SortKey) -> Bool {
            switch (self, other) {
            case (.number(let a), .number(let b)): return a < b
            case (.text(nil), .text(let b)): return b != nil
            case (.text(.some), .text(nil)): return false
            case (.text(let a?), .text(let b?)): return Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8))
            default: return false
            }
        }
    }
}
