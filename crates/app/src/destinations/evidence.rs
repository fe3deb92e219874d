//! Evidence files of a destination record: PDF, JPG or PNG recognised by their content, at
//! most 5 MB, kept sealed in the node's file directory under random names (bound to their
//! evidence row) and read back by those who may see the graduate (every read logged).

use chrono::Utc;
use jiuye_domain::access::{Action, Actor};
use jiuye_domain::destination::ProofKind;
use jiuye_domain::read_log::ReadKind;
use jiuye_store::Repository;
use jiuye_store::destinations::EvidenceRecord;
use uuid::Uuid;

use super::{allowed, visible_graduate};
use crate::files::{self, Files};
use crate::read_log::Reads;
use crate::sealing::EVIDENCE_FILE;
use crate::{Error, ErrorCode};

/// An evidence file with its bytes.
#[derive(Clone, Debug)]
pub struct EvidenceFile {
    pub record: EvidenceRecord,
    pub bytes: Vec<u8>,
}

/// Attaches an evidence file of proof `kind` to a graduate's record, for those who may register
/// it; the bytes are kept sealed in `files` and the name as uploaded is kept only for downloads.
pub async fn add(
    store: &dyn Repository,
    actor: &Actor,
    files: &Files<'_>,
    id: Uuid,
    kind: &str,
    file_name: &str,
    bytes: &[u8],
) -> Result<EvidenceRecord, Error> {
    let g = visible_graduate(store, actor, id).await?;
    allowed(actor, Action::RegisterDestination, &g)?;
    let content_type =
        files::accept(bytes, |_| true, "证明材料不能超过 5 MB", "只接受 PDF、JPG 或 PNG 文件（按文件内容判断）")?;
    let kind = ProofKind::from_id(kind)
        .ok_or_else(|| Error::bad_input(ErrorCode::InvalidKind, format!("证明材料类型“{kind}”无效")))?;
    let evidence_id = Uuid::now_v7();
    let stored = files.save(EVIDENCE_FILE, evidence_id, bytes).await?;
    let original: String = file_name.chars().filter(|c| !c.is_control() && *c != '/' && *c != '\\').take(120).collect();
    let record = EvidenceRecord {
        id: evidence_id,
        graduate_id: id,
        org_id: g.graduate.org_id,
        kind: kind.id().into(),
        stored_name: stored,
        original_name: if original.is_empty() { "证明材料".into() } else { original },
        content_type: content_type.into(),
        size_bytes: bytes.len() as i64,
        sha256: jiuye_security::sha256_hex(bytes),
        uploaded_by: Some(actor.user_id),
        uploaded_at: Utc::now(),
    };
    if let Err(e) = store.add_evidence(&record).await {
        files.discard(&record.stored_name).await;
        return Err(e.into());
    }
    Ok(record)
}

/// An evidence file, for those who may see its graduate; `404 evidence_not_found` otherwise,
/// as for a missing one or one whose bytes are gone; `409 storage_corrupt` when the file kept
/// does not open for this evidence row.
pub async fn read(
    store: &dyn Repository,
    actor: &Actor,
    files: &Files<'_>,
    id: Uuid,
    reads: Reads<'_>,
) -> Result<EvidenceFile, Error> {
    let missing = || Error::not_found(ErrorCode::EvidenceNotFound, "找不到该证明材料");
    let record = store.evidence(id).await?.ok_or_else(missing)?;
    let g = visible_graduate(store, actor, record.graduate_id).await.map_err(|_| missing())?;
    let bytes = files.read(EVIDENCE_FILE, record.id, &record.stored_name).await?.ok_or_else(missing)?;
    reads.graduate(actor, ReadKind::Evidence, g.graduate.id, &g.programme_path, Some(format!("evidence:{id}"))).await?;
    Ok(EvidenceFile { record, bytes })
}
