//! The HTTP client: the one place that builds GREEN-API requests.
//!
//! It follows no redirect and sends no Referer (either would carry the token,
//! which sits in the URL path, to another place), refuses plain `http` except
//! to loopback, reads answers with a size cap, and strips the URL and the
//! token from every transport error before anyone can show or log it.
//!
//! Every answer body (and `Retry-After`) is scrubbed of the token here, once,
//! before anything parses, clips or shows it: a gateway that echoes the
//! request line ("Cannot POST /waInstance…/{token}") cannot put the token on
//! the screen, in a live plan or in a results file, and a clip cannot cut a
//! token in half and leave a piece that no later scrub recognises.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};

use super::{Method, Platform};
use crate::secret::Token;

/// Where one instance's requests go.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The instance's name (`wa-main`, `default`), for messages.
    pub name: std::sync::Arc<str>,
    pub platform: Platform,
    /// `https://…` without a trailing slash (or `http://` to loopback).
    pub api_url: String,
    pub id_instance: String,
    pub token: Token,
}

impl Endpoint {
    /// The API's host, with its port when the URL names one
    /// (`7105.api.greenapi.com`, `127.0.0.1:7700`): what a message may say
    /// of where requests go. Never the path, which holds the token.
    pub fn host(&self) -> String {
        match reqwest::Url::parse(&self.api_url) {
            Ok(url) => match (url.host_str(), url.port()) {
                (Some(host), Some(port)) => format!("{host}:{port}"),
                (Some(host), None) => host.to_owned(),
                (None, _) => "the API".to_owned(),
            },
            Err(_) => "the API".to_owned(),
        }
    }
}

/// Timeouts and caps for [`Client`].
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The whole request, from connecting to the last byte of the answer.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Answers longer than this are cut off and treated as unreadable.
    pub max_body: usize,
}

impl Default for ClientConfig {
    fn default() -> Self {
        // addGroupParticipant has been seen to hang for over a minute before
        // answering: the default waits longer than that.
        ClientConfig {
            timeout: crate::defaults::TIMEOUT,
            connect_timeout: Duration::from_secs(10),
            max_body: 64 * 1024,
        }
    }
}

/// An HTTP answer, whatever its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawAnswer {
    pub status: u16,
    pub body: Vec<u8>,
    /// The `Retry-After` header, if the server sent one.
    pub retry_after: Option<String>,
}

/// Why no answer arrived. Messages hold neither the URL nor the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// No connection could be made: the request was certainly not applied.
    #[error("cannot connect: {0}")]
    Connect(String),
    /// The answer did not come in time: the request may have been applied.
    #[error("no answer within the timeout")]
    Timeout,
    /// The connection broke after the request was sent: it may have been applied.
    #[error("connection lost before the answer: {0}")]
    Lost(String),
    /// The answer was longer than the cap.
    #[error("answer longer than {0} bytes")]
    TooLarge(usize),
}

impl TransportError {
    /// Whether the server may have applied the request despite the error.
    pub fn maybe_applied(&self) -> bool {
        !matches!(self, TransportError::Connect(_))
    }
}

/// A refused configuration, found before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("apiUrl `{0}` is not a URL; it looks like `https://api.green-api.com`")]
    Invalid(String),
    #[error(
        "apiUrl `{0}` uses plain http to a host that is not a literal loopback address; the token would cross the network unencrypted: use https (or http to 127.0.0.1 or [::1])"
    )]
    PlainHttp(String),
    #[error("apiUrl `{0}` must use https")]
    Scheme(String),
}

/// Accepts `https://…`, or `http://…` only to a loopback address (the sandbox).
pub fn check_api_url(url: &str) -> Result<(), UrlError> {
    let parsed = reqwest::Url::parse(url).map_err(|_| UrlError::Invalid(url.to_owned()))?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&parsed) => Ok(()),
        "http" => Err(UrlError::PlainHttp(url.to_owned())),
        _ => Err(UrlError::Scheme(url.to_owned())),
    }
}

fn is_loopback(url: &reqwest::Url) -> bool {
    // Literal addresses only: a name, `localhost` included, is resolved by
    // the system and could lead anywhere.
    match url.host_str() {
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

/// A GREEN-API client shared by every task of a run (it pools connections).
/// Its `Debug` shows no URL: the cached ones hold tokens.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    max_body: usize,
    /// Each (instance, method) URL parsed once: parsing (with its IDNA pass
    /// over the host) was 7 % of the client's CPU at full speed. Keys are
    /// the URL text; the few instances and methods of a run bound the map.
    urls: Arc<Mutex<HashMap<String, reqwest::Url>>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cached = self.urls.lock().map_or(0, |u| u.len());
        f.debug_struct("Client")
            .field("max_body", &self.max_body)
            .field("cached_urls", &cached)
            .finish_non_exhaustive()
    }
}

/// More distinct URLs than any run has; past it the cache starts over.
const MAX_CACHED_URLS: usize = 1024;

impl Client {
    pub fn new(config: &ClientConfig) -> Result<Client, String> {
        // reqwest is built without a default crypto provider (ring is lighter
        // to build than aws-lc); a second install attempt is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .no_proxy()
            .user_agent(concat!("greenbatch/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {}", e.without_url()))?;
        Ok(Client {
            http,
            max_body: config.max_body,
            urls: Arc::default(),
        })
    }

