//! The documentation endpoints: the application's AsyncAPI document as JSON and YAML, and
//! an interactive HTML page that renders it with the AsyncAPI React standalone component.
//! Everything is built once, when the server starts, not per request.

use std::io;
use std::path::PathBuf;

use bytes::Bytes;
use serde_json::Value;

use crate::groups::Groups;
use crate::http::HttpResponse;

/// The version of `@asyncapi/react-component` the page loads, pinned with Subresource
/// Integrity hashes of its two files.
pub const COMPONENT_VERSION: &str = "3.2.1";
const CDN: &str = "https://unpkg.com/@asyncapi/react-component@3.2.1";
const SCRIPT_INTEGRITY: &str = "sha384-wy5bSOazlkSKMGH7XMW6+pK8ho8+rCPr7mTqKdAb/dvfwXAPWCFivgr3C7wJMFAh";
const STYLE_INTEGRITY: &str = "sha384-oo9RoQcacP++XdMX6CjTucTvASEORHX3chFik0/V2kHcsHiVboGyWZztGeq/0bum";

/// Where the docs page loads the AsyncAPI React component from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Assets {
    /// unpkg.com, at the pinned [`COMPONENT_VERSION`], each file checked by its SRI hash.
    Cdn,
    /// The files of an installed `@asyncapi/react-component` package (the directory holding
    /// `browser/standalone/index.js` and `styles/default.min.css`), read at start-up and
    /// served by the server itself under the page's path: for machines without the internet.
    Local(PathBuf),
}

/// Which documentation endpoints a server answers, and where. `None` switches one off.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DocsConfig {
    /// The document as JSON (default `/asyncapi.json`).
    pub json: Option<String>,
    /// The document as YAML (default `/asyncapi.yaml`).
    pub yaml: Option<String>,
    /// The interactive page (default `/asyncapi`).
    pub html: Option<String>,
    /// Where the page's component comes from (default [`Assets::Cdn`]).
    pub assets: Assets,
    /// The state of the server's group layer as JSON, 200 when connected and 503 when not
    /// (default `/healthz`).
    pub health: Option<String>,
    /// Whether the page has a "try it" panel per channel, which opens the channel's
    /// WebSocket on this server and sends the examples of its messages (default off: it
    /// lets whoever reads the page send frames).
    pub try_it: bool,
}

impl Default for DocsConfig {
    fn default() -> Self {
        Self {
            json: Some("/asyncapi.json".into()),
            yaml: Some("/asyncapi.yaml".into()),
            html: Some("/asyncapi".into()),
            assets: Assets::Cdn,
            health: Some("/healthz".into()),
            try_it: false,
        }
    }
}

impl DocsConfig {
    /// No endpoint at all.
    pub fn off() -> Self {
        Self { json: None, yaml: None, html: None, assets: Assets::Cdn, health: None, try_it: false }
    }

    /// Serves the page's component from an installed package instead of the CDN.
    #[must_use]
    pub fn local_assets(mut self, package_dir: impl Into<PathBuf>) -> Self {
        self.assets = Assets::Local(package_dir.into());
        self
    }

    /// Moves or switches off the JSON endpoint.
    #[must_use]
    pub fn json(mut self, path: Option<&str>) -> Self {
        self.json = path.map(str::to_owned);
        self
    }

    /// Moves or switches off the YAML endpoint.
    #[must_use]
    pub fn yaml(mut self, path: Option<&str>) -> Self {
        self.yaml = path.map(str::to_owned);
        self
    }

    /// Moves or switches off the HTML page.
    #[must_use]
    pub fn html(mut self, path: Option<&str>) -> Self {
        self.html = path.map(str::to_owned);
        self
    }

    /// Adds a "try it" panel per channel to the page: the reader fills in the address
    /// parameters and a query API key, connects, edits and sends any example of the
    /// messages the server receives there, and sees each frame that comes back, error
    /// frames marked. Everything shown is written as text, never as markup. Off by default:
    /// anyone who can read the page can then send frames with it.
    #[must_use]
    pub fn try_it(mut self, on: bool) -> Self {
        self.try_it = on;
        self
    }

    /// Moves or switches off the health endpoint.
    #[must_use]
    pub fn health(mut self, path: Option<&str>) -> Self {
        self.health = path.map(str::to_owned);
        self
    }
}

const JSON: &str = "application/json";
const YAML: &str = "application/yaml";
const HTML: &str = "text/html; charset=utf-8";
const SCRIPT: &str = "text/javascript";
const STYLE: &str = "text/css";

