//! Receiving envelopes from peers: the receiver's judgement ([`Judgement`]) against what this
//! node knows (the origin's registered key, what the sending peer may send, the version held),
//! then keeping the record, owned by its origin.
//!
//! A received posting is searchable here as it is (it never enters this node's own postings:
//! only its origin may change it); a tombstone takes it out; a blacklist entry hides every
//! posting of that employer, received or this node's own, until the origin lifts it.

use chrono::{DateTime, NaiveDate, Utc};
use jiuye_domain::RefData;
use jiuye_domain::employer::Verification;
use jiuye_domain::federation::activity::EventFigures;
use jiuye_domain::federation::coverage::HardshipFigures;
use jiuye_domain::federation::envelope::{Envelope, Judgement, Kind, Refusal, Verdict};
use jiuye_domain::federation::event::SharedEvent;
use jiuye_domain::federation::figures::Figures;
use jiuye_domain::federation::progress::CampaignFigures;
use jiuye_domain::posting::PostingStatus;
use jiuye_domain::{OrgCode, OrgKind};
use jiuye_store::Repository;
use jiuye_store::postings::{PostingRecord, PostingRow};
use jiuye_store::received::ReceivedRecord;
use serde_json::Value;
use uuid::Uuid;

use super::Peer;
use crate::error::Error;

/// What became of one envelope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Kept: the record is new here or newer than the one held.
    Applied,
    /// This version or a newer one is held (a replay, a late copy, or this node's own record).
    AlreadyHeld,
    /// Refused and logged; nothing changed.
    Refused(Refusal),
}

impl Outcome {
    pub fn id(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::AlreadyHeld => "already_held",
            Outcome::Refused(r) => r.id(),
        }
    }
}

/// The employer's credit code an envelope's record concerns, if any.
fn credit_code(e: &Envelope) -> Option<String> {
    let org = match e.kind {
        Kind::Posting => e.body.get("hiringOrganization")?,
        Kind::Blacklist => &e.body,
        _ => return None,
    };
    org.get("identifier").and_then(Value::as_str).map(str::to_owned)
}

/// The key a registered peer vouched for `org` (a parent's or child's `node_key` statement
/// kept here), if any.
async fn vouched_key(store: &dyn Repository, org: &str) -> Result<Option<String>, Error> {
    let id = jiuye_domain::federation::node_key_record(org);
    let Some(rec) = store.received_by_ids(&[id]).await?.into_iter().next() else { return Ok(None) };
    let Ok(statement) = serde_json::from_str::<Envelope>(&rec.envelope) else { return Ok(None) };
    // Only a statement made by a registered peer counts (not one relayed from further away).
    if store.peer(&statement.origin).await?.is_none() || text(&statement.body, &["org"]) != org {
        return Ok(None);
    }
    Ok(Some(text(&statement.body, &["key"])).filter(|k| !k.is_empty()))
}

/// The key this node knows for the node `org`: a registered peer's, else one a registered
/// peer vouched for.
pub async fn known_key(store: &dyn Repository, org: &str) -> Result<Option<String>, Error> {
    match store.peer(org).await? {
        Some(p) => Ok(Some(p.public_key)),
        None => vouched_key(store, org).await,
    }
}

/// Where the node `org` can be reached: a registered peer's base URL, else the one a
/// registered peer's statement of its key gave.
pub async fn known_url(store: &dyn Repository, org: &str) -> Result<Option<String>, Error> {
    if let Some(p) = store.peer(org).await? {
        return Ok(Some(p.base_url));
    }
    if vouched_key(store, org).await?.is_none() {
        return Ok(None);
    }
    let id = jiuye_domain::federation::node_key_record(org);
    let Some(rec) = store.received_by_ids(&[id]).await?.into_iter().next() else { return Ok(None) };
    let Ok(statement) = serde_json::from_str::<Envelope>(&rec.envelope) else { return Ok(None) };
    Ok(Some(text(&statement.body, &["url"])).filter(|u| !u.is_empty()))
}

