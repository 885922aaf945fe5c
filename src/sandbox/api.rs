//! One API request from path to answer, in the order the checks happen,
//! after the request leg (`latency_in`: the request reaches the server, and
//! its rate window, that much after it was sent; `at_secs` in the ledger is
//! the sending, `limited_at_secs` the meeting with the limiter):
//!
//! 1. the path's shape and method name (404 `Not Found`);
//! 2. the idInstance (403 `Forbidden`), then its token (401 `Unauthorized`);
//! 3. the path variant: MAX answers with and without `/v3`; a WhatsApp
//!    instance has no `/v3` routes, so those paths are 404 as for any path
//!    the service does not serve;
//! 4. the verb: `getStateInstance` is GET, the rest POST; a wrong verb is
//!    405 `Method Not Allowed`, what a router answers for a known path;
//! 5. the injected fault, if a rule fires;
//! 6. the rate window (429), the instance's state (400), its quota (466,
//!    never for `getStateInstance`), the body (400), and then the method.
//!
//! Every request ends in the ledger, without its token.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::json;

use super::fate::Fate;
use super::faults::Fault;
use super::ledger::{LedgerEntry, body_value};
use super::limits::limit_for;
use super::reply::{Decision, Kill, Reply};
use super::request::{parse_body, parse_path};
use super::shared::{Inner, Shared};
use crate::greenapi::{Method, Platform};

/// Handles one API request: `verb` is the HTTP method, `path` the URL path.
pub(crate) async fn handle(
    shared: &Arc<Shared>,
    verb: &str,
    path: &str,
    query: Option<&str>,
    body: &[u8],
) -> Decision {
    let arrived = Instant::now();
    let at_secs = arrived.duration_since(shared.started).as_secs_f64();
    let seq = shared.seq.fetch_add(1, Ordering::Relaxed);
    // The request leg of a distant link: the server meets the request (its
    // fault, its rate window) only after it, so evenly sent requests can
    // meet the limiter bunched. `at_secs` stays the moment it was sent.
    if let Some(wait) = shared.request_leg(seq) {
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shared.shutdown.cancelled() => return Decision::Kill(Kill::Drop),
        }
    }
    let mut entry = LedgerEntry {
        seq,
        at_secs,
        at_unix_ms: shared.started_unix_ms + (at_secs * 1000.0) as u64,
        verb: verb.to_owned(),
        instance: None,
        method: None,
        v3: false,
        token_ok: None,
        query: query.map(clip),
        body: body_value(body),
        status: None,
        answer: None,
        changed: false,
        fault: None,
        limited_at_secs: None,
    };
    let reached_secs = shared.started.elapsed().as_secs_f64();
    let admitted = admit(
        &mut shared.lock(),
        &mut entry,
        reached_secs,
        verb,
        path,
        body,
    );
    let (instance, method, fate) = match admitted {
        Ok(admitted) => admitted,
        Err(reply) => return finish(shared, entry, Decision::Answer(reply)),
    };
    // The real service's work for this request, now.
    let serve_now = |entry: &mut LedgerEntry| {
        run(
            shared.started,
            &mut shared.lock(),
            &instance,
            method,
            body,
            entry,
        )
    };
    let Some(Fate { fault, apply }) = fate else {
        let reply = serve_now(&mut entry);
        return serve(shared, seq, finish(shared, entry, Decision::Answer(reply))).await;
    };
    entry.fault = Some(fault.name().to_owned());
    let outcome = match fault {
        Fault::Reset => Decision::Kill(Kill::Reset),
        Fault::Latency { ms } => {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(ms)) => {}
                _ = shared.shutdown.cancelled() => return finish(shared, entry, Decision::Kill(Kill::Drop)),
            }
            Decision::Answer(serve_now(&mut entry))
        }
        Fault::DropAfterApply => {
            serve_now(&mut entry);
            Decision::Kill(Kill::Drop)
        }
        other => {
            if apply {
                serve_now(&mut entry);
            }
            match other {
                Fault::Hang => Decision::Hang,
                Fault::TooManyRequests { retry_after } => Decision::Answer(Reply {
                    retry_after,
                    ..Reply::text(429, "Too Many Requests")
                }),
                Fault::ServerError => Decision::Answer(Reply::text(500, "Internal Server Error")),
                Fault::BadGateway => Decision::Answer(Reply::text(502, "Bad Gateway")),
                Fault::ClientClosed => Decision::Answer(Reply::text(499, "Client Closed Request")),
                Fault::Garbage => Decision::Answer(Reply::text(
                    200,
                    "<html><body>upstream answered something odd</body></html>",
                )),
                Fault::Embedded401 => Decision::Answer(Reply::json(
                    200,
                    &json!({"code": 401, "description": "Unauthorized"}),
                )),
                Fault::Reset | Fault::Latency { .. } | Fault::DropAfterApply => {
                    unreachable!("handled above")
                }
            }
        }
    };
    serve(shared, seq, finish(shared, entry, outcome)).await
}

/// Holds an answer for the sandbox's service time, if it has one: the
/// request was admitted (and counted) on arrival, its answer leaves later.
async fn serve(shared: &Arc<Shared>, seq: u64, outcome: Decision) -> Decision {
    if let (Decision::Answer(_), Some(wait)) = (&outcome, shared.service_time(seq)) {
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shared.shutdown.cancelled() => return Decision::Kill(Kill::Drop),
        }
    }
    outcome
}

