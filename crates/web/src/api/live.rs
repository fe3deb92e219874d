//! A live fair's hall over HTTP: the WebSocket (`GET /api/v1/events/{id}/live`), the
//! server-sent-events fallback (`GET /api/v1/events/{id}/live/stream`) and, for clients that
//! can only receive that way, sending by POST (`/api/v1/events/{id}/live/messages`). Frames are
//! the JSON messages of `jiuye_domain::live` (docs/events.md). Each connection may send 5
//! messages a second (bursts of 20); a connection that keeps exceeding that is closed.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::Json;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use jiuye_app::live::{Admission, Hub, OUTBOX};
use jiuye_domain::live::{ClientMsg, RateLimit, ServerMsg};
use serde::Deserialize;
use tokio::sync::mpsc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Signed;
use crate::error::{AppError, ErrorBody};

/// A connection's read buffer: small, since 10,000 connections each hold one.
const READ_BUFFER: usize = 4 * 1024;
/// The largest frame a client may send.
const MAX_FRAME: usize = 16 * 1024;
/// Messages a second, and the burst, per connection.
const RATE: f64 = 5.0;
const BURST: f64 = 20.0;
/// Refusals in a row after which a connection is closed.
const MAX_REFUSALS: u32 = 50;

/// Per-user limits for messages sent by POST.
#[derive(Default)]
pub struct PostLimits(Mutex<HashMap<Uuid, RateLimit>>);

impl PostLimits {
    fn allow(&self, user: Uuid, now_ms: i64) -> bool {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if m.len() > 100_000 {
            m.clear();
        }
        m.entry(user).or_insert_with(|| RateLimit::new(RATE, BURST, now_ms)).allow(now_ms)
    }
}

/// The live halls of this node and the POST limits.
pub struct LiveState {
    pub hub: Arc<Hub>,
    pub limits: PostLimits,
}

fn text(m: &ServerMsg) -> String {
    serde_json::to_string(m).unwrap_or_default()
}

fn refused(code: &str, message: &str) -> ServerMsg {
    ServerMsg::Error { code: code.to_owned(), message: message.to_owned() }
}

/// Opens the live hall of an online event over WebSocket (graduates who see the event,
/// recruiters of approved booths, the organisers as staff). The frames are documented in
/// docs/events.md.
#[utoipa::path(get, path = "/api/v1/events/{id}/live", tag = "events", params(("id" = Uuid, Path)),
    responses((status = 101, description = "Switching to the WebSocket protocol"),
        (status = 400, description = "`websocket_required`: not a WebSocket upgrade request", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `removed`", body = ErrorBody),
        (status = 404, description = "`event_not_found`", body = ErrorBody),
        (status = 409, description = "`event_not_live`", body = ErrorBody)))]
pub async fn live(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, AppError> {
    let admission = state.live.hub.admit(&state.events(), &caller.actor, id).await?;
    let ws = ws.map_err(|_| {
        jiuye_app::Error::bad_input(
            jiuye_app::ErrorCode::WebsocketRequired,
            "请通过实时连接进入直播大厅；浏览器不支持时请改用事件流方式",
        )
    })?;
    let hub = state.live.hub.clone();
    Ok(ws
        .read_buffer_size(READ_BUFFER)
        .max_message_size(MAX_FRAME)
        .max_frame_size(MAX_FRAME)
        .on_upgrade(move |socket| serve(socket, hub, admission))
        .into_response())
}

/// One WebSocket connection: frames out from the hall, messages in to it, until either side
/// closes.
async fn serve(mut socket: WebSocket, hub: Arc<Hub>, a: Admission) {
    let conn = hub.connection_id();
    let (tx, mut rx) = mpsc::channel::<Arc<str>>(OUTBOX);
    a.hall.connect(conn, &a, tx);
    let mut limit = RateLimit::new(RATE, BURST, Utc::now().timestamp_millis());
    let mut refusals = 0;
    loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(f) => {
                    if socket.send(Message::Text(f.as_ref().into())).await.is_err() {
                        break;
                    }
                }
                // The hall let the connection go (removed, or it fell behind).
                None => break,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(t))) => {
                    let now = Utc::now();
                    if !limit.allow(now.timestamp_millis()) {
                        refusals += 1;
                        let m = refused("rate_limited", "发送太频繁，请稍后再试");
                        if refusals > MAX_REFUSALS || socket.send(Message::Text(text(&m).into())).await.is_err() {
                            break;
                        }
                        continue;
                    }
                    refusals = 0;
                    match serde_json::from_str::<ClientMsg>(t.as_str()) {
                        Ok(msg) => a.hall.handle(Some(conn), &a, msg, now).await,
                        Err(_) => {
                            let m = refused("invalid_message", "无法识别的消息");
                            if socket.send(Message::Text(text(&m).into())).await.is_err() {
                                break;
                            }
                        }
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
        }
    }
    a.hall.disconnect(conn);
}

