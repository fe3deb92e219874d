//! The pull feed (`GET /federation/v1/feed?after=SEQ&limit=N`): this node's outbox after a
//! number, as signed envelopes of the kinds the calling peer is sent, and the checks on the
//! calling peer's signed request.
//!
//! An outbox row names a record and a version; the envelope is built from the record as it is
//! when the feed is read. A row whose record has moved on since (a newer version, or no longer
//! shared) is skipped: a later row covers it. Postings travel as schema.org `JobPosting`
//! JSON-LD and employers as name, credit code, region, industry, type, size class and
//! verification — never contacts. Events travel as schema.org `Event` JSON-LD, as they stand
//! when the feed is read (never who registered or booked). Aggregate figures travel as
//! reported ([`super::report`]); campaign definitions as loaded (the policy file's text).

use std::collections::HashMap;

use jiuye_domain::RefData;
use jiuye_domain::federation::Relation;
use jiuye_domain::federation::envelope::{Envelope, Kind};
use jiuye_domain::posting::PostingStatus;
use jiuye_security::signing::NodeKey;
use jiuye_store::Repository;
use jiuye_store::employers::EmployerRecord;
use jiuye_store::federation::{FederationNode, PeerRecord};
use jiuye_store::postings::PostingRow;
use jiuye_store::received::ReceivedRecord;
use jiuye_store::reports::Report;
use serde_json::{Value, json};

use super::Peer;
use crate::error::{Error, ErrorCode};

/// The schema type of a campaign definition's body.
pub const CAMPAIGN_TYPE: &str = "CampaignPolicy";

/// The most envelopes one page of the feed carries.
pub const MAX_PAGE: i64 = 500;

/// How far a signed request's clock may be from this node's, in seconds.
pub const CLOCK_SLACK: i64 = 300;

/// A page of the feed.
#[derive(Clone, Debug)]
pub struct FeedPage {
    pub items: Vec<Envelope>,
    /// The number to ask after next (the last row read, shown or skipped).
    pub next: i64,
    /// The greatest number given so far.
    pub head: i64,
}

/// Whether a posting is shared beyond its university (and so travels).
fn shared(r: &PostingRow) -> bool {
    r.posting.status == PostingStatus::Approved && matches!(r.posting.visibility.as_str(), "province" | "nation")
}

/// The employer as it travels: no contacts.
fn organisation(
    rd: &RefData,
    name: &str,
    code: &str,
    region: Option<&str>,
    industry: &str,
    kind: &str,
    size: Option<&str>,
) -> Value {
    let mut v = json!({
        "@type": "Organization",
        "name": name,
        "identifier": code,
        "industry": industry,
        "employerType": kind,
        "sizeClass": size,
    });
    if let (Some(region), Some(o)) = (region, v.as_object_mut()) {
        let locality = rd.region(region).map(|r| r.name.clone()).unwrap_or_default();
        o.insert(
            "address".into(),
            json!({"@type": "PostalAddress", "addressRegion": region, "addressLocality": locality}),
        );
    }
    v
}

/// A posting as schema.org `JobPosting` JSON-LD, without the employer's contacts.
pub fn job_posting(rd: &RefData, r: &PostingRow) -> Value {
    let p = &r.posting;
    let mut org = organisation(
        rd,
        &r.employer_name,
        &r.employer_code,
        None,
        &r.employer_industry,
        &r.employer_type,
        r.employer_size.as_deref(),
    );
    if let Some(o) = org.as_object_mut() {
        o.insert("verification".into(), json!(r.employer_verification.id()));
    }
    let salary = match (p.salary_min, p.salary_max) {
        (None, None) => Value::Null,
        (min, max) => json!({"@type": "MonetaryAmount", "currency": "CNY",
            "value": {"@type": "QuantitativeValue", "minValue": min, "maxValue": max, "unitText": "MONTH"}}),
    };
    json!({
        "@context": "https://schema.org",
        "@type": "JobPosting",
        "identifier": p.id,
        "title": p.title,
        "description": p.description,
        "datePosted": p.created_at.format("%Y-%m-%d").to_string(),
        "validThrough": p.deadline.format("%Y-%m-%d").to_string(),
        "hiringOrganization": org,
        "jobLocation": {"@type": "Place", "address": {"@type": "PostalAddress", "addressRegion": p.region_code,
            "addressLocality": rd.region(&p.region_code).map(|x| x.name.clone()).unwrap_or_default()}},
        "occupationalCategory": p.occupation,
        "educationRequirements": p.education,
        "totalJobOpenings": p.openings,
        "baseSalary": salary,
        "jobCategory": p.position_code,
        "majors": p.majors.split(',').filter(|m| !m.is_empty()).collect::<Vec<_>>(),
        "visibility": p.visibility,
        "scope": r.scope_path.rsplit('/').next().unwrap_or_default(),
    })
}

