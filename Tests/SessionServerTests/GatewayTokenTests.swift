@testable import SessionServer
import Testing

/// The gateway's `Authorization` parsing, read over bytes for speed, means exactly what it meant as
/// `split(separator: " ", maxSplits: 1)` with a lowercased scheme: checked against that reference.
@Suite struct GatewayTokenTests {
    static func reference(_ header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1])
    }

    @Test func bytesAndTheSplitAgree() {
        let headers = [
            "Bearer abc", "bearer abc", "BEARER abc", "bEaReR a.b.c", "Bearer  abc", "  Bearer abc", "Bearer abc def", "Bearer ",
            "Bearer", "Bearerabc", "Bearer\tabc", "Basic abc", "", " ", "   ", "Bearer    ", "Bearer a ", "Bea rer abc", "Bearer\u{0}abc",
            "Bearer \u{0}", "Bearer é", "Béarer abc", "\u{212A}earer abc", "Bearer\u{00A0}abc", "bearer  ", "x Bearer abc",
            "Bearer\r\nabc", "BEARER", "bearer x", "Bearer " + String(repeating: "a", count: 2000),
        ]
        for header in headers {
            #expect(GatewayRoutes.bearerToken(in: header) == Self.reference(header), "\(header.debugDescription)")
        }
        // Every byte in each position of a short header.
        for position in 0..<8 {
            for byte in UInt8(0)...UInt8(127) {
                var bytes = Array("Bearer x".utf8)
                bytes[position] = byte
                let header = String(decoding: bytes, as: UTF8.self)
                #expect(GatewayRoutes.bearerToken(in: header) == Self.reference(header), "\(header.debugDescription)")
            }
        }
    }
}
