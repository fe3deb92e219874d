//! Rosters (毕业生名单): reading an uploaded roster, checking every row against the rules of
//! `jiuye_domain::roster`, and writing it in one transaction. Reading and checking run on the
//! blocking pool: the file is untrusted and the work is CPU-bound.

use crate::ErrorCode;
use std::sync::Arc;

use jiuye_domain::roster::{ImportOutcome, RowError};
use jiuye_domain::{Org, OrgKind, RefData};
use jiuye_store::Repository;
use uuid::Uuid;

use crate::Error;

/// Why an import was refused.
#[derive(Debug)]
pub enum ImportFailure {
    /// The file itself could not be read (or is over a limit).
    File(jiuye_sheets::SheetError),
    /// Rows (or the header) failed validation; nothing was written.
    Rows(Vec<RowError>),
    Other(Error),
}

impl From<Error> for ImportFailure {
    fn from(e: Error) -> Self {
        ImportFailure::Other(e)
    }
}

/// Reads, validates and (unless `dry_run`) writes a roster for `university`. Nothing is written
/// unless every row is valid; records already in the registration workflow are left as they
/// are and reported as conflicts.
#[allow(clippy::too_many_arguments)]
pub async fn import_roster(
    store: &dyn Repository,
    refdata: &Arc<RefData>,
    university: &Org,
    cohort: i32,
    file_name: &str,
    bytes: &[u8],
    dry_run: bool,
    actor: Option<(Uuid, String)>,
    progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<ImportOutcome, ImportFailure> {
    if university.kind != OrgKind::University {
        return Err(Error::bad_input(ErrorCode::InvalidOrg, "名单只能导入到高校").into());
    }
    if !(2000..=2100).contains(&cohort) {
        return Err(Error::bad_input(ErrorCode::InvalidCohort, "届别应为四位年份").into());
    }
    let refdata = refdata.clone();
    let (name, data) = (file_name.to_owned(), bytes.to_vec());
    let validation = tokio::task::spawn_blocking(move || {
        let table = jiuye_sheets::read_table(&name, &data)?;
        Ok::<_, jiuye_sheets::SheetError>(jiuye_domain::roster::validate(
            &table,
            &jiuye_domain::roster::Context { refdata: &refdata, cohort },
        ))
    })
    .await
    .map_err(|_| Error::unavailable(ErrorCode::ImportFailed, "名单读取中断，请重试"))?
    .map_err(ImportFailure::File)?;
    if !validation.errors.is_empty() {
        return Err(ImportFailure::Rows(validation.errors));
    }
    Ok(store.import_roster(university, &validation.rows, dry_run, actor, progress).await.map_err(Error::from)?)
}

/// The organisation (code as typed) whose roster `actor` imports, and the grant that allows it
/// (managing graduates there): `400 invalid_org_code`, `404 org_not_found` or `403 forbidden`.
pub async fn import_target(
    store: &dyn Repository,
    actor: &jiuye_domain::access::Actor,
    code: &str,
) -> Result<(Org, jiuye_domain::access::ScopedGrant), Error> {
    use jiuye_domain::access::{Action, Resource};
    let org = crate::orgs::by_code(store, code).await?;
    let grant = crate::access::authorize(actor, Action::ManageGraduates, &Resource::node(&org.path, org.kind))?.clone();
    Ok((org, grant))
}