/// An employer's blacklist state as it travels.
pub fn blacklist(rd: &RefData, e: &EmployerRecord) -> Value {
    let mut v = organisation(
        rd,
        &e.name,
        &e.credit_code,
        Some(&e.region_code),
        &e.industry_code,
        &e.employer_type,
        e.size_class.as_deref(),
    );
    if let Some(o) = v.as_object_mut() {
        o.insert("blacklisted".into(), json!(e.verification == jiuye_domain::employer::Verification::Blacklisted));
        o.insert("verification".into(), json!(e.verification.id()));
    }
    v
}

/// An event as it travels (`None` for a kind this node does not know).
pub fn shared_event(r: &jiuye_store::events::EventRow) -> Option<Value> {
    let e = &r.event;
    let shared = jiuye_domain::federation::event::SharedEvent {
        id: e.id,
        kind: jiuye_domain::events::EventKind::from_id(&e.kind)?,
        theme: e.theme.clone(),
        title: e.title.clone(),
        description: e.description.clone(),
        venue: e.venue.clone(),
        online: e.online,
        stream_url: e.stream_url.clone(),
        starts_at: e.starts_at,
        ends_at: e.ends_at,
        places: i64::from(e.places),
        booths_open: e.booths_open,
        cancelled: e.cancelled_at.is_some(),
        organiser: r.org_path.rsplit('/').next().unwrap_or_default().to_owned(),
        organiser_name: r.org_name.clone(),
        organiser_path: r.org_path.clone(),
    };
    Some(shared.body())
}

/// The feed after `after` for `peer`: envelopes of the kinds this node sends it, signed with
/// `key` as `node`.
pub async fn page(
    store: &dyn Repository,
    rd: &RefData,
    node: &FederationNode,
    key: &NodeKey,
    peer: &Peer,
    after: i64,
    limit: i64,
) -> Result<FeedPage, Error> {
    let rows = store.outbox_after(after.max(0), limit.clamp(1, MAX_PAGE)).await?;
    let head = store.outbox_head().await?;
    let next = rows.last().map_or(after.max(0), |r| r.seq);
    let posting_ids: Vec<uuid::Uuid> =
        rows.iter().filter(|r| matches!(r.kind.as_str(), "posting" | "tombstone")).map(|r| r.record).collect();
    let postings: HashMap<uuid::Uuid, PostingRow> = if posting_ids.is_empty() {
        HashMap::new()
    } else {
        store.postings_by_ids(&posting_ids).await?.into_iter().map(|r| (r.posting.id, r)).collect()
    };
    let employer_ids: Vec<uuid::Uuid> = rows.iter().filter(|r| r.kind == "blacklist").map(|r| r.record).collect();
    let employers: HashMap<uuid::Uuid, EmployerRecord> =
        store.employers_by_ids(&employer_ids).await?.into_iter().map(|e| (e.id, e)).collect();
    let report_ids: Vec<uuid::Uuid> = rows.iter().filter(|r| r.kind == "aggregate").map(|r| r.record).collect();
    let reports: HashMap<uuid::Uuid, Report> =
        store.reports_by_ids(&report_ids).await?.into_iter().map(|r| (r.record, r)).collect();
    let campaigns: HashMap<uuid::Uuid, (String, String, String, i64)> = if rows.iter().any(|r| r.kind == "campaign") {
        store
            .campaigns()
            .await?
            .into_iter()
            .map(|(id, name, policy, at)| {
                (jiuye_domain::federation::campaign_record(&id), (id, name, policy, at.timestamp_millis()))
            })
            .collect()
    } else {
        HashMap::new()
    };
    let mut events: HashMap<uuid::Uuid, jiuye_store::events::EventRow> = HashMap::new();
    for r in rows.iter().filter(|r| r.kind == "event" && peer.send.contains(&Kind::Event)) {
        if !events.contains_key(&r.record)
            && let Some(row) = store.event(r.record).await?
        {
            events.insert(r.record, row);
        }
    }
    // Records received from other nodes, relayed unchanged under their origin's signature (a
    // row whose kind and version are those of a record held from elsewhere).
    let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.record).collect();
    let received: HashMap<uuid::Uuid, ReceivedRecord> =
        store.received_by_ids(&ids).await?.into_iter().map(|r| (r.record, r)).collect();
    let children: HashMap<uuid::Uuid, PeerRecord> = store
        .peers()
        .await?
        .into_iter()
        .filter(|p| p.relation == Relation::Child.id())
        .map(|p| (jiuye_domain::federation::node_key_record(&p.org_code), p))
        .collect();
    let public = key.public();
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(kind) = Kind::from_id(&row.kind) else { continue };
        if !peer.send.contains(&kind) {
            continue;
        }
        if let Some(rec) = received.get(&row.record).filter(|r| r.version == row.version && r.kind == row.kind) {
            // Relayed as received, not back to the node it came from nor to its origin.
            let to = peer.record.org_code.as_str();
            if rec.via != to
                && rec.origin != to
                && let Ok(e) = serde_json::from_str::<Envelope>(&rec.envelope)
            {
                items.push(e);
            }
            continue;
        }
        let body = match kind {
            Kind::Posting => match postings.get(&row.record) {
                Some(r) if shared(r) && r.posting.version == row.version => job_posting(rd, r),
                _ => continue,
            },
            Kind::Tombstone => {
                let status = postings.get(&row.record).map_or("deleted", |r| r.posting.status.id());
                json!({"identifier": row.record, "status": status})
            }
            Kind::Blacklist => match employers.get(&row.record) {
                Some(e) => blacklist(rd, e),
                None => continue,
            },
            // Figures as reported at this version (a later row carries a later report).
            Kind::Aggregate => match reports.get(&row.record).filter(|r| r.version == row.version) {
                Some(r) => match serde_json::from_str::<Value>(&r.body) {
                    Ok(body) => body,
                    Err(_) => continue,
                },
                None => continue,
            },
            // A campaign definition loaded here, as loaded at this version.
            Kind::Campaign => match campaigns.get(&row.record).filter(|c| c.3 == row.version) {
                Some((id, name, policy, _)) => {
                    json!({"@type": CAMPAIGN_TYPE, "id": id, "name": name, "policy": policy})
                }
                None => continue,
            },
            // An event as it stands now (each change has a later row), when it is organised
            // in this node's own subtree (a node holding demo or imported data of others does
            // not speak for them; receivers would refuse it).
            Kind::Event => match events
                .get(&row.record)
                .filter(|r| r.org_path.split('/').any(|c| c == node.org_code))
                .and_then(shared_event)
            {
                Some(body) => body,
                None => continue,
            },
            // This node vouches for a child's key (for nodes that never registered it).
            Kind::NodeKey => match children.get(&row.record) {
                Some(child) => json!({"org": child.org_code, "key": child.public_key, "url": child.base_url}),
                None => continue,
            },
        };
        let mut e = Envelope::new(kind, &node.org_code, &public, row.seq, row.record, row.version, body);
        let bytes = e.signing_bytes().map_err(|x| {
            Error::new(crate::ErrorKind::Internal, ErrorCode::InternalError, format!("canonical form: {x}"))
        })?;
        e.signature = Some(key.sign(&bytes));
        items.push(e);
    }
    Ok(FeedPage { items, next, head })
}

