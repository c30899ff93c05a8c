/// Estimates of the heap memory a value keeps alive, for charging cache entries: on a 64-bit
/// platform with glibc's allocator, which adds an 8-byte header to each block, rounds it up to
/// 16 bytes and hands out at least 32. They err high where the layout cannot be seen from outside
/// (a string literal, which needs no heap, counts like any other string of its length).
public enum HeapBytes {
    /// One block of `size` requested bytes, as the allocator takes it.
    @inlinable
    public static func allocation(_ size: Int) -> Int {
        max(32, (size + 8 + 15) & ~15)
    }

    /// A string's storage: none when its UTF-8 fits in the string itself (15 bytes), else one
    /// block of a 32-byte header, the bytes and a terminating NUL. Strings that share storage (a
    /// copy of a key inside its value) should be counted once.
    @inlinable
    public static func string(_ text: String) -> Int {
        let count = text.utf8.count
        return count <= 15 ? 0 : allocation(32 + count + 1)
    }

    @inlinable
    public static func string(_ text: String?) -> Int {
        text.map(string) ?? 0
    }

    /// An array's buffer: a 32-byte header and room for its capacity.
    @inlinable
    public static func array<Element>(_ array: [Element]) -> Int {
        array.capacity == 0 ? 0 : allocation(32 + array.capacity * MemoryLayout<Element>.stride)
    }
}
