import SessionCaching
public import SessionStorage

extension Session {
    /// The bytes the strings a session owns take on the heap (`HeapBytes`): what a byte-bounded
    /// cache holding sessions counts for each (Decision 0011).
    public var heapBytes: Int {
        var bytes = HeapBytes.string(id) + HeapBytes.string(instanceID) + HeapBytes.string(userID) + HeapBytes.string(clientID)
            + HeapBytes.string(actor) + HeapBytes.string(lastActiveOrganizationID) + HeapBytes.string(authMethod)
        if let activity {
            for text in [activity.userAgent, activity.ipAddress, activity.deviceType, activity.browserName, activity.browserVersion,
                activity.city, activity.country] { bytes += HeapBytes.string(text) }
        }
        return bytes
    }
}