/// Judges and keeps one envelope that came from `via`. Returns the outcome and the ids whose
/// search entries may have changed (the record, or every posting of a blacklisted employer).
pub async fn receive(
    store: &dyn Repository,
    own_org: &str,
    via: &Peer,
    e: &Envelope,
    now: DateTime<Utc>,
) -> Result<(Outcome, Vec<Uuid>), Error> {
    if e.origin == own_org {
        // This node's own record, come back through a relay.
        return Ok((Outcome::AlreadyHeld, Vec::new()));
    }
    let origin_key = if e.origin == via.record.org_code {
        Some(via.record.public_key.clone())
    } else {
        known_key(store, &e.origin).await?
    };
    let held_version = store.received_version(e.record).await?;
    let judgement = Judgement { known_key: origin_key.as_deref(), may_send: &via.receive, held_version };
    match judgement.judge(e, jiuye_security::signing::verify) {
        Verdict::Refuse(r) => {
            tracing::warn!(peer = %via.record.org_code, origin = %e.origin, seq = e.seq, record = %e.record,
                refusal = r.id(), "federation envelope refused");
            return Ok((Outcome::Refused(r), Vec::new()));
        }
        Verdict::AlreadyHeld => return Ok((Outcome::AlreadyHeld, Vec::new())),
        Verdict::Apply => {}
    }
    // Figures (placement counts or campaign progress) count an organisation in the origin's own
    // subtree and add up; they are filed under its path and a cohort.
    let filed = match e.kind {
        Kind::Aggregate => match filed_as(&e.body) {
            Some((path, cohort)) if path.split('/').any(|c| c == e.origin) => Some((path, cohort)),
            _ => {
                tracing::warn!(peer = %via.record.org_code, origin = %e.origin, record = %e.record,
                    "federation figures refused: inconsistent counts or outside the origin");
                return Ok((Outcome::Refused(Refusal::Malformed), Vec::new()));
            }
        },
        _ => None,
    };
    if e.kind == Kind::Campaign {
        return keep_campaign(store, via, e, now).await;
    }
    // An event is filed under its organiser, who must be in the origin's subtree.
    let filed = match e.kind {
        Kind::Event => match SharedEvent::from_body(e.record, &e.body) {
            Some(ev) if ev.organiser_path.split('/').any(|c| c == e.origin) => Some((ev.organiser_path, None)),
            _ => {
                tracing::warn!(peer = %via.record.org_code, origin = %e.origin, record = %e.record,
                    "federation event refused: inconsistent or organised outside the origin");
                return Ok((Outcome::Refused(Refusal::Malformed), Vec::new()));
            }
        },
        _ => filed.map(|(path, cohort)| (path, Some(cohort))),
    };
    let rec = record_of(e, via, filed, now)?;
    let code = rec.credit_code.clone();
    if !store.put_received(&rec).await? {
        return Ok((Outcome::AlreadyHeld, Vec::new()));
    }
    let touched = match (e.kind, code) {
        (Kind::Blacklist, Some(code)) => {
            let mut ids = store.received_postings_of(&code).await?;
            if let Some(local) = store.employer(&code).await? {
                ids.extend(store.postings_of_employer(local.id).await?.into_iter().map(|r| r.posting.id));
            }
            ids
        }
        (Kind::Aggregate | Kind::Event, _) => Vec::new(),
        _ => vec![e.record],
    };
    Ok((Outcome::Applied, touched))
}

