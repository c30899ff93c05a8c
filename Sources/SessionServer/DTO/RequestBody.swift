import Hummingbird
import SessionTokens

/// A request's JSON body, read up to the cap and parsed strictly (duplicate members refused).
struct RequestBody {
    let object: JSONObject

    /// An empty body (Clerk's SDKs send none on `revoke`) reads as `{}`.
    nonisolated(nonsending) static func read(_ request: Request, limit: Int) async throws -> RequestBody {
        let length = request.headers.single(.contentLength).flatMap { Int($0) }
        if let length, length > limit { throw HTTPError(.contentTooLarge) }
        let buffer: ByteBuffer
        do { buffer = try await collect(request, limit: limit, length: length) } catch { throw HTTPError(.contentTooLarge) }
        if buffer.readableBytesView.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return RequestBody(object: [:]) }
        if let type = request.headers.single(.contentType), !Self.isJSON(type) {
            throw ClerkError(.unsupportedMediaType, "unsupported_content_type", "Content-Type is unsupported", "Send application/json")
        }
        // Parsed where the bytes lie, without a copy into an array first.
        let parsed: Result<JSONObject, TokenError> = buffer.withUnsafeReadableBytes { raw in
            do throws(TokenError) { return .success(try JSONParser.parseObject(raw.bindMemory(to: UInt8.self))) } catch { return .failure(error) }
        }
        do { return RequestBody(object: try parsed.get()) } catch { throw ClerkError.invalidBody(error.reason) }
    }

    /// The body's bytes, up to `limit`, read with the stream's own iterator. Hummingbird's
    /// `collectBody(upTo:)` reaches the same iterator through four more `async` functions, and on
    /// NIO's event loops (Decision 0017) each one's entry and each return is a trip through the loop's
    /// queue (Decision 0020). `nonisolated(nonsending)`: run where the handler runs, no trip to enter.
    nonisolated(nonsending) private static func collect(_ request: Request, limit: Int, length: Int?) async throws -> ByteBuffer {
        var chunks = request.body.makeAsyncIterator()
        guard var buffer = try await chunks.next() else { return ByteBuffer() }
        guard buffer.readableBytes <= limit else { throw HTTPError(.contentTooLarge) }
        // The whole body in its first chunk, as its length announced (a small JSON body nearly always):
        // the end of the stream is left to Hummingbird, which reads every part up to the next request
        // after the answer anyway, straight from the channel, in fewer trips than through the body's
        // iterator. A chunked body, or one in several chunks, is read to its end here.
        if let length, buffer.readableBytes == length { return buffer }
        while var chunk = try await chunks.next() {
            // Both sides are at most `limit` and a chunk's size: no overflow.
            guard chunk.readableBytes <= limit - buffer.readableBytes else { throw HTTPError(.contentTooLarge) }
            buffer.writeBuffer(&chunk)
        }
        return buffer
    }

    /// `application/json`, with parameters (`; charset=utf-8`) or none; `application/jsonx` is not JSON.
    static func isJSON(_ contentType: String) -> Bool {
        // Byte by byte rather than through Foundation's trimming and lowercasing, which cost more
        // on Linux than parsing the body: optional spaces, the media type in any casing, then the
        // end or a parameter.
        let expected = Array("application/json".utf8)
        var bytes = contentType.utf8[...]
        while bytes.first == UInt8(ascii: " ") || bytes.first == UInt8(ascii: "\t") { bytes = bytes.dropFirst() }
        guard bytes.count >= expected.count else { return false }
        for (byte, want) in zip(bytes.prefix(expected.count), expected) {
            let lower = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
            guard lower == want else { return false }
        }
        let rest = bytes.dropFirst(expected.count).drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        return rest.isEmpty || rest.first == UInt8(ascii: ";")
    }

    /// Refuses members Clerk's schema does not allow (`additionalProperties: false`), so a typo is
    /// an error rather than silently ignored.
    func allowOnly(_ names: Set<String>) throws -> RequestBody {
        if let unknown = object.keys.first(where: { !names.contains($0) }) {
            throw ClerkError(.unprocessableContent, "form_param_unknown", "is unknown", "\(unknown) is not a valid parameter for this request",
                meta: ["param_name": .string(unknown)])
        }
        return self
    }

    func string(_ name: String, required: Bool = false) throws -> String? {
        switch object[name] {
        case nil, .null?:
            if required { throw ClerkError(.unprocessableContent, "form_param_missing", "is missing", "\(name) is required", meta: ["param_name": .string(name)]) }
            return nil
        case .string(let value)?: return value
        default: throw ClerkError.invalidParameter(name, "\(name) must be a string")
        }
    }

    func integer(_ name: String) throws -> Int64? {
        switch object[name] {
        case nil, .null?: return nil
        case .integer(let value)?: return value
        default: throw ClerkError.invalidParameter(name, "\(name) must be an integer")
        }
    }

    func bool(_ name: String) throws -> Bool? {
        switch object[name] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        default: throw ClerkError.invalidParameter(name, "\(name) must be a boolean")
        }
    }

    func strings(_ name: String) throws -> [String]? {
        switch object[name] {
        case nil, .null?: return nil
        case .array(let items)?:
            var values: [String] = []
            for item in items {
                guard case .string(let value) = item else { throw ClerkError.invalidParameter(name, "\(name) must be an array of strings") }
                values.append(value)
            }
            return values
        default: throw ClerkError.invalidParameter(name, "\(name) must be an array of strings")
        }
    }

    func jsonObject(_ name: String) throws -> JSONObject? {
        switch object[name] {
        case nil, .null?: return nil
        case .object(let value)?: return value
        default: throw ClerkError.invalidParameter(name, "\(name) must be an object")
        }
    }
}
