extension Substring {
    /// Without leading and trailing spaces and tabs: the optional whitespace around HTTP values and list entries.
    var trimmingSpaces: Substring {
        var start = startIndex
        var end = endIndex
        while start < end, self[start] == " " || self[start] == "\t" { start = index(after: start) }
        while end > start, self[index(before: end)] == " " || self[index(before: end)] == "\t" { end = index(before: end) }
        return self[start..<end]
    }
}