/// A campaign definition from above, already judged: kept and loaded (replacing the definition
/// received before under the same id) when its policy parses and names the campaign the record
/// is for. A campaign of that id that this node loaded itself stays, and the definition is
/// acknowledged without being kept.
async fn keep_campaign(
    store: &dyn Repository,
    via: &Peer,
    e: &Envelope,
    now: DateTime<Utc>,
) -> Result<(Outcome, Vec<Uuid>), Error> {
    let text = |k: &str| e.body.get(k).and_then(Value::as_str);
    let parsed = match (text("id"), text("policy")) {
        (Some(id), Some(policy)) => jiuye_domain::campaign::Campaign::parse(policy)
            .ok()
            .filter(|c| c.id == id && e.record == jiuye_domain::federation::campaign_record(id))
            .map(|c| (c, policy)),
        _ => None,
    };
    let Some((c, policy)) = parsed else {
        tracing::warn!(peer = %via.record.org_code, origin = %e.origin, record = %e.record,
            "federation campaign refused: not a policy for the campaign it names");
        return Ok((Outcome::Refused(Refusal::Malformed), Vec::new()));
    };
    let loaded_here = store.campaigns().await?.iter().any(|(id, ..)| *id == c.id);
    if loaded_here && store.received_version(e.record).await?.is_none() {
        tracing::info!(peer = %via.record.org_code, origin = %e.origin, campaign = %c.id,
            "federation campaign not loaded: this node loaded its own campaign with that id");
        return Ok((Outcome::AlreadyHeld, Vec::new()));
    }
    let rec = record_of(e, via, None, now)?;
    if !store.put_received_campaign(&rec, (&c.id, &c.name, policy)).await? {
        return Ok((Outcome::AlreadyHeld, Vec::new()));
    }
    tracing::info!(origin = %e.origin, campaign = %c.id, version = e.version, "federation campaign loaded");
    Ok((Outcome::Applied, Vec::new()))
}

/// Where a consistent aggregate body is filed: the path of the organisation it counts and its
/// cohort (`None` for any other body).
fn filed_as(body: &Value) -> Option<(String, i32)> {
    if let Some((f, _)) = Figures::from_body(body) {
        return Some((f.path, f.cohort));
    }
    if let Some((f, _)) = HardshipFigures::from_body(body) {
        return Some((f.path, f.cohort));
    }
    if let Some((f, _)) = EventFigures::from_body(body) {
        return Some((f.path, f.cohort));
    }
    CampaignFigures::from_body(body).map(|(f, _)| (f.path, f.cohort))
}

/// The row an applied envelope is kept as.
fn record_of(
    e: &Envelope,
    via: &Peer,
    filed: Option<(String, Option<i32>)>,
    now: DateTime<Utc>,
) -> Result<ReceivedRecord, Error> {
    let envelope = serde_json::to_string(e)
        .map_err(|x| Error::new(crate::ErrorKind::Internal, crate::ErrorCode::InternalError, x.to_string()))?;
    Ok(ReceivedRecord {
        record: e.record,
        kind: e.kind.id().to_owned(),
        origin: e.origin.clone(),
        via: via.record.org_code.clone(),
        seq: e.seq,
        version: e.version,
        credit_code: credit_code(e),
        blacklisted: e.kind == Kind::Blacklist && e.body.get("blacklisted").and_then(Value::as_bool) == Some(true),
        cohort: filed.as_ref().and_then(|(_, c)| *c),
        subject: filed.map(|(p, _)| p),
        envelope,
        received_at: now,
    })
}

/// What a batch of envelopes came to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Batch {
    pub applied: u64,
    pub already_held: u64,
    pub refused: u64,
    /// Records whose search entries may have changed.
    pub touched: Vec<Uuid>,
}

impl Batch {
    fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Applied => self.applied += 1,
            Outcome::AlreadyHeld => self.already_held += 1,
            Outcome::Refused(_) => self.refused += 1,
        }
    }
}