    /// Sends `method` for `endpoint` with `body` (ignored for GET methods).
    pub async fn call(
        &self,
        endpoint: &Endpoint,
        method: Method,
        body: &serde_json::Value,
    ) -> Result<RawAnswer, TransportError> {
        let mut url = format!(
            "{}{}",
            endpoint.api_url,
            method.path(
                endpoint.platform,
                &endpoint.id_instance,
                endpoint.token.expose()
            )
        );
        if let Some(query) = method.query() {
            url.push('?');
            url.push_str(query);
        }
        let url = self.parsed(url)?;
        let request = if method.is_get() {
            self.http.get(url)
        } else {
            self.http
                .post(url)
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_string())
        };
        let scrub = |e: reqwest::Error| endpoint.token.scrub(&cause(&e.without_url()));
        let mut response = request.send().await.map_err(|e| {
            if e.is_timeout() {
                TransportError::Timeout
            } else if e.is_connect() {
                TransportError::Connect(scrub(e))
            } else {
                TransportError::Lost(scrub(e))
            }
        })?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(|v| endpoint.token.scrub(v));
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > self.max_body {
                        return Err(TransportError::TooLarge(self.max_body));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) if e.is_timeout() => return Err(TransportError::Timeout),
                Err(e) => return Err(TransportError::Lost(scrub(e))),
            }
        }
        if let std::borrow::Cow::Owned(scrubbed) = endpoint.token.scrub_bytes(&body) {
            body = scrubbed;
        }
        Ok(RawAnswer {
            status,
            body,
            retry_after,
        })
    }
}

impl Client {
    /// `url` parsed, from the cache when it was seen before. A URL that does
    /// not parse fails like a connection that cannot be made (nothing sent),
    /// without the URL in the message, since it holds the token.
    fn parsed(&self, url: String) -> Result<reqwest::Url, TransportError> {
        let mut urls = self.urls.lock().expect("url cache lock");
        if let Some(parsed) = urls.get(&url) {
            return Ok(parsed.clone());
        }
        let parsed = reqwest::Url::parse(&url)
            .map_err(|e| TransportError::Connect(format!("the apiUrl is not a URL: {e}")))?;
        if urls.len() >= MAX_CACHED_URLS {
            urls.clear();
        }
        urls.insert(url, parsed.clone());
        Ok(parsed)
    }
}

/// What went wrong in a person's words: the innermost cause of the
/// chain (reqwest's own message is only "error sending request"; hyper's
/// "client error (Connect)" and "tcp connect error" say nothing more), its
/// `(os error 111)` left out and its first letter small, as in
/// "connection refused".
fn cause(e: &dyn std::error::Error) -> String {
    let mut innermost = e.to_string();
    let mut source = e.source();
    while let Some(next) = source {
        innermost = next.to_string();
        source = next.source();
    }
    let trimmed = match innermost.rfind(" (os error ") {
        Some(at) if innermost.ends_with(')') => &innermost[..at],
        _ => innermost.as_str(),
    };
    let mut chars = trimmed.chars();
    match chars.next() {
        // Only a capital followed by a small letter: "TLS …" stays as it is.
        Some(first)
            if first.is_uppercase() && chars.clone().next().is_some_and(char::is_lowercase) =>
        {
            first.to_lowercase().chain(chars).collect()
        }
        _ => trimmed.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_parsed_once_and_a_bad_one_is_not_echoed() {
        let client = Client::new(&ClientConfig::default()).unwrap();
        let url = "http://127.0.0.1:7700/waInstance1101/removeGroupParticipant/secret-token";
        let first = client.parsed(url.to_owned()).unwrap();
        assert_eq!(first.as_str(), url);
        assert_eq!(client.parsed(url.to_owned()).unwrap(), first);
        assert_eq!(client.urls.lock().unwrap().len(), 1);
        let bad = client
            .parsed("http://[::1/x/secret-token".to_owned())
            .unwrap_err();
        assert!(matches!(bad, TransportError::Connect(_)));
        assert!(!bad.to_string().contains("secret-token"), "{bad}");
        let shown = format!("{client:?} {client:#?}");
        assert!(!shown.contains("secret-token"), "{shown}");
        assert!(shown.contains("cached_urls: 1"), "{shown}");
    }

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(check_api_url("https://api.green-api.com").is_ok());
        assert!(check_api_url("http://127.0.0.1:8080").is_ok());
        assert!(check_api_url("http://127.9.9.9").is_ok());
        assert!(check_api_url("http://[::1]:80").is_ok());
        assert!(matches!(
            check_api_url("http://localhost:1"),
            Err(UrlError::PlainHttp(_))
        ));
        assert!(matches!(
            check_api_url("http://api.green-api.com"),
            Err(UrlError::PlainHttp(_))
        ));
        assert!(matches!(
            check_api_url("http://10.0.0.1"),
            Err(UrlError::PlainHttp(_))
        ));
        assert!(matches!(check_api_url("ftp://x"), Err(UrlError::Scheme(_))));
        assert!(matches!(
            check_api_url("not a url"),
            Err(UrlError::Invalid(_))
        ));
    }
}
