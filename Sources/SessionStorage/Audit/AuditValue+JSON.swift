public import SessionTokens

extension AuditValue {
    public var json: JSONValue {
        switch self {
        case .string(let text): .string(text)
        case .integer(let number): .integer(number)
        case .bool(let flag): .bool(flag)
        case .strings(let list): .array(list.map(JSONValue.string))
        }
    }

    /// The value a JSON value spells, when it is one of the shapes events use.
    public init?(json: JSONValue) {
        switch json {
        case .string(let text): self = .string(text)
        case .integer(let number): self = .integer(number)
        case .bool(let flag): self = .bool(flag)
        case .array(let items):
            var list: [String] = []
            for item in items {
                guard let text = item.stringValue else { return nil }
                list.append(text)
            }
            self = .strings(list)
        default: return nil
        }
    }
}

extension AuditChain {
    /// The data a stored canonical text spells (`canonicalData`), else `nil`.
    public static func parseData(_ text: String) -> AuditData? {
        guard let object = try? JSONParser.parse(text).objectValue else { return nil }
        var data: AuditData = [:]
        for member in object.members {
            guard let value = AuditValue(json: member.value) else { return nil }
            data[member.key] = value
        }
        return data
    }

    public static func json(_ data: AuditData) -> JSONValue {
        .object(JSONObject(data.sorted { $0.key < $1.key }.map { JSONObject.Member(key: $0.key, value: $0.value.json) }))
    }
}
