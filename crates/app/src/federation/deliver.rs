//! Applying to a posting of another node, with consent (see
//! `jiuye_domain::federation::delivery`). On the graduate's node: [`offer`] shows what would be
//! sent and the consent to give; [`apply`] keeps the application (sealed) once the graduate
//! consents; [`deliver_due`] sends pending ones straight to the posting's node as signed
//! requests, retrying with backoff. On the posting's node: [`arrive`] checks the sending node's
//! signature and the body's digest and keeps the application (sealed) for the employer, who
//! reads it with [`arrived_for`]. Nothing is relayed through other nodes.

use chrono::{DateTime, Utc};
use hyper::body::Bytes;
use jiuye_domain::access::{self, Action, Actor, Resource};
use jiuye_domain::federation::delivery::{self, Applicant, DeliveryError, RemoteApplication};
use jiuye_security::seal::KeyRing;
use jiuye_security::signing::NodeKey;
use jiuye_store::Repository;
use jiuye_store::deliveries::{Arrived, Delivery};
use jiuye_store::federation::FederationNode;
use jiuye_store::postings::PostingRow;
use uuid::Uuid;

use super::client::signed_request;
use crate::error::{Error, ErrorCode, ErrorKind};
use crate::postings::Postings;
use crate::sealing::{self, Place};

/// An application kept on the graduate's node (`federation_deliveries.payload`).
pub const SENT: Place = Place { table: "federation_deliveries", column: "payload" };
/// An application kept on the posting's node (`federation_applications.payload`).
pub const ARRIVED: Place = Place { table: "federation_applications", column: "payload" };

/// The most deliveries one round sends.
const ROUND: i64 = 50;

/// What a graduate types when applying to another node's posting.
#[derive(Clone, Copy, Debug, Default)]
pub struct Consent<'a> {
    pub consent: bool,
    pub phone: &'a str,
    pub email: &'a str,
    pub note: &'a str,
}

/// What a graduate is asked to agree to: the posting, its node, the consent text and who they
/// are as it would be sent (without contact and note, which they type).
#[derive(Clone, Debug)]
pub struct Offer {
    pub posting: PostingRow,
    pub origin: String,
    pub consent: String,
    pub applicant: Applicant,
}

fn invalid(e: DeliveryError) -> Error {
    let code = match e {
        DeliveryError::NoConsent => ErrorCode::InvalidConsent,
        DeliveryError::NoContact | DeliveryError::Contact => ErrorCode::InvalidContact,
        DeliveryError::Note => ErrorCode::InvalidText,
    };
    Error::new(ErrorKind::Unprocessable, code, e.message())
}

fn internal(what: String) -> Error {
    Error::new(ErrorKind::Internal, ErrorCode::InternalError, what)
}

/// The graduate's offer for posting `id`: a posting of another node that they may see and that
/// is open. `404 posting_not_found` for anything else (this node's own postings are applied to
/// as usual).
pub async fn offer(postings: &Postings<'_>, actor: &Actor, id: Uuid) -> Result<Offer, Error> {
    let graduate = crate::applications::own_graduate(actor)
        .ok_or_else(|| Error::new(ErrorKind::Forbidden, ErrorCode::Forbidden, "只有毕业生账号可以投递"))?;
    let store = postings.store;
    let Some(rec) = store.received_by_ids(&[id]).await?.into_iter().find(|r| r.kind == "posting") else {
        return Err(Error::not_found(ErrorCode::PostingNotFound, "没有这个其他平台的职位"));
    };
    let (row, _) = postings.read(Some(actor), id).await?;
    if !jiuye_domain::posting::is_open(row.posting.status, row.posting.deadline, postings.today) {
        return Err(Error::new(ErrorKind::Unprocessable, ErrorCode::PostingClosed, "该职位已截止"));
    }
    let view = store
        .graduate_view(graduate)
        .await?
        .ok_or_else(|| Error::new(ErrorKind::Forbidden, ErrorCode::Forbidden, "没有找到您的毕业生信息"))?;
    let g = &view.graduate;
    let applicant = Applicant {
        name: g.name.clone(),
        university: view.university_name.clone(),
        college: view.college_name.clone(),
        major: view.programme_name.clone(),
        education: g.education_level.id().to_owned(),
        cohort: g.cohort,
        ..Applicant::default()
    };
    let consent = delivery::consent_text(&rec.origin, &row.employer_name, &row.posting.title);
    Ok(Offer { posting: row, origin: rec.origin, consent, applicant })
}

