/// A C string with static storage, for OpenSSL calls that keep the pointer beyond the call
/// (`OSSL_PARAM` keys and values live until the parameters are built or used).
@inline(__always)
func staticCString(_ text: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)
}