/// The endpoints, their bodies built once.
#[derive(Debug)]
pub(crate) struct Docs {
    config: DocsConfig,
    json: Bytes,
    yaml: Bytes,
    html: Bytes,
    /// Locally served component files: path, content type, bytes.
    assets: Vec<(String, &'static str, Bytes)>,
    groups: Groups,
}

impl Docs {
    /// Renders `document` for every endpoint of `config`; reads the component's files when
    /// they are served locally.
    pub(crate) fn new(config: DocsConfig, document: &Value, groups: Groups) -> io::Result<Self> {
        let json = Bytes::from(tidings_asyncapi::emit::to_json(document));
        let yaml = Bytes::from(tidings_asyncapi::emit::to_yaml(document));
        let page = config.html.clone().unwrap_or_else(|| "/asyncapi".into());
        let base = page.trim_end_matches('/');
        let (assets, script, style) = match &config.assets {
            Assets::Cdn => (
                Vec::new(),
                format!(
                    r#"<script src="{CDN}/browser/standalone/index.js" integrity="{SCRIPT_INTEGRITY}" crossorigin="anonymous"></script>"#
                ),
                format!(
                    r#"<link rel="stylesheet" href="{CDN}/styles/default.min.css" integrity="{STYLE_INTEGRITY}" crossorigin="anonymous">"#
                ),
            ),
            Assets::Local(dir) => {
                let read = |relative: &str| {
                    std::fs::read(dir.join(relative)).map(Bytes::from).map_err(|e| {
                        io::Error::new(
                            e.kind(),
                            format!(
                                "the docs page's component file {} cannot be read: {e}",
                                dir.join(relative).display()
                            ),
                        )
                    })
                };
                let script_path = format!("{base}/assets/index.js");
                let style_path = format!("{base}/assets/default.min.css");
                let assets = vec![
                    (script_path.clone(), SCRIPT, read("browser/standalone/index.js")?),
                    (style_path.clone(), STYLE, read("styles/default.min.css")?),
                ];
                (
                    assets,
                    format!(r#"<script src="{script_path}"></script>"#),
                    format!(r#"<link rel="stylesheet" href="{style_path}">"#),
                )
            }
        };
        let title = document.pointer("/info/title").and_then(Value::as_str).unwrap_or("AsyncAPI");
        let try_it = if config.try_it { [TRY_IT_SECTION, TRY_IT_SCRIPT] } else { [""; 2] };
        let html = Bytes::from(page_html(&escape_html(title), &script, &style, &embed_json(document), try_it));
        Ok(Self { config, json, yaml, html, assets, groups })
    }

    /// The response to `GET path?query`, when the path is one of the endpoints.
    pub(crate) fn respond(&self, path: &str, query: Option<&str>) -> Option<HttpResponse> {
        let is = |endpoint: &Option<String>| endpoint.as_deref() == Some(path);
        let format = query.and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("format=")));
        let any_docs = is(&self.config.json) || is(&self.config.yaml) || is(&self.config.html);
        if any_docs {
            return Some(match format {
                Some("yaml") => HttpResponse::ok(YAML, &self.yaml),
                Some("json") => HttpResponse::ok(JSON, &self.json),
                _ if is(&self.config.json) => HttpResponse::ok(JSON, &self.json),
                _ if is(&self.config.yaml) => HttpResponse::ok(YAML, &self.yaml),
                _ => HttpResponse::ok(HTML, &self.html),
            });
        }
        if is(&self.config.health) {
            let health = self.groups.layer().health();
            let body = serde_json::to_vec(&health).unwrap_or_default();
            let status = if health.connected { 200 } else { 503 };
            return Some(HttpResponse { status, content_type: JSON, body: Bytes::from(body) });
        }
        self.assets
            .iter()
            .find(|(p, _, _)| p == path)
            .map(|(_, content_type, body)| HttpResponse::ok(content_type, body))
    }

