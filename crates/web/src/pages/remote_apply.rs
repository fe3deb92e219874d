//! 投递到发布平台: a graduate applies to a posting that came from another node. The page says
//! exactly what will be sent and to which platform, asks for a phone number or an e-mail
//! address and a note, and sends nothing until the graduate ticks the consent box. Once sent,
//! the application is listed on their applications page with how delivery went.

use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use jiuye_app::federation::deliver::{self, Consent};
use uuid::Uuid;

use crate::AppState;
use crate::api::federation_deliveries::ApplicantDto;
use crate::auth::{AuditEvent, Caller, audited};
use crate::error::AppError;
use crate::extract::signed_in::SignedIn;
use crate::i18n::Lang;
use crate::render::page::{Base, render};

#[derive(Template)]
#[template(path = "remote_apply.html")]
struct RemoteApplyPage {
    base: Base,
    posting: Uuid,
    title: String,
    employer: String,
    origin: String,
    consent: String,
    applicant: ApplicantDto,
    /// As typed (after a refusal).
    phone: String,
    email: String,
    note: String,
    error: Option<String>,
}

/// The form as typed.
#[derive(Default)]
struct Typed {
    phone: String,
    email: String,
    note: String,
}

async fn page(
    state: &AppState,
    lang: Lang,
    me: &Caller,
    uri: &Uri,
    id: Uuid,
    typed: Typed,
    error: Option<String>,
) -> Result<Response, AppError> {
    let o = deliver::offer(&state.postings(), &me.actor, id).await?;
    render(&RemoteApplyPage {
        base: Base::new(state, lang, "postings", uri).signed_in(me),
        posting: id,
        title: o.posting.posting.title.clone(),
        employer: o.posting.employer_name.clone(),
        origin: o.origin,
        consent: o.consent,
        applicant: ApplicantDto::from(&o.applicant),
        phone: typed.phone,
        email: typed.email,
        note: typed.note,
        error,
    })
}

/// What applying would send, and the form.
pub async fn remote_apply_page(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    page(&state, lang, &me, &uri, id, Typed::default(), None).await
}

/// Applies with consent and goes to the applications page; a refusal shows the form again,
/// filled in, with what to mend.
pub async fn remote_apply_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let one = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let typed = Typed { phone: one("phone"), email: one("email"), note: one("note") };
    let consent =
        Consent { consent: one("consent") == "yes", phone: &typed.phone, email: &typed.email, note: &typed.note };
    let event = AuditEvent::new("remote_application").target(format!("posting:{id}"), None);
    let postings = state.postings();
    match deliver::apply(&postings, &state.settings.keys, &me.actor, id, &consent, chrono::Utc::now()).await {
        Ok(d) => Ok(event
            .detail(format!("delivery:{} origin:{}", d.id, d.origin))
            .attach(Redirect::to("/applications#h-remote-sent").into_response())),
        Err(e) if matches!(e.kind, jiuye_app::ErrorKind::Unprocessable | jiuye_app::ErrorKind::Conflict) => {
            let status = if e.kind == jiuye_app::ErrorKind::Conflict {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let res = page(&state, lang, &me, &uri, id, typed, Some(e.message.clone())).await?;
            Ok(event.result(e.code.as_str()).attach((status, res).into_response()))
        }
        Err(e) => Ok(audited(event, Err(e.into()))),
    }
}
