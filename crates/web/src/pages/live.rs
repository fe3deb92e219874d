//! The live hall page of an online fair (直播带岗): the booths with the positions their employers
//! bring, and a small script of our own (`/static/js/live.js`) that joins queues, chats, calls
//! the next graduate or shows attendance over the hall's WebSocket, or its event stream with
//! sending by POST where WebSockets do not get through. Chat text is put on the page as text.

use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jiuye_domain::live::Part;
use uuid::Uuid;

use crate::AppState;
use crate::error::AppError;
use crate::extract::signed_in::SignedIn;
use crate::i18n::Lang;
use crate::render::page::{Base, render};
use crate::render::time::local_minute;

/// A booth as the page lists it.
struct BoothLine {
    id: Uuid,
    label: String,
    employer: String,
    /// (posting id, title) it brings.
    postings: Vec<(Uuid, String)>,
}

#[derive(Template)]
#[template(path = "event_live.html")]
struct LivePage {
    base: Base,
    id: Uuid,
    title: String,
    when: String,
    stream_url: String,
    /// `graduate`, `recruiter` or `staff`.
    role: &'static str,
    booths: Vec<BoothLine>,
}

/// `GET /events/{id}/live`.
pub async fn live_page(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let events = state.events();
    let admission = state.live.hub.admit(&events, &me.actor, id).await?;
    let view = events.get(&me.actor, id).await?;
    let booths = view
        .bookings
        .iter()
        .filter(|b| b.booking.state == "approved")
        .map(|b| BoothLine {
            id: b.booking.booth_id,
            label: b.booth_label.clone(),
            employer: b.employer_name.clone(),
            postings: view
                .postings
                .iter()
                .filter(|p| p.booking_id == b.booking.id)
                .map(|p| (p.posting_id, p.title.clone()))
                .collect(),
        })
        .collect();
    let role = match admission.role {
        Part::Graduate => "graduate",
        Part::Recruiter => "recruiter",
        Part::Staff => "staff",
    };
    let base = Base::new(&state, lang, "events", &uri).signed_in(&me);
    render(&LivePage {
        base,
        id,
        title: view.row.event.title.clone(),
        when: format!("{} – {}", local_minute(view.row.event.starts_at), local_minute(view.row.event.ends_at)),
        stream_url: view.row.event.stream_url.clone(),
        role,
        booths,
    })
}

/// `GET /static/js/live.js`.
pub async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/js/live.js"),
    )
        .into_response()
}
