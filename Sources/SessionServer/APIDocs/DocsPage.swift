import Foundation
import SessionCrypto

/// The interactive page at `/docs` (surfaces.md §6): one self-contained HTML document with its CSS
/// and script inline, so that it works with no internet access and there is no vendored asset or
/// licence to carry (Decision 0015). The script reads `/openapi.json` and builds the page with DOM
/// calls and `textContent` only, never `innerHTML`, so no string of the document can become markup.
///
/// The inline style and script are allowed by their SHA-256 in the Content-Security-Policy, not by
/// `'unsafe-inline'`: an injected script or style would not run.
enum DocsPage {
    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>Tessera API</title>
        <style>\(style)</style>
        </head>
        <body>
        <header>
        <h1 id="title">Tessera API</h1>
        <p id="version"></p>
        <div id="description"></div>
        <p class="documents">The document: <a href="openapi.yaml">openapi.yaml</a> · <a href="openapi.json">openapi.json</a></p>
        <label class="token">Bearer token for “Try it out” (kept in this page's memory only; the <code>__session</code> cookie is sent as well)
        <input id="token" type="password" autocomplete="off" spellcheck="false" placeholder="sk_test_…, op_…, or a session token"></label>
        <nav id="tags" aria-label="Surfaces"></nav>
        </header>
        <main id="operations"><p id="status">Loading the OpenAPI document…</p></main>
        <noscript><p>This page needs JavaScript. The document itself is at <a href="openapi.yaml">openapi.yaml</a>.</p></noscript>
        <script>\(script)</script>
        </body>
        </html>

        """

    /// `default-src 'none'` and then only what the page uses: its own hashed style and script, and
    /// fetches to this origin (the document and "Try it out").
    static let contentSecurityPolicy =
        "default-src 'none'; script-src '\(hash(script))'; style-src '\(hash(style))'; connect-src 'self'; img-src 'self' data:; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// The CSP source expression of an inline element's text.
    static func hash(_ text: String) -> String {
        "sha256-" + Data(SHA256.hash(Array(text.utf8))).base64EncodedString()
    }
}
