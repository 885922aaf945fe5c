//! Shared helpers for the sandbox tests: a plain HTTP client that speaks
//! GREEN-API paths to a sandbox started by `support::sandbox`, and the
//! default state's groups. Instance IDs are `support`'s.

use std::time::Duration;

use greenbatch::greenapi::Platform;
use greenbatch::sandbox::{SandboxConfig, SandboxHandle};
use serde_json::Value;

pub const MARKET: &str = "120363043968066561@g.us";
pub const BOOK_CLUB: &str = "120363169960827018@g.us";
pub const OLD_FRIENDS: &str = "79876543210-1587570015@g.us";
pub const CITY: &str = "-10000000000000";
pub const NEIGHBOURS: &str = "-10000000000001";

/// A running sandbox and a client for it.
pub struct Api {
    pub sb: SandboxHandle,
    pub http: reqwest::Client,
}

/// An answer: status, `Retry-After` if any, and body text.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<String>,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }
}

pub fn client(timeout: Duration) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .expect("an HTTP client")
}

impl Api {
    pub async fn start(config: SandboxConfig) -> Api {
        Api {
            sb: crate::support::sandbox(config).await,
            http: client(Duration::from_secs(10)),
        }
    }

    /// The built-in state without rate limits, for answer-by-answer tests.
    pub async fn unlimited() -> Api {
        Api::start(SandboxConfig::default_state().without_rate_limits()).await
    }

    /// The path of `method` for `instance`, with or without `/v3`.
    pub fn path(&self, instance: &str, method: &str, v3: bool) -> String {
        let token = self
            .sb
            .instance(instance)
            .expect("a known instance")
            .token
            .expose();
        let prefix = if v3 { "/v3" } else { "" };
        format!("{prefix}/waInstance{instance}/{method}/{token}")
    }

    /// POSTs `body` to `method` on the instance's documented path variant.
    pub async fn call(&self, instance: &str, method: &str, body: &str) -> Answer {
        let platform = self.sb.instance(instance).unwrap().platform;
        let path = self.path(instance, method, platform == Platform::Max);
        self.send("POST", &path, body).await.expect("an answer")
    }

    /// A participant method with the platform's field names.
    pub async fn act(&self, instance: &str, method: &str, group: &str, who: &str) -> Answer {
        self.try_act(instance, method, group, who)
            .await
            .expect("an answer")
    }

    /// The same, when the answer may not come.
    pub async fn try_act(
        &self,
        instance: &str,
        method: &str,
        group: &str,
        who: &str,
    ) -> Result<Answer, reqwest::Error> {
        let platform = self.sb.instance(instance).unwrap().platform;
        let body = serde_json::json!({
            platform.group_field(): group,
            platform.participant_field(): who,
        });
        let path = self.path(instance, method, platform == Platform::Max);
        self.send("POST", &path, &body.to_string()).await
    }

    /// Any request; `Err` when no answer came (reset, drop, timeout).
    pub async fn send(&self, verb: &str, path: &str, body: &str) -> Result<Answer, reqwest::Error> {
        let url = format!("{}{path}", self.sb.api_url());
        let verb = reqwest::Method::from_bytes(verb.as_bytes()).unwrap();
        let mut request = self.http.request(verb, url);
        if !body.is_empty() {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_owned());
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        let text = response.text().await?;
        Ok(Answer {
            status,
            retry_after,
            text,
        })
    }

    pub async fn admin(&self, verb: &str, endpoint: &str, body: &str) -> Answer {
        self.send(verb, &format!("/__sandbox/{endpoint}"), body)
            .await
            .expect("an admin answer")
    }

    pub fn is_member(&self, group: &str, who: &str) -> bool {
        self.sb
            .state()
            .group(group)
            .expect("a known group")
            .is_member(who)
    }

    pub fn is_admin(&self, group: &str, who: &str) -> bool {
        self.sb
            .state()
            .group(group)
            .expect("a known group")
            .is_admin(who)
    }
}