/// Checks a peer's signed request: a registered peer, a clock within [`CLOCK_SLACK`] of ours,
/// and its key's signature over [`jiuye_domain::federation::request_text`].
pub async fn caller(
    store: &dyn Repository,
    org: Option<&str>,
    date: Option<&str>,
    signature: Option<&str>,
    method: &str,
    path_and_query: &str,
    now: i64,
) -> Result<Peer, Error> {
    let (Some(org), Some(date), Some(signature)) = (org, date, signature) else {
        return Err(Error::new(
            crate::ErrorKind::Unauthenticated,
            ErrorCode::UnsignedRequest,
            "联邦请求须带节点签名（Jiuye-Node、Jiuye-Date、Jiuye-Signature）",
        ));
    };
    let Some(peer) = store.peer(org.trim()).await? else {
        return Err(Error::new(
            crate::ErrorKind::Unauthenticated,
            ErrorCode::UnknownPeer,
            format!("{org} 不是本节点登记的对等节点"),
        ));
    };
    check_signed(&peer.public_key, &peer.org_code, date, signature, method, path_and_query, now)?;
    Ok(peer.into())
}

/// Checks a node's signed request against `key`, the key known for `org`: a clock within
/// [`CLOCK_SLACK`] of ours and the key's signature over
/// [`jiuye_domain::federation::request_text`].
pub fn check_signed(
    key: &str,
    org: &str,
    date: &str,
    signature: &str,
    method: &str,
    path_and_query: &str,
    now: i64,
) -> Result<(), Error> {
    let at: i64 = date.trim().parse().unwrap_or(i64::MIN);
    if at.checked_sub(now).is_none_or(|d| d.abs() > CLOCK_SLACK) {
        return Err(Error::new(
            crate::ErrorKind::Unauthenticated,
            ErrorCode::InvalidSignature,
            "请求时间与本节点相差超过 5 分钟",
        ));
    }
    let text = jiuye_domain::federation::request_text(method, path_and_query, at, org);
    if !jiuye_security::signing::verify(key, text.as_bytes(), signature.trim()) {
        return Err(Error::new(
            crate::ErrorKind::Unauthenticated,
            ErrorCode::InvalidSignature,
            "请求签名与登记的节点公钥不符",
        ));
    }
    Ok(())
}
