public import SessionTokens

extension JSONObject {
    /// Clerk's metadata merge: a member whose value is an object in both is merged recursively, a
    /// member set to `null` is removed, any other value replaces the stored one. The result is no
    /// deeper than the deeper of the two, so the parser's depth limit bounds it.
    public func mergingMetadata(_ patch: JSONObject) -> JSONObject {
        var result = self
        for member in patch.members {
            switch (result[member.key], member.value) {
            case (_, .null):
                result[member.key] = nil
            case (.object(let stored)?, .object(let nested)):
                result[member.key] = .object(stored.mergingMetadata(nested))
            case (_, .object(let nested)):
                // A new object member is merged into an empty one: its nulls remove nothing and are not stored.
                result[member.key] = .object(JSONObject().mergingMetadata(nested))
            default:
                result[member.key] = member.value
            }
        }
        return result
    }
}
