//! Reading an answer: the one pure function that turns whatever came back
//! (an HTTP answer or a transport error) into what the runner does next,
//! following `GREEN-API.md` sections 2 and 3.
//!
//! A 200 is not success: the body decides. Any non-empty `error` text is a
//! refusal, whatever the flag says. `{"code":401}` inside a 200 is a 401.

use crate::greenapi::Action;
use crate::greenapi::client::{RawAnswer, TransportError};
use crate::greenapi::response::{ActionAnswer, parse_action_answer};

/// What an answer means for its operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The flag was true and no error came with it.
    Done,
    /// A definite refusal; retrying cannot help. `error` is the API's text.
    Rejected { error: String },
    /// Worth retrying: throttled, the server or the network failed.
    Transient {
        reason: String,
        /// The server asked for this much patience.
        retry_after: Option<String>,
        /// HTTP 429: the pace itself must slow down.
        throttled: bool,
        /// The request may have been applied although no answer says so.
        maybe_applied: bool,
    },
    /// The instance cannot work (token, id, quota, authorization): none of its
    /// remaining operations should be sent.
    Fatal { reason: String },
}

/// The most of an answer's text that is kept for messages and results.
const MAX_TEXT: usize = 300;

/// Classifies the answer to one attempt of `action`.
pub(crate) fn classify(action: Action, answer: &Result<RawAnswer, TransportError>) -> Verdict {
    match answer {
        Err(e) => Verdict::Transient {
            reason: e.to_string(),
            retry_after: None,
            throttled: false,
            maybe_applied: e.maybe_applied(),
        },
        Ok(a) if a.status == 200 => match parse_action_answer(action, &a.body) {
            ActionAnswer::Flag {
                flag: true,
                error: None,
            } => Verdict::Done,
            ActionAnswer::Flag {
                flag,
                error: Some(error),
            } => Verdict::Rejected {
                error: format!(
                    "{} {flag}: {}",
                    action.answer_flag(),
                    excerpt(error.as_bytes())
                ),
            },
            ActionAnswer::Flag {
                flag: false,
                error: None,
            } => Verdict::Rejected {
                error: format!("{} false", action.answer_flag()),
            },
            ActionAnswer::EmbeddedError { code, description } if code != 200 => {
                by_status(code, description.as_bytes(), None)
            }
            ActionAnswer::EmbeddedError { .. } | ActionAnswer::Unrecognised => Verdict::Transient {
                reason: format!("unreadable answer: {}", excerpt(&a.body)),
                retry_after: None,
                throttled: false,
                maybe_applied: true,
            },
        },
        Ok(a) => by_status(a.status, &a.body, a.retry_after.clone()),
    }
}

/// Classifies a non-200 answer of any method by its status and body (the
/// errors common to every method).
pub(crate) fn classify_status(status: u16, body: &[u8], retry_after: Option<String>) -> Verdict {
    by_status(status, body, retry_after)
}

/// The common errors of every method, by status and body.
fn by_status(status: u16, body: &[u8], retry_after: Option<String>) -> Verdict {
    let text = excerpt(body);
    let lower = text.to_ascii_lowercase();
    let transient = |reason: String, maybe_applied: bool| Verdict::Transient {
        reason,
        retry_after: retry_after.clone(),
        throttled: status == 429,
        maybe_applied,
    };
    let fatal = |hint: &str| Verdict::Fatal {
        reason: join(status, &text, hint),
    };
    match status {
        300..=399 => {
            fatal("a redirect is never followed, since the token is in the URL: check the apiUrl")
        }
        400 if lower.contains("starting process") => transient(join(status, &text, ""), false),
        400 if ["not authorized", "expired", "deleted", "blocked"]
            .iter()
            .any(|w| lower.contains(w)) =>
        {
            fatal("the instance cannot moderate: check it in the GREEN-API console")
        }
        401 => fatal("wrong apiTokenInstance"),
        403 => fatal("wrong idInstance or apiUrl"),
        466 => fatal("the plan's quota is used up"),
        429 => transient(join(status, &text, "over the rate limit"), false),
        // 499 (the client gave up) and every 5xx: the outcome is unknown.
        499..=599 => transient(join(status, &text, ""), true),
        200..=299 => transient(join(status, &text, "unexpected status"), true),
        _ => Verdict::Rejected {
            error: join(status, &text, ""),
        },
    }
}

fn join(status: u16, text: &str, hint: &str) -> String {
    match (text.is_empty(), hint.is_empty()) {
        (true, true) => format!("HTTP {status}"),
        (true, false) => format!("HTTP {status}: {hint}"),
        (false, true) => format!("HTTP {status} {text}"),
        (false, false) => format!("HTTP {status} {text}: {hint}"),
    }
}