/// Judges and keeps each of `items` (envelopes as JSON) that came from `via`, in order; an item
/// that is not an envelope at all is refused as malformed.
pub async fn receive_all(
    store: &dyn Repository,
    own_org: &str,
    via: &Peer,
    items: Vec<Value>,
    now: DateTime<Utc>,
) -> Result<Batch, Error> {
    let envelopes: Vec<Option<Envelope>> = items.into_iter().map(|i| serde_json::from_value(i).ok()).collect();
    // Postings and tombstones signed by the sending peer itself are judged against the versions
    // held before the batch and kept together, in one transaction; anything else (relayed from
    // further away, blacklists, keys, figures) one by one, once what came before it is kept.
    let together = |e: &Envelope| {
        e.origin == via.record.org_code && e.origin != own_org && matches!(e.kind, Kind::Posting | Kind::Tombstone)
    };
    let ids: Vec<Uuid> = envelopes.iter().flatten().filter(|e| together(e)).map(|e| e.record).collect();
    let held = store.received_versions(&ids).await?;
    let mut out = Batch::default();
    let mut pending = Vec::new();
    for e in envelopes {
        let Some(e) = e else {
            out.refused += 1;
            continue;
        };
        if !together(&e) {
            keep(store, &mut pending, &mut out).await?;
            let (outcome, touched) = receive(store, own_org, via, &e, now).await?;
            out.count(outcome);
            out.touched.extend(touched);
            continue;
        }
        let judgement = Judgement {
            known_key: Some(via.record.public_key.as_str()),
            may_send: &via.receive,
            held_version: held.get(&e.record).copied(),
        };
        match judgement.judge(&e, jiuye_security::signing::verify) {
            Verdict::Refuse(r) => {
                tracing::warn!(peer = %via.record.org_code, origin = %e.origin, seq = e.seq, record = %e.record,
                    refusal = r.id(), "federation envelope refused");
                out.count(Outcome::Refused(r));
            }
            Verdict::AlreadyHeld => out.count(Outcome::AlreadyHeld),
            Verdict::Apply => pending.push(record_of(&e, via, None, now)?),
        }
    }
    keep(store, &mut pending, &mut out).await?;
    Ok(out)
}

/// Keeps the `pending` records in one transaction and counts them.
async fn keep(store: &dyn Repository, pending: &mut Vec<ReceivedRecord>, out: &mut Batch) -> Result<(), Error> {
    if pending.is_empty() {
        return Ok(());
    }
    let kept = store.put_received_all(pending).await?;
    for (rec, kept) in pending.drain(..).zip(kept) {
        if kept {
            out.count(Outcome::Applied);
            out.touched.push(rec.record);
        } else {
            out.count(Outcome::AlreadyHeld);
        }
    }
    Ok(())
}

/// A posting received from another node, as a row, if this node holds it (not tombstoned) and
/// has a place for it.
pub async fn posting(store: &dyn Repository, rd: &RefData, id: Uuid) -> Result<Option<PostingRow>, Error> {
    let recs = store.received_by_ids(&[id]).await?;
    Ok(posting_rows(store, rd, &recs).await?.into_iter().next())
}

/// A stable id for something known here only by a code (a received posting's employer or
/// origin node): the same code gives the same id on every node.
fn id_for(space: &str, code: &str) -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_OID, format!("jiuye:{space}:{code}").as_bytes())
}

fn text(v: &Value, path: &[&str]) -> String {
    path.iter().try_fold(v, |v, k| v.get(*k)).and_then(Value::as_str).unwrap_or_default().to_owned()
}

fn int(v: &Value, path: &[&str]) -> Option<i64> {
    path.iter().try_fold(v, |v, k| v.get(*k)).and_then(Value::as_i64)
}

/// Where a received posting appears on this node: the organisation its scope names when this
/// node knows it, else the nation for a nation-wide posting; `None` when it has no place here.
pub async fn place(store: &dyn Repository, body: &Value) -> Result<Option<(Uuid, String)>, Error> {
    let scope = text(body, &["scope"]);
    if let Ok(code) = OrgCode::parse(&scope)
        && let Some(org) = store.org_by_code(&code).await?
        && matches!(org.kind, OrgKind::Nation | OrgKind::Province | OrgKind::Alliance)
    {
        return Ok(Some((org.id, org.path)));
    }
    if text(body, &["visibility"]) == "nation"
        && let Ok(code) = OrgCode::parse(OrgCode::NATION)
        && let Some(org) = store.org_by_code(&code).await?
    {
        return Ok(Some((org.id, org.path)));
    }
    Ok(None)
}

