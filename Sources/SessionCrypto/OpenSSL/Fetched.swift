import COpenSSL

/// Algorithms fetched once per process.
///
/// `nonisolated(unsafe)`: each is written once at first use and then only read; OpenSSL
/// documents fetched `EVP_MD`/`EVP_MAC` objects as safe to share between threads.
enum Fetched {
    nonisolated(unsafe) static let sha256: OpaquePointer = {
        guard let md = EVP_MD_fetch(nil, "SHA256", nil) else { fatalError("OpenSSL has no SHA256: \(OpenSSLErrors.drain())") }
        return md
    }()

    nonisolated(unsafe) static let hmac: OpaquePointer = {
        guard let mac = EVP_MAC_fetch(nil, "HMAC", nil) else { fatalError("OpenSSL has no HMAC: \(OpenSSLErrors.drain())") }
        return mac
    }()
}
