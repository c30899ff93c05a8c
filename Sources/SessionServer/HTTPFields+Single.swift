import HTTPTypes

extension HTTPFields {
    /// The field's value, as `self[name]` gives it, without its cost on the hot routes: the
    /// subscript joins every value through a lazy sequence even when there is one. A repeated field
    /// still reads as the subscript's joined value, so that its meaning stays the same everywhere.
    func single(_ name: HTTPField.Name) -> String? {
        var found: String?
        for field in self where field.name == name {
            guard found == nil else { return self[name] }
            found = field.value
        }
        return found
    }
}
