extension DocsPage {
    /// The page's stylesheet, inline and allowed by its hash; system fonts only, so nothing is fetched.
    static let style = #"""
        :root { color-scheme: light dark; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg2: #f6f8fa; --accent: #0969da; }
        @media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --bg2: #151b23; --accent: #4493f8; } }
        body { font: 15px/1.5 system-ui, sans-serif; color: var(--fg); max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 4rem; }
        code, pre, .path, textarea, input { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
        header { border-bottom: 1px solid var(--line); padding-bottom: 1rem; }
        h1 { margin: 0.2rem 0; } #version, .documents, .muted { color: var(--muted); }
        label.token { display: block; margin: 0.8rem 0; } label.token input { display: block; width: 100%; max-width: 40rem; margin-top: 0.3rem; }
        nav a { display: inline-block; margin: 0 0.8rem 0.3rem 0; color: var(--accent); }
        details.tag { border-bottom: 1px solid var(--line); padding: 0.4rem 0; }
        details.tag > summary { cursor: pointer; list-style-position: outside; }
        details.tag > summary h2 { display: inline; font-size: 1.3rem; margin: 0 0.6rem 0 0; }
        details.tag > summary p { display: inline; color: var(--muted); margin: 0; }
        details.op { border: 1px solid var(--line); border-radius: 6px; margin: 0.5rem 0; }
        details.op > summary { cursor: pointer; padding: 0.4rem 0.6rem; background: var(--bg2); border-radius: 6px; }
        details.op .body { padding: 0.4rem 0.9rem 0.8rem; }
        .method { display: inline-block; min-width: 4.2rem; text-align: center; font-weight: 700; border-radius: 4px; color: #fff; padding: 0 0.3rem; margin-right: 0.5rem; }
        .get { background: #1f6feb; } .post { background: #1a7f37; } .patch { background: #9a6700; } .put { background: #8250df; } .delete { background: #cf222e; }
        .deprecated .path { text-decoration: line-through; }
        .summary { color: var(--muted); margin-left: 0.6rem; }
        h4 { margin: 0.8rem 0 0.3rem; }
        table { border-collapse: collapse; } td, th { border: 1px solid var(--line); padding: 0.2rem 0.5rem; text-align: left; vertical-align: top; }
        pre { background: var(--bg2); border: 1px solid var(--line); border-radius: 4px; padding: 0.5rem; overflow-x: auto; white-space: pre-wrap; margin: 0.3rem 0; }
        form.try label { display: block; margin: 0.3rem 0; } form.try input { width: 24rem; max-width: 100%; }
        form.try textarea { display: block; width: 100%; min-height: 6rem; }
        form.try button { margin-top: 0.4rem; }
        .result-status { font-weight: 700; }
        """#
}