/// The body as one short line of text.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::sanitise::clip(&line, MAX_TEXT).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Result<RawAnswer, TransportError> {
        Ok(RawAnswer {
            status,
            body: body.as_bytes().to_vec(),
            retry_after: None,
        })
    }

    fn kind(v: &Verdict) -> &'static str {
        match v {
            Verdict::Done => "done",
            Verdict::Rejected { .. } => "rejected",
            Verdict::Transient {
                throttled: true, ..
            } => "throttled",
            Verdict::Transient {
                maybe_applied: true,
                ..
            } => "transient?",
            Verdict::Transient { .. } => "transient",
            Verdict::Fatal { .. } => "fatal",
        }
    }

    #[test]
    fn every_documented_answer_is_classified() {
        use Action::*;
        let table: &[(Action, u16, &str, &str)] = &[
            (Remove, 200, r#"{"removeParticipant":true}"#, "done"),
            (Remove, 200, r#"{"removeParticipant":false}"#, "rejected"),
            (Add, 200, r#"{"addParticipant":true}"#, "done"),
            (Add, 200, r#"{"addParticipant":false}"#, "rejected"),
            (Promote, 200, r#"{"setGroupAdmin":true}"#, "done"),
            (
                Promote,
                200,
                r#"{"setGroupAdmin":false,"error":"failed to set group admin"}"#,
                "rejected",
            ),
            (
                Promote,
                200,
                r#"{"setGroupAdmin":true,"error":"participant not found"}"#,
                "rejected",
            ),
            (Demote, 200, r#"{"removeAdmin":true}"#, "done"),
            (
                Demote,
                200,
                r#"{"removeAdmin":false,"error":"participant not found"}"#,
                "rejected",
            ),
            (
                Remove,
                200,
                r#"{"code":401,"description":"Unauthorized"}"#,
                "fatal",
            ),
            (Remove, 200, r#"{"addParticipant":true}"#, "transient?"),
            (Remove, 200, "<html>garbage", "transient?"),
            (Remove, 200, "", "transient?"),
            (
                Remove,
                400,
                "instance in starting process try later",
                "transient",
            ),
            (Remove, 400, "instance account not authorized", "fatal"),
            (
                Remove,
                400,
                "instance is starting or not authorized",
                "fatal",
            ),
            (
                Remove,
                400,
                "Instance account is expired. Please, pay",
                "fatal",
            ),
            (Remove, 400, "Instance is deleted", "fatal"),
            (Remove, 400, "Bad Request", "rejected"),
            (Remove, 400, "Validation failed", "rejected"),
            (Remove, 400, "bad request data", "rejected"),
            (Remove, 401, "Unauthorized", "fatal"),
            (Remove, 403, "Forbidden", "fatal"),
            (Remove, 404, "Not Found", "rejected"),
            (Remove, 429, "Too Many Requests", "throttled"),
            (
                Remove,
                466,
                r#"{"invokeStatus":{"status":"QUOTE_ALLOWED"}}"#,
                "fatal",
            ),
            (Remove, 499, "Client Closed Request", "transient?"),
            (Remove, 500, "", "transient?"),
            (Remove, 502, "Bad Gateway", "transient?"),
            (Remove, 503, "", "transient?"),
            (Remove, 301, "", "fatal"),
            (Remove, 418, "", "rejected"),
        ];
        for (action, status, body, expected) in table {
            let v = classify(*action, &answer(*status, body));
            assert_eq!(kind(&v), *expected, "{action} {status} {body}: {v:?}");
        }
    }

    #[test]
    fn texts_name_the_flag_and_the_api_error() {
        let v = classify(
            Action::Promote,
            &answer(
                200,
                r#"{"setGroupAdmin":true,"error":"participant not found"}"#,
            ),
        );
        assert_eq!(
            v,
            Verdict::Rejected {
                error: "setGroupAdmin true: participant not found".into()
            }
        );
        let v = classify(
            Action::Remove,
            &answer(200, r#"{"removeParticipant":false}"#),
        );
        assert_eq!(
            v,
            Verdict::Rejected {
                error: "removeParticipant false".into()
            }
        );
        let v = classify(Action::Remove, &answer(401, "Unauthorized"));
        assert_eq!(
            v,
            Verdict::Fatal {
                reason: "HTTP 401 Unauthorized: wrong apiTokenInstance".into()
            }
        );
    }

    #[test]
    fn transport_errors_say_whether_the_request_may_have_applied() {
        let v = classify(Action::Add, &Err(TransportError::Connect("refused".into())));
        assert_eq!(kind(&v), "transient");
        let v = classify(Action::Add, &Err(TransportError::Timeout));
        assert_eq!(kind(&v), "transient?");
        let v = classify(Action::Add, &Err(TransportError::Lost("reset".into())));
        assert_eq!(kind(&v), "transient?");
    }

    #[test]
    fn retry_after_is_carried_and_long_bodies_are_cut() {
        let a = Ok(RawAnswer {
            status: 429,
            body: vec![],
            retry_after: Some("3".into()),
        });
        assert!(
            matches!(classify(Action::Remove, &a), Verdict::Transient { retry_after: Some(r), .. } if r == "3")
        );
        let long = format!(
            "{{\"removeParticipant\":false,\"error\":\"{}\"}}",
            "x".repeat(5000)
        );
        let Verdict::Rejected { error } = classify(Action::Remove, &answer(200, &long)) else {
            panic!()
        };
        assert!(error.chars().count() < MAX_TEXT + 40, "{}", error.len());
    }
}
