//! Importing the ledger from a spreadsheet (the template below): one row per graduate, checked
//! row by row; nothing is written unless every row is right, and then every file is opened in one
//! transaction. Imported files start without the graduate's consent (`pending`), so only the
//! ledger keepers see them until the graduate consents.

use chrono::Utc;
use jiuye_domain::access::{self, Action, Actor, Resource, ScopedGrant};
use jiuye_domain::hardship::{self, CaseState, Consent, PlanState, Subsidy, Training};
use jiuye_domain::roster::RowError;
use jiuye_domain::{Org, OrgKind};
use jiuye_store::hardship::FileRecord;

use super::{CONSENT, Hardship, PROFILE};
use crate::rosters::ImportFailure;
use crate::sealing;
use crate::{Error, ErrorCode, ErrorKind};

/// The template's columns, in order: 学号, categories (several separated by 、 , ; or spaces),
/// disability kind, evidence, what the evidence is, whether it was checked (是/否), the helper's
/// username, 宏志助航 training (未报名/已报名/已结业).
pub const TEMPLATE_COLUMNS: [&str; 8] =
    ["学号", "困难类别", "残疾类型", "证明材料", "材料说明", "已核实", "帮扶责任人账号", "宏志助航培训"];

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportOutcome {
    pub opened: usize,
}

/// The template with one example row.
pub fn template_xlsx() -> Result<Vec<u8>, jiuye_sheets::SheetError> {
    let example = ["2019141460001", "低保家庭、残疾", "肢体残疾", "残疾人证", "证号已登记", "是", "", "已报名"];
    jiuye_sheets::write_xlsx(&[jiuye_sheets::Sheet {
        name: "帮扶台账".into(),
        headers: TEMPLATE_COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
        rows: vec![example.iter().map(|c| jiuye_sheets::Cell::Text((*c).to_owned())).collect()],
    }])
}

fn yes_no(s: &str) -> Option<bool> {
    match s.trim() {
        "是" | "Y" | "y" | "yes" | "1" | "已核实" => Some(true),
        "" | "否" | "N" | "n" | "no" | "0" | "未核实" => Some(false),
        _ => None,
    }
}