/// Keeps the graduate's application to posting `id` for delivery, once they consented; it is
/// sent by the next delivery round. `409 already_applied` when they applied before.
pub async fn apply(
    postings: &Postings<'_>,
    keys: &KeyRing,
    actor: &Actor,
    id: Uuid,
    typed: &Consent<'_>,
    now: DateTime<Utc>,
) -> Result<Delivery, Error> {
    let offer = offer(postings, actor, id).await?;
    delivery::check(typed.consent, typed.phone, typed.email, typed.note).map_err(invalid)?;
    let node = postings.store.federation_node().await?.ok_or_else(|| {
        Error::new(ErrorKind::Unprocessable, ErrorCode::FederationOff, "本平台尚未接入联网，无法投递到其他平台")
    })?;
    let graduate = crate::applications::own_graduate(actor).ok_or_else(Error::forbidden)?;
    let application = RemoteApplication {
        id: Uuid::now_v7(),
        posting: id,
        from_node: node.org_code,
        applicant: Applicant {
            phone: typed.phone.trim().to_owned(),
            email: typed.email.trim().to_owned(),
            note: typed.note.trim().to_owned(),
            ..offer.applicant
        },
        consent: offer.consent,
        consented_at: now,
    };
    let body = serde_json::to_string(&application.body()).map_err(|e| internal(e.to_string()))?;
    let d = Delivery {
        id: application.id,
        posting: id,
        origin: offer.origin,
        graduate_id: graduate,
        title: offer.posting.posting.title.clone(),
        employer_name: offer.posting.employer_name.clone(),
        payload: sealing::seal_text(keys, SENT, application.id, &body)?,
        state: "pending".into(),
        attempts: 0,
        last_error: None,
        next_attempt_at: None,
        delivered_at: None,
        created_at: now,
    };
    if !postings.store.add_delivery(&d).await? {
        return Err(Error::new(ErrorKind::Conflict, ErrorCode::AlreadyApplied, "您已投递过这个职位"));
    }
    tracing::info!(delivery = %d.id, posting = %id, origin = %d.origin, "application to another node kept for delivery");
    Ok(d)
}

/// The caller's applications to other nodes' postings (a graduate's), newest first.
pub async fn mine(store: &dyn Repository, actor: &Actor) -> Result<Vec<Delivery>, Error> {
    let graduate = crate::applications::own_graduate(actor).ok_or_else(Error::forbidden)?;
    Ok(store.deliveries_of(graduate).await?)
}

/// What a delivery round did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Round {
    pub delivered: usize,
    pub refused: usize,
    pub failed: usize,
}

/// Sends the pending applications that are due, each straight to its posting's node. An
/// answer of 200/201 delivers it; a 4xx other than 401, 408 and 429 refuses it for good (the
/// posting closed, say); anything else is tried again after 2, 4, 8 … seconds (at most ten
/// minutes).
pub async fn deliver_due(
    store: &dyn Repository,
    keys: &KeyRing,
    node: &FederationNode,
    key: &NodeKey,
    now: DateTime<Utc>,
) -> Result<Round, Error> {
    let mut round = Round::default();
    for d in store.deliveries_due(now, ROUND).await? {
        let (state, error) = match send(store, keys, node, key, &d).await {
            Ok(()) => ("delivered", None),
            Err((true, e)) => ("refused", Some(e)),
            Err((false, e)) => ("pending", Some(e)),
        };
        let next = (state == "pending").then(|| {
            let wait = 2i64.saturating_pow(u32::try_from(d.attempts.clamp(0, 20) + 1).unwrap_or(1)).min(600);
            now + chrono::Duration::seconds(wait)
        });
        match state {
            "delivered" => round.delivered += 1,
            "refused" => round.refused += 1,
            _ => round.failed += 1,
        }
        if let Some(e) = &error {
            tracing::warn!(delivery = %d.id, origin = %d.origin, state, error = %e, "application delivery");
        }
        store.settle_delivery(d.id, state, error.as_deref(), next, now).await?;
    }
    Ok(round)
}

/// Sends one application; on failure, whether it is final and why.
async fn send(
    store: &dyn Repository,
    keys: &KeyRing,
    node: &FederationNode,
    key: &NodeKey,
    d: &Delivery,
) -> Result<(), (bool, String)> {
    let url = match super::receive::known_url(store, &d.origin).await {
        Ok(Some(url)) => url,
        Ok(None) => return Err((false, format!("节点 {} 的地址未知", d.origin))),
        Err(e) => return Err((false, e.message)),
    };
    let body = sealing::open_text(keys, SENT, d.id, &d.payload).map_err(|e| (false, e.message))?;
    let path = format!("/federation/v1/applications?digest={}", jiuye_security::sha256_hex(body.as_bytes()));
    let (status, answer) =
        signed_request(node, key, &url, "POST", &path, Bytes::from(body)).await.map_err(|e| (false, e.message))?;
    match status {
        200 | 201 => Ok(()),
        401 | 408 | 429 => Err((false, format!("HTTP {status}"))),
        400..=499 => {
            let said: String = String::from_utf8_lossy(&answer).chars().take(300).collect();
            Err((true, format!("HTTP {status} {said}")))
        }
        _ => Err((false, format!("HTTP {status}"))),
    }
}