    /// Every path answered, for routers that register routes one by one.
    #[cfg_attr(not(feature = "axum"), allow(dead_code, reason = "the axum router uses it"))]
    pub(crate) fn paths(&self) -> Vec<String> {
        let endpoints = [&self.config.json, &self.config.yaml, &self.config.html, &self.config.health];
        endpoints.into_iter().flatten().cloned().chain(self.assets.iter().map(|(p, _, _)| p.clone())).collect()
    }
}

/// Serves only the documentation endpoints of `document` (a contract file's, say) on
/// `listener`, until the future is dropped: what `tidings docs` runs.
pub async fn serve(listener: tokio::net::TcpListener, document: &Value, config: DocsConfig) -> io::Result<()> {
    let docs = std::sync::Arc::new(Docs::new(config, document, Groups::default())?);
    loop {
        let (mut stream, _) = listener.accept().await?;
        let docs = std::sync::Arc::clone(&docs);
        tokio::spawn(async move {
            let Some(target) = crate::http::request_target(&stream).await else { return };
            let (path, query) = target.split_once('?').map_or((target.as_str(), None), |(p, q)| (p, Some(q)));
            let response = docs.respond(path, query).unwrap_or_else(|| HttpResponse {
                status: 404,
                content_type: "text/plain; charset=utf-8",
                body: Bytes::from_static(b"not found: the document is at the docs paths\n"),
            });
            let _ = crate::http::answer(&mut stream, &response).await;
        });
    }
}

/// The "try it" panels' place, above the rendered document.
const TRY_IT_SECTION: &str = r#"<section id="try-it"></section>
"#;

/// The script that fills the "try it" section from the embedded document, and its style.
const TRY_IT_SCRIPT: &str = concat!(
    r#"<style>
#try-it { font-family: sans-serif; max-width: 60rem; margin: 1rem auto; padding: 0 1rem; }
.try-it-channel { border: 1px solid #ccc; border-radius: 4px; margin: .5rem 0; padding: .5rem; }
.try-it-field { display: block; margin: .25rem 0; }
.try-it-field > span { display: inline-block; min-width: 12rem; }
.try-it-hint { color: #555; font-size: .85em; margin: 0 0 .25rem 12rem; }
.try-it-log { font-family: monospace; white-space: pre-wrap; }
.try-it-error\ frame, .try-it-failed { color: #b00020; }
</style>
<section id="try-it"></section>
<script>"#,
    include_str!("docs_page/try-it.js"),
    "</script>\n"
);

fn page_html(title: &str, script: &str, style: &str, spec: &str, [try_it_section, try_it_script]: [&str; 2]) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
{style}
</head>
<body>
{try_it_section}<div id="asyncapi"></div>
<script type="application/json" id="asyncapi-document">{spec}</script>
{script}
<script>
  const schema = JSON.parse(document.getElementById("asyncapi-document").textContent);
  AsyncApiStandalone.render({{ schema, config: {{ show: {{ sidebar: true }} }} }}, document.getElementById("asyncapi"));
</script>
{try_it_script}</body>
</html>
"#
    )
}

/// The document as JSON that is safe inside a `<script>` element: no `<`, `>` or `&` can
/// end the element or start a comment, whatever the descriptions say.
fn embed_json(document: &Value) -> String {
    let text = serde_json::to_string(document).unwrap_or_else(|_| "{}".into());
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_description_cannot_end_the_script_element() {
        let document = serde_json::json!({"info": {"title": "<b>T</b>", "description": "</script><script>alert(1)</script> & <!--"}});
        let docs = Docs::new(DocsConfig::default(), &document, Groups::default()).expect("no files to read");
        let html = String::from_utf8(docs.html.to_vec()).expect("utf-8");
        assert_eq!(html.matches("</script>").count(), 3, "only the page's own script elements end");
        assert!(!html.contains("<!--"));
        assert!(html.contains("<title>&lt;b&gt;T&lt;/b&gt;</title>"));
        let embedded = html.split(r#"id="asyncapi-document">"#).nth(1).and_then(|s| s.split("</script>").next());
        let read: Value = serde_json::from_str(embedded.expect("embedded")).expect("JSON");
        assert_eq!(read, document, "the page reads back exactly the document");
    }

    #[test]
    fn endpoints_answer_their_paths_and_formats() {
        let document = serde_json::json!({"asyncapi": "3.0.0", "info": {"title": "T", "version": "1"}});
        let docs = Docs::new(DocsConfig::default().yaml(None), &document, Groups::default()).expect("docs");
        let json = docs.respond("/asyncapi.json", None).expect("json");
        assert_eq!((json.status, json.content_type), (200, JSON));
        assert_eq!(serde_json::from_slice::<Value>(&json.body).expect("JSON"), document);
        assert_eq!(docs.respond("/asyncapi.json", Some("format=yaml")).expect("yaml").content_type, YAML);
        assert_eq!(docs.respond("/asyncapi", None).expect("page").content_type, HTML);
        assert!(docs.respond("/asyncapi.yaml", None).is_none(), "switched off");
        let health = docs.respond("/healthz", None).expect("health");
        assert_eq!(health.status, 200);
        assert!(docs.respond("/elsewhere", None).is_none());
    }
}
