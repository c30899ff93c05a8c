import COpenSSL

/// Reads and clears the calling thread's OpenSSL error queue.
///
/// Called after every failing OpenSSL call so stale errors never leak into a later, unrelated
/// failure (the queue is per thread and would otherwise grow on every rejected signature).
enum OpenSSLErrors {
    static func drain() -> String {
        var messages: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            let text = buffer.withUnsafeBufferPointer { pointer in
                String(decoding: UnsafeRawBufferPointer(pointer).prefix { $0 != 0 }, as: UTF8.self)
            }
            messages.append(text)
        }
        return messages.isEmpty ? "no OpenSSL detail" : messages.joined(separator: "; ")
    }

    static func clear() { ERR_clear_error() }

    static func error(_ code: CryptoError.Code, _ what: String) -> CryptoError {
        CryptoError(code, "\(what) (\(drain()))")
    }
}