/// A signed request delivering an application, as it arrived.
#[derive(Clone, Copy, Debug)]
pub struct Signed<'a> {
    pub org: Option<&'a str>,
    pub date: Option<&'a str>,
    pub signature: Option<&'a str>,
    pub path_and_query: &'a str,
    /// The digest the signed path names.
    pub digest: Option<&'a str>,
    pub body: &'a [u8],
}

/// Keeps an application another node delivered for one of this node's open, shared postings;
/// true when it is new (a repeat of one held is acknowledged). The sender must be a node this
/// one knows the key of, the signature and the digest must hold, and the body must be a
/// complete application from that node.
pub async fn arrive(store: &dyn Repository, keys: &KeyRing, r: &Signed<'_>, now: DateTime<Utc>) -> Result<bool, Error> {
    let unsigned = || {
        Error::new(
            ErrorKind::Unauthenticated,
            ErrorCode::UnsignedRequest,
            "联邦请求须带节点签名（Jiuye-Node、Jiuye-Date、Jiuye-Signature）",
        )
    };
    let (Some(org), Some(date), Some(signature)) = (r.org, r.date, r.signature) else { return Err(unsigned()) };
    let org = org.trim();
    let Some(key) = super::receive::known_key(store, org).await? else {
        return Err(Error::new(ErrorKind::Unauthenticated, ErrorCode::UnknownPeer, format!("本节点不认识节点 {org}")));
    };
    super::feed::check_signed(&key, org, date, signature, "POST", r.path_and_query, now.timestamp())?;
    if r.digest.map(str::trim) != Some(jiuye_security::sha256_hex(r.body).as_str()) {
        return Err(Error::new(ErrorKind::Unauthenticated, ErrorCode::InvalidSignature, "投递内容与签名的摘要不符"));
    }
    let bad = |why: &str| Error::new(ErrorKind::Unprocessable, ErrorCode::InvalidApplication, why.to_owned());
    let body: serde_json::Value = serde_json::from_slice(r.body).map_err(|_| bad("投递内容不是 JSON"))?;
    let a = RemoteApplication::from_body(&body).ok_or_else(|| bad("投递内容不完整（须有姓名、联系方式和本人同意）"))?;
    if a.from_node != org {
        return Err(bad("投递来自的节点与签名的节点不符"));
    }
    let p = store
        .posting(a.posting)
        .await?
        .ok_or_else(|| Error::not_found(ErrorCode::PostingNotFound, "本平台没有这个职位"))?;
    let shared = matches!(p.posting.visibility.as_str(), "province" | "nation");
    let today = super::report::beijing_day(now);
    if !shared || !jiuye_domain::posting::is_open(p.posting.status, p.posting.deadline, today) {
        return Err(Error::new(ErrorKind::Unprocessable, ErrorCode::PostingClosed, "该职位未共享、未发布或已截止"));
    }
    let text = String::from_utf8_lossy(r.body);
    let kept = Arrived {
        id: a.id,
        posting_id: a.posting,
        from_node: org.to_owned(),
        payload: sealing::seal_text(keys, ARRIVED, a.id, &text)?,
        received_at: now,
    };
    let new = store.add_arrived(&kept).await?;
    tracing::info!(application = %a.id, posting = %a.posting, from = org, new, "application from another node");
    Ok(new)
}

/// The applications other nodes delivered for posting `id`, for the employer that published
/// it (`404 posting_not_found` for anyone else).
pub async fn arrived_for(
    store: &dyn Repository,
    keys: &KeyRing,
    actor: &Actor,
    id: Uuid,
) -> Result<Vec<(Arrived, RemoteApplication)>, Error> {
    let missing = || Error::not_found(ErrorCode::PostingNotFound, "没有这个职位");
    let p = store.posting(id).await?.ok_or_else(missing)?;
    access::can(actor, Action::PostJob, &Resource::owned("", p.posting.employer_id)).ok_or_else(missing)?;
    let mut out = Vec::new();
    for a in store.arrived_for(id).await? {
        let text = sealing::open_text(keys, ARRIVED, a.id, &a.payload)?;
        let body: serde_json::Value = serde_json::from_str(&text).map_err(|e| internal(e.to_string()))?;
        if let Some(app) = RemoteApplication::from_body(&body) {
            out.push((a, app));
        }
    }
    Ok(out)
}
