//! The sandbox's HTTP answers: a status and a text or JSON body, or no answer
//! at all (the connection is reset, dropped, or left hanging).

use axum::body::Body;
use hyper::Response;
use hyper::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use serde_json::Value;

/// An answer to send.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: String,
    pub json: bool,
    pub retry_after: Option<u64>,
}

impl Reply {
    pub(super) fn text(status: u16, body: impl Into<String>) -> Reply {
        Reply {
            status,
            body: body.into(),
            json: false,
            retry_after: None,
        }
    }

    pub(super) fn json(status: u16, body: &Value) -> Reply {
        Reply {
            status,
            body: body.to_string(),
            json: true,
            retry_after: None,
        }
    }

    pub(super) fn into_response(self) -> Response<Body> {
        let mut response = Response::new(Body::from(self.body));
        *response.status_mut() =
            hyper::StatusCode::from_u16(self.status).unwrap_or(hyper::StatusCode::OK);
        let content_type = if self.json {
            "application/json"
        } else {
            "text/plain; charset=utf-8"
        };
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        if let Some(secs) = self.retry_after {
            headers.insert(RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// How a connection ends without an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kill {
    /// RST: SO_LINGER 0, then close.
    Reset,
    /// An orderly close (FIN) with the request unanswered.
    Drop,
}

/// What the API handler decided for one request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Decision {
    Answer(Reply),
    Kill(Kill),
    /// No answer until the sandbox shuts down.
    Hang,
}
