//! A live fair over a real socket: graduates queue at a booth and see their place; a recruiter
//! calls the next one into a chat; messages are acknowledged once stored, delivered once (a
//! resend is not delivered again) and kept as text; a disconnect cancels a graduate's place; a
//! restart (a new process on the same database) loses no acknowledged message and brings back
//! the open chat and the queue; staff mute; the SSE fallback with sending by POST; who may not
//! enter.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use futures_util::{SinkExt, StreamExt};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use uuid::Uuid;

use super::events::{create, employer_tokens, event_body, graduates_under};
use super::guidance::graduate_tokens;
use super::identity::{Auth, call, token_for};
use super::{Fixture, assert_error, fixtures};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Serves `app` on a loopback port; answers its address.
async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await;
    });
    addr
}

async fn open(addr: SocketAddr, event: &str, token: &str) -> Socket {
    let mut req = format!("ws://{addr}/api/v1/events/{event}/live").into_client_request().unwrap();
    req.headers_mut().insert(header::AUTHORIZATION, format!("Bearer {token}").parse().unwrap());
    let (ws, _) = tokio_tungstenite::connect_async(req).await.expect("upgrade");
    ws
}

async fn send(ws: &mut Socket, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

/// The next frame of `kind`, skipping others (within two seconds).
async fn expect(ws: &mut Socket, kind: &str) -> Value {
    let deadline = tokio::time::Instant::now() + StdDuration::from_secs(2);
    loop {
        let next = tokio::time::timeout_at(deadline, ws.next()).await.unwrap_or_else(|_| panic!("no {kind} frame"));
        if let Some(Ok(Message::Text(t))) = next {
            let v: Value = serde_json::from_str(t.as_str()).unwrap();
            if v["type"] == kind {
                return v;
            }
        } else if next.is_none() {
            panic!("closed before a {kind} frame");
        }
    }
}

/// Whether a frame of `kind` arrives within half a second.
async fn arrives(ws: &mut Socket, kind: &str) -> bool {
    let deadline = tokio::time::Instant::now() + StdDuration::from_millis(500);
    while let Ok(Some(Ok(Message::Text(t)))) = tokio::time::timeout_at(deadline, ws.next()).await {
        let v: Value = serde_json::from_str(t.as_str()).unwrap();
        if v["type"] == kind {
            return true;
        }
    }
    false
}

/// An online fair of the province with two booths, the first approved for a new employer;
/// answers (event id, recruiter token, booth id).
async fn fair(f: &Fixture, province: &str) -> (String, String, String) {
    let mut body = event_body("510000", 100, 2);
    body["kind"] = json!("online_fair");
    body["venue"] = json!("");
    let id = create(f, province, body).await["id"].as_str().unwrap().to_owned();
    let (_, recruiter) = employer_tokens(f, "L", 1).await.remove(0);
    let detail = call(&f.app, Method::GET, &format!("/api/v1/events/{id}"), None, &Auth::Bearer(province)).await.json();
    let booth = detail["booths"][0]["id"].as_str().unwrap().to_owned();
    let r = call(
        &f.app,
        Method::POST,
        &format!("/api/v1/events/{id}/booths/{booth}/bookings"),
        Some(json!({})),
        &Auth::Bearer(&recruiter),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let booking = r.json()["id"].as_str().unwrap().to_owned();
    // Before approval the employer has no part in the hall.
    let r =
        call(&f.app, Method::GET, &format!("/api/v1/events/{id}/live/stream"), None, &Auth::Bearer(&recruiter)).await;
    assert_error(&r, 403, "forbidden");
    let r = call(
        &f.app,
        Method::POST,
        &format!("/api/v1/events/{id}/bookings/{booking}/decision"),
        Some(json!({"approve": true})),
        &Auth::Bearer(province),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    (id, recruiter, booth)
}

#[tokio::test]
async fn graduates_queue_chat_and_nothing_acknowledged_is_lost_across_a_restart() {
    for f in fixtures().await {
        let province = token_for(&f, "demo_province").await;
        let (id, recruiter, booth) = fair(&f, &province).await;
        let grads = graduate_tokens(&f, "lv", &graduates_under(&f, "CN/510000", 2).await).await;
        let addr = serve(f.app.clone()).await;

        let mut a = open(addr, &id, &grads[0]).await;
        let welcome = expect(&mut a, "welcome").await;
        let graduate_user = welcome["user"].as_str().unwrap().to_owned();
        assert_eq!((welcome["role"].as_str(), welcome["booths"].as_array().unwrap().len()), (Some("graduate"), 1));
        send(&mut a, json!({"type": "join", "booth": booth})).await;
        assert_eq!(expect(&mut a, "queue").await["position"], 1);
        let mut b = open(addr, &id, &grads[1]).await;
        send(&mut b, json!({"type": "join", "booth": booth})).await;
        let place = expect(&mut b, "queue").await;
        assert_eq!(place["position"], 2);
        assert!(place["estimate_seconds"].as_u64().unwrap() > 0);
        // Graduates do not run booths.
        send(&mut b, json!({"type": "call_next"})).await;
        assert_eq!(expect(&mut b, "error").await["code"], "forbidden");

        let mut r = open(addr, &id, &recruiter).await;
        assert_eq!(expect(&mut r, "welcome").await["role"], "recruiter");
        assert_eq!(expect(&mut r, "booth_state").await["waiting"], 2);
        send(&mut r, json!({"type": "call_next"})).await;
        let started = expect(&mut r, "chat_started").await;
        let chat = started["chat"].as_str().unwrap().to_owned();
        assert_eq!(expect(&mut a, "chat_started").await["chat"], chat.as_str());
        assert_eq!(expect(&mut b, "queue").await["position"], 1, "the next one moves up");

        // Acknowledged once stored; delivered once; text stays text.
        let say = json!({"type": "say", "chat": chat, "text": "<b>您好</b>，请问有实习岗位吗？", "client_id": "m-1"});
        send(&mut a, say.clone()).await;
        let ack = expect(&mut a, "ack").await;
        let got = expect(&mut r, "message").await;
        assert_eq!((got["text"].as_str(), &got["id"]), (Some("<b>您好</b>，请问有实习岗位吗？"), &ack["id"]));
        send(&mut a, say).await;
        assert_eq!(expect(&mut a, "ack").await["id"], ack["id"], "a resend is the same message");
        assert!(!arrives(&mut r, "message").await, "and is not delivered again");
        send(&mut r, json!({"type": "say", "chat": chat, "text": "有的", "client_id": "r-1"})).await;
        assert_eq!(expect(&mut a, "message").await["text"], "有的");
        send(&mut b, json!({"type": "say", "chat": chat, "text": "插话", "client_id": "b-1"})).await;
        assert_eq!(expect(&mut b, "error").await["code"], "chat_not_found", "not their chat");

        // A restart: a new process on the same database.
        drop((a, b, r));
        tokio::time::sleep(StdDuration::from_millis(200)).await;
        let mut settings = jiuye_web::WebSettings::with_keys(f.keys.clone());
        settings.evidence_dir = f.files.clone();
        let rd = Arc::new(jiuye_domain::refdata::RefData::load().unwrap());
        let again = serve(jiuye_web::app(f.store.clone(), rd, settings).unwrap()).await;
        let stored = f.store.live_messages(chat.parse().unwrap(), 10).await.unwrap();
        assert_eq!(stored.len(), 2, "{}: every acknowledged message", f.name);
        let mut r = open(again, &id, &recruiter).await;
        assert_eq!(expect(&mut r, "chat_started").await["chat"], chat.as_str(), "the open chat is back");
        assert_eq!(expect(&mut r, "booth_state").await["chats"], 1);
        let mut a = open(again, &id, &grads[0]).await;
        assert_eq!(expect(&mut a, "chat_started").await["chat"], chat.as_str());
        send(&mut r, json!({"type": "say", "chat": chat, "text": "重启后继续", "client_id": "r-2"})).await;
        assert_eq!(expect(&mut a, "message").await["text"], "重启后继续");

        // The queue came back (b left before the restart: a disconnect cancels, so it is empty).
        let mut b = open(again, &id, &grads[1]).await;
        send(&mut b, json!({"type": "join", "booth": booth})).await;
        assert_eq!(expect(&mut b, "queue").await["position"], 1);
        assert_eq!(expect(&mut r, "booth_state").await["waiting"], 1);
        drop(b);
        let state = expect(&mut r, "booth_state").await;
        assert_eq!(state["waiting"], 0, "a disconnect cancels the place");

        // Outcome and link; staff mute; the muted cannot speak.
        send(&mut r, json!({"type": "send_link", "chat": chat, "url": "https://meeting.example.com/j/42"})).await;
        assert_eq!(expect(&mut a, "link").await["url"], "https://meeting.example.com/j/42");
        send(&mut r, json!({"type": "send_link", "chat": chat, "url": "javascript:alert(1)"})).await;
        assert_eq!(expect(&mut r, "error").await["code"], "invalid_text");
        let mut staff = open(again, &id, &province).await;
        assert_eq!(expect(&mut staff, "welcome").await["role"], "staff");
        let seen = expect(&mut staff, "attendance").await;
        assert_eq!(
            (seen["graduates"].as_u64(), seen["recruiters"].as_u64(), seen["chats"].as_u64()),
            (Some(1), Some(1), Some(1))
        );
        send(&mut a, json!({"type": "mute", "user": graduate_user, "minutes": 5})).await;
        assert_eq!(expect(&mut a, "error").await["code"], "forbidden", "graduates do not moderate");
        send(&mut staff, json!({"type": "mute", "user": graduate_user, "minutes": 5})).await;
        assert!(expect(&mut a, "muted").await["until"].is_string());
        send(&mut a, json!({"type": "say", "chat": chat, "text": "还能说吗", "client_id": "m-2"})).await;
        assert_eq!(expect(&mut a, "error").await["code"], "muted");

        // The outcome ends the chat; the counts are kept for the reports.
        send(&mut r, json!({"type": "outcome", "chat": chat, "outcome": "interview"})).await;
        assert_eq!(expect(&mut a, "chat_ended").await["outcome"], "interview");
        let counts = f.store.live_counts(id.parse().unwrap()).await.unwrap();
        assert_eq!((counts.chats, counts.messages, counts.interviews), (1, 3, 1), "{}", f.name);
        let path = format!("/api/v1/events/{id}/stats");
        let stats = call(&f.app, Method::GET, &path, None, &Auth::Bearer(&province)).await.json();
        assert_eq!(
            (stats["chats"].as_i64(), stats["interviews"].as_i64(), stats["offers"].as_i64()),
            (Some(1), Some(1), Some(0))
        );
        send(&mut a, json!({"type": "nonsense"})).await;
        assert_eq!(expect(&mut a, "error").await["code"], "invalid_message");
        // Removed: told, let go, and kept out.
        send(&mut staff, json!({"type": "remove", "user": graduate_user})).await;
        expect(&mut a, "removed").await;
        let mut req = format!("ws://{again}/api/v1/events/{id}/live").into_client_request().unwrap();
        req.headers_mut().insert(header::AUTHORIZATION, format!("Bearer {}", grads[0]).parse().unwrap());
        match tokio_tungstenite::connect_async(req).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(res)) => assert_eq!(res.status(), StatusCode::FORBIDDEN),
            other => panic!("a removed graduate got in: {:?}", other.map(|_| ())),
        }
        let mut a = open(again, &id, &grads[1]).await;
        // Too many at once: the rest are refused.
        for _ in 0..40 {
            send(&mut a, json!({"type": "ping"})).await;
        }
        assert_eq!(expect(&mut a, "error").await["code"], "rate_limited");
        f.cleanup().await;
    }
}

/// The next SSE frame's JSON.
async fn next_event(body: &mut Body) -> Value {
    let mut buf = String::new();
    loop {
        let frame = tokio::time::timeout(StdDuration::from_secs(2), body.frame()).await.expect("a frame in time");
        let frame = frame.expect("open").expect("data");
        if let Some(data) = frame.data_ref() {
            buf.push_str(std::str::from_utf8(data).unwrap());
            if let Some(line) = buf.lines().find_map(|l| l.strip_prefix("data: ")) {
                return serde_json::from_str(line).unwrap();
            }
        }
    }
}

#[tokio::test]
async fn without_websockets_a_graduate_follows_by_events_and_sends_by_post() {
    for f in fixtures().await {
        let province = token_for(&f, "demo_province").await;
        let (id, _, booth) = fair(&f, &province).await;
        let grad = graduate_tokens(&f, "ls", &graduates_under(&f, "CN/510000", 1).await).await.remove(0);
        let req = Request::get(format!("/api/v1/events/{id}/live/stream"))
            .header(header::AUTHORIZATION, format!("Bearer {grad}"))
            .body(Body::empty())
            .unwrap();
        let res = tower::ServiceExt::oneshot(f.app.clone(), req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/event-stream"));
        let mut body = res.into_body();
        assert_eq!(next_event(&mut body).await["type"], "welcome");
        let post = format!("/api/v1/events/{id}/live/messages");
        let r = call(&f.app, Method::POST, &post, Some(json!({"type": "join", "booth": booth})), &Auth::Bearer(&grad))
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
        let q = next_event(&mut body).await;
        assert_eq!((q["type"].as_str(), q["position"].as_u64()), (Some("queue"), Some(1)));
        // A booth approved while the hall is open gets its recruiter in.
        let (_, second) = employer_tokens(&f, "M", 1).await.remove(0);
        let detail = call(&f.app, Method::GET, &format!("/api/v1/events/{id}"), None, &Auth::Bearer(&province)).await;
        let other_booth = detail.json()["booths"][1]["id"].as_str().unwrap().to_owned();
        let booked = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/events/{id}/booths/{other_booth}/bookings"),
            Some(json!({})),
            &Auth::Bearer(&second),
        )
        .await;
        let booking = booked.json()["id"].as_str().unwrap().to_owned();
        let decide = format!("/api/v1/events/{id}/bookings/{booking}/decision");
        let r = call(&f.app, Method::POST, &decide, Some(json!({"approve": true})), &Auth::Bearer(&province)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let req = Request::get(format!("/api/v1/events/{id}/live/stream"))
            .header(header::AUTHORIZATION, format!("Bearer {second}"))
            .body(Body::empty())
            .unwrap();
        let res = tower::ServiceExt::oneshot(f.app.clone(), req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "the new booth's recruiter enters");
        let mut desk = res.into_body();
        assert_eq!(next_event(&mut desk).await["role"], "recruiter");
        let plain = call(&f.app, Method::GET, &format!("/api/v1/events/{id}/live"), None, &Auth::Bearer(&grad)).await;
        assert_error(&plain, 400, "websocket_required");
        let r = call(&f.app, Method::POST, &post, Some(json!({"type": "fly"})), &Auth::Bearer(&grad)).await;
        assert_error(&r, 422, "invalid_message");
        let mut limited = 0;
        for _ in 0..30 {
            let r = call(&f.app, Method::POST, &post, Some(json!({"type": "ping"})), &Auth::Bearer(&grad)).await;
            if r.status == StatusCode::TOO_MANY_REQUESTS {
                limited += 1;
            }
        }
        assert!(limited > 0, "posting too fast is refused");
        // A graduate of another province does not see the fair; an offline event has no hall.
        let employer = token_for(&f, "demo_employer").await;
        let r = call(&f.app, Method::GET, &format!("/api/v1/events/{id}/live/stream"), None, &Auth::Bearer(&employer))
            .await;
        assert_error(&r, 403, "forbidden");
        // The hall's page: the booths with their positions, and the script.
        let page = call(&f.app, Method::GET, &format!("/events/{id}/live"), None, &Auth::Bearer(&grad)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains(r#"data-role="graduate""#) && page.body.contains("/static/js/live.js"));
        let js = call(&f.app, Method::GET, "/static/js/live.js", None, &Auth::None).await;
        assert!(js.status.is_success() && js.body.contains("textContent") && !js.body.contains("innerHTML"));
        let offline = create(&f, &province, event_body("510000", 10, 0)).await["id"].as_str().unwrap().to_owned();
        let page = call(&f.app, Method::GET, &format!("/events/{offline}/live"), None, &Auth::Bearer(&grad)).await;
        assert_eq!(page.status, StatusCode::CONFLICT);
        let r = call(&f.app, Method::GET, &format!("/api/v1/events/{offline}/live/stream"), None, &Auth::Bearer(&grad))
            .await;
        assert_error(&r, 409, "event_not_live");
        let _ = Uuid::nil();
        f.cleanup().await;
    }
}
