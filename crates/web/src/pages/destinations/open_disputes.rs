//! The disputes to answer (待答复异议): the open disputes in the scope where the caller answers
//! them, oldest first, each linking to the graduate's record where the answer is written.

use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::response::Response;
use uuid::Uuid;

use crate::AppState;
use crate::error::AppError;
use crate::extract::signed_in::SignedIn;
use crate::i18n::Lang;
use crate::render::page::{Base, render};

struct OpenRow {
    graduate_id: Uuid,
    name: String,
    student_no: String,
    college: String,
    raised_on: String,
    text: String,
}

#[derive(Template)]
#[template(path = "disputes.html")]
struct DisputesPage {
    base: Base,
    total: usize,
    rows: Vec<OpenRow>,
}

pub async fn disputes_page(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, AppError> {
    let open = jiuye_app::destinations::disputes::open(state.store.as_ref(), &state.settings.keys, &me.actor).await?;
    let base = Base::new(&state, lang, "graduates", &uri).signed_in(&me);
    let rows: Vec<OpenRow> = open
        .into_iter()
        .map(|(d, g)| OpenRow {
            graduate_id: g.id,
            name: g.name,
            student_no: g.student_no,
            college: g.college_name,
            raised_on: crate::render::time::local_minute(d.created_at),
            text: d.text,
        })
        .collect();
    render(&DisputesPage { base, total: rows.len(), rows })
}