/// The received postings among `recs` as rows (see [`posting_row`]), an employer some node
/// blacklisted marked so; those without a place here, or unreadable, are left out.
pub async fn posting_rows(
    store: &dyn Repository,
    rd: &RefData,
    recs: &[ReceivedRecord],
) -> Result<Vec<PostingRow>, Error> {
    let mut places: std::collections::HashMap<(String, String), Option<(Uuid, String)>> = Default::default();
    let mut urls: std::collections::HashMap<String, Option<String>> = Default::default();
    let blacklisted: std::collections::HashSet<String> = store.blacklisted_elsewhere().await?.into_iter().collect();
    let mut rows = Vec::with_capacity(recs.len());
    for rec in recs.iter().filter(|r| r.kind == "posting") {
        let Ok(e) = serde_json::from_str::<Envelope>(&rec.envelope) else { continue };
        if !urls.contains_key(&rec.origin) {
            let url = known_url(store, &rec.origin).await?;
            urls.insert(rec.origin.clone(), url);
        }
        let origin_url = urls.get(&rec.origin).cloned().flatten();
        let key = (text(&e.body, &["scope"]), text(&e.body, &["visibility"]));
        let spot = match places.get(&key) {
            Some(p) => p.clone(),
            None => {
                let p = place(store, &e.body).await?;
                places.insert(key, p.clone());
                p
            }
        };
        if let Some(spot) = spot
            && let Some(mut row) = posting_row(rd, rec, &e, spot, origin_url.as_deref())
        {
            if blacklisted.contains(&row.employer_code) {
                row.employer_verification = Verification::Blacklisted;
            }
            rows.push(row);
        }
    }
    Ok(rows)
}

/// A received posting as this node's search and pages read a posting: approved, owned by its
/// origin, without contact (it stays at the origin); the way to apply is at the origin's
/// address (`origin_url`, when this node knows it: see [`known_url`]). `None` when the record is not
/// a posting or its body cannot be read.
pub fn posting_row(
    rd: &RefData,
    rec: &ReceivedRecord,
    e: &Envelope,
    place: (Uuid, String),
    origin_url: Option<&str>,
) -> Option<PostingRow> {
    if rec.kind != "posting" {
        return None;
    }
    let b = &e.body;
    let org = b.get("hiringOrganization")?;
    let date = |k: &str| NaiveDate::parse_from_str(&text(b, &[k]), "%Y-%m-%d").ok();
    let deadline = date("validThrough")?;
    let created_at = date("datePosted").and_then(|d| d.and_hms_opt(0, 0, 0)).map_or(rec.received_at, |d| d.and_utc());
    let majors: Vec<String> = b
        .get("majors")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    let credit = text(org, &["identifier"]);
    let region = text(b, &["jobLocation", "address", "addressRegion"]);
    // A place of work this node's region table does not know cannot be shown or filtered.
    rd.region(&region)?;
    let posting = PostingRecord {
        id: rec.record,
        employer_id: id_for("employer", &credit),
        title: text(b, &["title"]),
        description: text(b, &["description"]),
        region_code: region,
        position_code: text(b, &["jobCategory"]),
        education: text(b, &["educationRequirements"]),
        majors: majors.join(","),
        openings: int(b, &["totalJobOpenings"]).unwrap_or(1),
        salary_min: int(b, &["baseSalary", "value", "minValue"]),
        salary_max: int(b, &["baseSalary", "value", "maxValue"]),
        deadline,
        contact: String::new(),
        apply_method: match origin_url {
            Some(url) => format!("由 {} 节点发布，请到原发布平台投递：{url}/postings/{}", rec.origin, rec.record),
            None => format!("由 {} 节点发布，请到原发布平台投递", rec.origin),
        },
        visibility: text(b, &["visibility"]),
        scope_org_id: place.0,
        specials: String::new(),
        status: PostingStatus::Approved,
        risk_level: "low".into(),
        risk_reasons: "[]".into(),
        reviewed_by: None,
        reviewed_at: None,
        review_note: None,
        created_by: Uuid::nil(),
        created_at,
        updated_at: rec.received_at,
        origin_node: id_for("node", &rec.origin),
        version: rec.version,
        occupation: Some(text(b, &["occupationalCategory"])).filter(|o| !o.is_empty()),
    };
    Some(PostingRow {
        posting,
        scope_path: place.1,
        employer_name: text(org, &["name"]),
        employer_code: credit,
        report_count: 0,
        employer_verification: Verification::from_id(&text(org, &["verification"])).unwrap_or(Verification::Unverified),
        employer_type: text(org, &["employerType"]),
        employer_industry: text(org, &["industry"]),
        employer_size: Some(text(org, &["sizeClass"])).filter(|s| !s.is_empty()),
        recheck_at: None,
    })
}
