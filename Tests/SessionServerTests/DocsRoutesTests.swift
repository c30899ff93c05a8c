import Foundation
import HTTPTypes
import Hummingbird
import SessionCrypto
import SessionServer
import Testing

/// `/docs` in process: a self-contained page (nothing from another origin), locked down by its
/// Content-Security-Policy to its own hashed script and style, cacheable, with `/docs/` sent to
/// `/docs`. Tests/EndToEnd/docs_browser.py renders it in a real browser.
@Suite struct DocsRoutesTests {
    /// The text between `<tag>` and `</tag>`.
    static func inline(_ tag: String, in html: String) throws -> String {
        let start = try #require(html.range(of: "<\(tag)>"))
        let end = try #require(html.range(of: "</\(tag)>", range: start.upperBound..<html.endIndex))
        return String(html[start.upperBound..<end.lowerBound])
    }

    static func cspHash(_ text: String) -> String {
        "'sha256-" + Data(SHA256.hash(Array(text.utf8))).base64EncodedString() + "'"
    }

    @Test func thePageIsSelfContainedAndLockedDown() async throws {
        let setup = try await SessionServerTests.setup()
        try await setup.app.test(.router) { client in
            let page = try await client.execute(uri: "/docs", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let html = String(buffer: page.body)
            // Nothing is loaded from anywhere: no external script, stylesheet, font or image.
            for reference in ["http://", "https://", "//cdn", "src=", "<link", "@import", "url("] {
                #expect(!html.contains(reference), "the page references \(reference)")
            }
            // Text from the document is inserted as text, never parsed as markup.
            #expect(!html.contains("innerHTML") && !html.contains("outerHTML") && !html.contains("insertAdjacentHTML"))
            #expect(!html.contains("localStorage") && !html.contains("sessionStorage"), "the token stays in memory")
            #expect(html.contains("fetch('openapi.json'"))
            let policy = try #require(page.headers[.contentSecurityPolicy])
            #expect(policy.hasPrefix("default-src 'none';"))
            #expect(policy.contains("connect-src 'self'") && policy.contains("img-src 'self' data:") && policy.contains("frame-ancestors 'none'"))
            #expect(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"))
            // The policy admits exactly the page's own inline script and style, by hash.
            #expect(policy.contains("script-src \(Self.cspHash(try Self.inline("script", in: html)));"))
            #expect(policy.contains("style-src \(Self.cspHash(try Self.inline("style", in: html)));"))
            #expect(page.headers[.cacheControl] == "public, max-age=300")
            #expect(page.headers[.xContentTypeOptions] == "nosniff")
            let eTag = try #require(page.headers[.eTag])
            try await client.execute(uri: "/docs", method: .get, headers: [.ifNoneMatch: eTag]) { response in
                #expect(response.status == .notModified && response.body.readableBytes == 0)
            }
            try await client.execute(uri: "/docs", method: .get, headers: [.ifNoneMatch: "\"other\""]) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/docs/", method: .get) { response in
                #expect(response.status == .permanentRedirect && response.headers[.location] == "/docs")
            }
            // The page and the document need no credential, and the document answers whatever the working directory.
            for uri in ["/openapi.json", "/openapi.yaml"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .ok && response.headers[.eTag] != nil && response.headers[.cacheControl] == "public, max-age=300")
                }
            }
        }
    }
}