impl Hardship<'_> {
    /// The university whose ledger `actor` keeps: the one named by `org` (a code), or their own.
    pub async fn ledger_university(&self, actor: &Actor, org: Option<&str>) -> Result<(Org, ScopedGrant), Error> {
        let code = match org.map(str::trim).filter(|o| !o.is_empty()) {
            Some(code) => code.to_owned(),
            None => {
                let scope = access::scope_paths(actor, Action::KeepLedger);
                let first = scope.first().ok_or_else(Error::forbidden)?;
                first.rsplit('/').next().unwrap_or_default().to_owned()
            }
        };
        let org = crate::orgs::by_code(self.store, &code).await?;
        let grant = crate::access::authorize(actor, Action::KeepLedger, &Resource::at(&org.path))?.clone();
        if org.kind != OrgKind::University {
            return Err(Error::bad_input(ErrorCode::InvalidOrg, "帮扶台账按高校导入，请选择高校"));
        }
        Ok((org, grant))
    }

    /// Imports the ledger rows of `bytes` (an .xlsx or .csv named `file_name`) into the ledger of
    /// `university`. Every row is checked first; any error refuses the whole file, naming the
    /// row and the column.
    pub async fn import(
        &self,
        actor: &Actor,
        university: &Org,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<ImportOutcome, ImportFailure> {
        let (name, data) = (file_name.to_owned(), bytes.to_vec());
        let table = tokio::task::spawn_blocking(move || jiuye_sheets::read_table(&name, &data))
            .await
            .map_err(|_| Error::unavailable(ErrorCode::ImportFailed, "台账读取中断，请重试"))?
            .map_err(ImportFailure::File)?;
        let mut errors = Vec::new();
        let mut at = [None; TEMPLATE_COLUMNS.len()];
        for (k, col) in TEMPLATE_COLUMNS.iter().enumerate() {
            at[k] = table.headers.iter().position(|h| h.trim() == *col);
            if at[k].is_none() && k < 2 {
                errors.push(RowError { row: 1, column: (*col).to_owned(), reason: "缺少必填列".into() });
            }
        }
        if table.rows.is_empty() {
            errors.push(RowError { row: 2, column: String::new(), reason: "文件中没有数据行".into() });
        }
        if !errors.is_empty() {
            return Err(ImportFailure::Rows(errors));
        }
        let now = Utc::now();
        let mut files: Vec<FileRecord> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (i, cells) in table.rows.iter().enumerate() {
            let line = i + 2;
            let cell = |k: usize| at[k].and_then(|c| cells.get(c)).map(|s| s.trim()).unwrap_or("");
            let mut err = |k: usize, reason: String| {
                errors.push(RowError { row: line, column: TEMPLATE_COLUMNS[k].to_owned(), reason });
            };
            let no = cell(0);
            let Some(g) = (if no.is_empty() {
                None
            } else {
                self.store.graduate_by_student_no(university.id, no).await.map_err(Error::from)?
            }) else {
                err(0, format!("本校没有学号为“{no}”的毕业生"));
                continue;
            };
            if !seen.insert(g.id) {
                err(0, "同一学号在文件中出现两次".into());
                continue;
            }
            if self.store.hardship_file(g.id, &self.today.to_string()).await.map_err(Error::from)?.is_some() {
                err(0, "该毕业生已有帮扶档案，请在档案页修改".into());
                continue;
            }
            let categories: Vec<String> = cell(1)
                .split(['、', ',', '，', ';', '；', ' '])
                .filter(|c| !c.trim().is_empty())
                .map(str::to_owned)
                .collect();
            let evidence = cell(3);
            let profile = match hardship::check_profile(&categories, Some(cell(2)), evidence, cell(4)) {
                Ok(p) => p,
                Err(e) => {
                    let k = match e {
                        hardship::HardshipError::Disability => 2,
                        hardship::HardshipError::Evidence => 3,
                        hardship::HardshipError::TooLong(_) => 4,
                        _ => 1,
                    };
                    err(k, e.message());
                    continue;
                }
            };
            let Some(verified) = yes_no(cell(5)) else {
                err(5, "请填“是”或“否”".into());
                continue;
            };
            let helper = match cell(6) {
                "" => None,
                name => {
                    let path = self.store.org_position(g.programme_id).await.map_err(Error::from)?.map(|p| p.2);
                    match self.helper(name, path.as_deref().unwrap_or_default()).await {
                        Ok(id) => Some(id),
                        Err(e) if e.kind == ErrorKind::Unprocessable => {
                            err(6, e.message);
                            continue;
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            };
            let training = match cell(7) {
                "" => Training::None,
                t => match Training::parse(t) {
                    Some(t) => t,
                    None => {
                        err(7, "请填“未报名”“已报名”或“已结业”".into());
                        continue;
                    }
                },
            };
            let seal = |place, text: &str| sealing::seal_text(self.keys, place, g.id, text);
            files.push(FileRecord {
                graduate_id: g.id,
                profile: seal(PROFILE, &profile.encode())?,
                consent: seal(CONSENT, Consent::Pending.id())?,
                verified_by: verified.then_some(actor.user_id),
                verified_on: verified.then_some(self.today),
                plan: None,
                plan_state: PlanState::None.id().into(),
                plan_approved_by: None,
                helper_id: helper,
                training: training.id().into(),
                subsidy: Subsidy::None.id().into(),
                subsidy_yuan: None,
                case_state: CaseState::Open.id().into(),
                closed_on: None,
                source: "import".into(),
                version: 1,
                created_by: actor.user_id,
                created_at: now,
                updated_at: now,
            });
        }
        if !errors.is_empty() {
            return Err(ImportFailure::Rows(errors));
        }
        if !self.store.insert_hardship_files(&files).await.map_err(Error::from)? {
            return Err(Error::new(
                ErrorKind::Conflict,
                ErrorCode::VersionConflict,
                "导入期间有档案被他人建立，请重新导入",
            )
            .into());
        }
        Ok(ImportOutcome { opened: files.len() })
    }
}
