#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Compact JWS serialisation (RFC 7515 §7.1): `BASE64URL(header) . BASE64URL(payload) . BASE64URL(signature)`.
public enum CompactJWS {
    /// Byte ranges of the three parts inside a token.
    public struct Parts: Sendable, Hashable {
        public var header: Range<Int>
        public var payload: Range<Int>
        public var signature: Range<Int>

        @inlinable
        public init(header: Range<Int>, payload: Range<Int>, signature: Range<Int>) {
            self.header = header
            self.payload = payload
            self.signature = signature
        }

        /// The signing input: header, dot, payload.
        public var signingInput: Range<Int> { header.lowerBound..<payload.upperBound }
    }

    /// Splits a token into exactly three parts; the header and signature must not be empty.
    public static func split(_ token: UnsafeBufferPointer<UInt8>) throws(TokenError) -> Parts {
        guard let base = token.baseAddress, token.count > 0 else { throw TokenError(.malformed, "empty token") }
        // memchr is vectorised; tokens are ~1 KB and this runs on every verification.
        func dot(after start: Int) -> Int? {
            guard start < token.count, let found = memchr(base + start, Int32(UInt8(ascii: ".")), token.count - start) else { return nil }
            return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }
        guard let firstDot = dot(after: 0), let secondDot = dot(after: firstDot + 1) else {
            throw TokenError(.malformed, "a compact JWS has three parts, with a non-empty header and signature")
        }
        if dot(after: secondDot + 1) != nil { throw TokenError(.malformed, "a compact JWS has exactly two dots") }
        guard firstDot > 0, secondDot < token.count - 1 else {
            throw TokenError(.malformed, "a compact JWS has three parts, with a non-empty header and signature")
        }
        return Parts(header: 0..<firstDot, payload: firstDot + 1..<secondDot, signature: secondDot + 1..<token.count)
    }

    /// `BASE64URL(header) . BASE64URL(payload)` as ASCII bytes.
    public static func signingInput(header: [UInt8], payload: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(Base64URL.encodedLength(header.count) + Base64URL.encodedLength(payload.count) + 90)
        Base64URL.encode(header, into: &output)
        output.append(UInt8(ascii: "."))
        Base64URL.encode(payload, into: &output)
        return output
    }

    /// Appends `. BASE64URL(signature)` to a signing input and returns the token.
    public static func assemble(signingInput: [UInt8], signature: [UInt8]) -> String {
        var output = signingInput
        output.append(UInt8(ascii: "."))
        Base64URL.encode(signature, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// The exact length of a token with these decoded part sizes, without building it.
    public static func length(headerBytes: Int, payloadBytes: Int, signatureBytes: Int) -> Int {
        Base64URL.encodedLength(headerBytes) + 1 + Base64URL.encodedLength(payloadBytes) + 1
            + Base64URL.encodedLength(signatureBytes)
    }

    /// Signs a header and payload with `signer` and returns the compact token.
    public static func sign(header: JOSEHeader, payload: [UInt8], signer: some JWSSigner) throws -> String {
        let input = signingInput(header: header.serialized(), payload: payload)
        let signature = try input.withUnsafeBytes { try signer.sign($0) }
        return assemble(signingInput: input, signature: signature)
    }
}