/// The server-sent events of a hall: what a WebSocket would receive.
struct Stream {
    rx: mpsc::Receiver<Arc<str>>,
    admission: Admission,
    conn: u64,
}

impl futures_core::Stream for Stream {
    type Item = Result<SseEvent, std::convert::Infallible>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx).map(|f| f.map(|f| Ok(SseEvent::default().data(f.as_ref()))))
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.admission.hall.disconnect(self.conn);
    }
}

/// The live hall as server-sent events (`text/event-stream`, one JSON frame per event), for
/// clients that cannot open a WebSocket; they send with `POST …/live/messages`.
#[utoipa::path(get, path = "/api/v1/events/{id}/live/stream", tag = "events", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The hall's frames", content_type = "text/event-stream"),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `removed`", body = ErrorBody),
        (status = 404, description = "`event_not_found`", body = ErrorBody),
        (status = 409, description = "`event_not_live`", body = ErrorBody)))]
pub async fn live_stream(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let admission = state.live.hub.admit(&state.events(), &caller.actor, id).await?;
    let conn = state.live.hub.connection_id();
    let (tx, rx) = mpsc::channel::<Arc<str>>(OUTBOX);
    admission.hall.connect(conn, &admission, tx);
    let stream = Stream { rx, admission, conn };
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()).into_response())
}

/// One client frame (see docs/events.md): `type` and the fields that type takes.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LiveFrame {
    /// `join`, `leave`, `say`, `drop_resume`, `call_next`, `send_link`, `outcome`, `end`,
    /// `set_capacity`, `pause`, `mute`, `remove` or `ping`.
    pub r#type: String,
    pub booth: Option<Uuid>,
    pub chat: Option<Uuid>,
    #[schema(max_length = 1000)]
    pub text: Option<String>,
    #[schema(max_length = 64)]
    pub client_id: Option<String>,
    #[schema(max_length = 300)]
    pub url: Option<String>,
    /// `interview`, `offer` or `not_suitable`.
    pub outcome: Option<String>,
    pub max_chats: Option<u32>,
    pub paused: Option<bool>,
    pub user: Option<Uuid>,
    pub minutes: Option<u32>,
}

/// Sends one frame to the hall as the caller; the answer arrives on their event stream.
#[utoipa::path(post, path = "/api/v1/events/{id}/live/messages", tag = "events", params(("id" = Uuid, Path)),
    request_body = LiveFrame,
    responses((status = 202, description = "Handled; answers arrive on the event stream"),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `removed`", body = ErrorBody),
        (status = 404, description = "`event_not_found`", body = ErrorBody),
        (status = 409, description = "`event_not_live`", body = ErrorBody),
        (status = 422, description = "`invalid_message`", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody)))]
pub async fn post_live_message(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(frame): Json<serde_json::Value>,
) -> Result<Response, AppError> {
    let now = Utc::now();
    if !state.live.limits.allow(caller.actor.user_id, now.timestamp_millis()) {
        return Err(jiuye_app::Error::new(
            jiuye_app::ErrorKind::TooMany,
            jiuye_app::ErrorCode::RateLimited,
            "发送太频繁，请稍后再试",
        )
        .into());
    }
    let msg: ClientMsg = serde_json::from_value(frame).map_err(|_| {
        jiuye_app::Error::new(
            jiuye_app::ErrorKind::Unprocessable,
            jiuye_app::ErrorCode::InvalidMessage,
            "无法识别的消息",
        )
    })?;
    let admission = state.live.hub.admit(&state.events(), &caller.actor, id).await?;
    admission.hall.handle(None, &admission, msg, now).await;
    Ok(StatusCode::ACCEPTED.into_response())
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(live)).routes(routes!(live_stream)).routes(routes!(post_live_message))
}
