import COpenSSL

/// SHA-256, for JWS signing inputs and RFC 7638 thumbprints.
public enum SHA256 {
    public static let byteCount = 32

    /// Hashes `data` into `output`, which must hold 32 bytes.
    @inline(__always)
    static func hash(_ data: UnsafeRawBufferPointer, into output: UnsafeMutablePointer<UInt8>) -> Bool {
        var length: UInt32 = 0
        return EVP_Digest(data.baseAddress, data.count, output, &length, Fetched.sha256, nil) == 1
    }

    public static func hash(_ data: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: byteCount)
        let ok = data.withUnsafeBytes { input in output.withUnsafeMutableBufferPointer { hash(input, into: $0.baseAddress!) } }
        precondition(ok, "SHA-256 failed: \(OpenSSLErrors.drain())")
        return output
    }
}
