import COpenSSL

/// SHA-256, for JWS signing inputs and RFC 7638 thumbprints.
public enum SHA256 {
    public static let byteCount = 32

    /// Digest contexts reused across calls: `EVP_Digest` allocates and frees one per call, which is
    /// a measurable share of hashing a 1 KB signing input.
    private static let contexts = ContextPool(make: { EVP_MD_CTX_new() }, release: { EVP_MD_CTX_free($0) })

    /// Hashes `data` into `output`, which must hold 32 bytes.
    @inline(__always)
    static func hash(_ data: UnsafeRawBufferPointer, into output: UnsafeMutablePointer<UInt8>) -> Bool {
        contexts.withContext { context in
            var length: UInt32 = 0
            let ok = EVP_DigestInit_ex2(context, Fetched.sha256, nil) == 1
                && EVP_DigestUpdate(context, data.baseAddress, data.count) == 1
                && EVP_DigestFinal_ex(context, output, &length) == 1
            return (ok, ok)
        } ?? false
    }

    public static func hash(_ data: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: byteCount)
        let ok = data.withUnsafeBytes { input in output.withUnsafeMutableBufferPointer { hash(input, into: $0.baseAddress!) } }
        precondition(ok, "SHA-256 failed: \(OpenSSLErrors.drain())")
        return output
    }
}