/// Steps 1 to 5: the route, the credentials, the verb, and the request's
/// fate, decided at `reached_secs` (when the request reached the server,
/// after any request leg). `Err` is the answer to a request that goes no
/// further.
fn admit(
    inner: &mut Inner,
    entry: &mut LedgerEntry,
    reached_secs: f64,
    verb: &str,
    path: &str,
    body: &[u8],
) -> Result<(String, Method, Option<Fate>), Reply> {
    let not_found = || Reply::text(404, "Not Found");
    let route = parse_path(path).ok_or_else(not_found)?;
    entry.v3 = route.v3;
    entry.instance = Some(route.instance.to_owned());
    entry.method = Some(route.method.to_owned());
    let method = super::spec::method_named(route.method).ok_or_else(not_found)?;
    let inst = inner
        .world
        .instances
        .get(route.instance)
        .ok_or_else(|| Reply::text(403, "Forbidden"))?;
    let token_ok = inst.token == route.token;
    entry.token_ok = Some(token_ok);
    if !token_ok {
        return Err(Reply::text(401, "Unauthorized"));
    }
    if route.v3 && inst.platform == Platform::WhatsApp {
        return Err(not_found());
    }
    if super::spec::verb(method) != verb {
        return Err(Reply::text(405, "Method Not Allowed"));
    }
    let instance = route.instance.to_owned();
    let fate = inner.faults.decide(reached_secs, &instance, method, body);
    Ok((instance, method, fate))
}

/// Records the request and passes its outcome on.
fn finish(shared: &Shared, mut entry: LedgerEntry, outcome: Decision) -> Decision {
    if let Decision::Answer(reply) = &outcome {
        entry.status = Some(reply.status);
        entry.answer = Some(clip(&reply.body));
    }
    shared.lock().ledger.push(entry);
    outcome
}

/// An answer as the ledger keeps it: group data can be large and a
/// benchmark sends many requests, so long answers are cut.
fn clip(body: &str) -> String {
    crate::sanitise::clip(body, 1024).into_owned()
}

/// The real service's work for an accepted, authenticated request.
fn run(
    started: Instant,
    inner: &mut Inner,
    instance: &str,
    method: Method,
    body: &[u8],
    entry: &mut LedgerEntry,
) -> Reply {
    let inst = &inner.world.instances[instance];
    let platform = inst.platform;
    let limit = limit_for(method, platform, &inst.rates, &inner.rates);
    if inner.limits_enabled {
        let now = Instant::now();
        entry.limited_at_secs = Some(now.duration_since(started).as_secs_f64());
        if !inner.windows.admit(instance, method, limit, now) {
            return Reply::text(429, "Too Many Requests");
        }
    }
    let inst = &inner.world.instances[instance];
    if method == Method::GetStateInstance {
        return Reply::json(200, &json!({ "stateInstance": inst.state.as_str() }));
    }
    if method == Method::GetSettings {
        // The real answer has many more settings; `wid` is the one used.
        return Reply::json(
            200,
            &json!({ "wid": inst.wid, "countryInstance": "", "typeAccount": "" }),
        );
    }
    if method == Method::SendMessage {
        return send_message(inner, instance, platform, body);
    }
    if let Some(text) = inst.state.refusal() {
        return Reply::text(400, text);
    }
    if let Some(left) = inner
        .world
        .instances
        .get_mut(instance)
        .and_then(|i| i.quota.as_mut())
    {
        if *left == 0 {
            return Reply::json(466, &quota_exceeded());
        }
        *left -= 1;
    }
    if method == Method::GetContacts {
        let groups_only = entry
            .query
            .as_deref()
            .is_some_and(|q| q.split('&').any(|kv| kv == "group=true"));
        return Reply::json(200, &inner.world.contacts(instance, groups_only));
    }
    let target = match parse_body(platform, method, body) {
        Ok(target) => target,
        Err(text) => return Reply::text(400, text),
    };
    match target.participant {
        None => Reply::json(200, &inner.world.group_data(instance, &target.group)),
        Some(who) => {
            let answer = inner.world.act(instance, method, &target.group, &who);
            entry.changed = answer.changed;
            Reply::json(200, &answer.body)
        }
    }
}

/// `sendMessage`: checked, recorded, answered with its ID. The service
/// queues a message while the instance cannot send (§7), so an instance
/// that is not authorized still takes it.
fn send_message(inner: &mut Inner, instance: &str, platform: Platform, body: &[u8]) -> Reply {
    let (chat_id, message) = match super::messages::parse(platform, body) {
        Ok(parsed) => parsed,
        Err(text) => return Reply::text(400, text),
    };
    let queued = inner.world.instances[instance].state.refusal().is_some();
    let id_message = super::messages::id_for(platform, inner.messages.len() + 1);
    let answer = super::messages::answer(&id_message);
    inner.messages.push(super::messages::SentMessage {
        id_instance: instance.to_owned(),
        chat_id,
        message,
        id_message,
        queued,
    });
    Reply::json(200, &answer)
}

/// The 466 body: the plan's quota of method calls is used up.
fn quota_exceeded() -> serde_json::Value {
    json!({
        "invokeStatus": {
            "status": "QUOTE_ALLOWED_EXCEEDED",
            "description": "the monthly quota of method calls is used up; upgrade the instance's plan"
        },
        "correspondentsStatus": {
            "status": "CORRESPONDENTS_QUOTE_EXCEEDED",
            "description": "the monthly quota of correspondents is used up"
        }
    })
}
