//! Coverage of the ledger (帮扶覆盖): for a university, each college (or a province, each
//! university), how many of the ledger's graduates have a verified file, an approved plan, a
//! helper, three recommended postings, a recent contact, the training, the subsidy, a
//! destination — and, behind each figure, who is missing it, named only where the reader may
//! read the file.

use jiuye_domain::Org;
use jiuye_domain::access::{self, Action, Actor, HardshipReason, Resource};
use jiuye_domain::hardship::{self, Category, Line, Standing};
use jiuye_domain::read_log::ReadKind;
use jiuye_store::hardship::FileRow;
use uuid::Uuid;

use super::{Hardship, placed};
use crate::Error;
use crate::read_log::{Read, Reads};

/// The figures of one subtree.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Graduates in the ledger (every file, whatever its consent).
    pub total: i64,
    /// How many have each line, in `Line::ALL` order.
    pub lines: Vec<(Line, i64)>,
    /// How many are in each category (a graduate in two categories counts in both).
    pub categories: Vec<(Category, i64)>,
}

/// One organisation's figures.
#[derive(Clone, Debug)]
pub struct CoverageNode {
    pub code: String,
    pub name: String,
    pub path: String,
    pub counts: Counts,
}

/// The coverage of an organisation and of its children one level down.
#[derive(Clone, Debug)]
pub struct Coverage {
    pub cohort: i32,
    /// Only the graduates of this category, when given.
    pub category: Option<Category>,
    /// Whether the reader sees exact counts (otherwise 1–4 show as "<5").
    pub exact: bool,
    /// Whether the figures may link to names (the university's own staff).
    pub named: bool,
    pub node: CoverageNode,
    pub children: Vec<CoverageNode>,
}

/// A graduate missing a line, whom the reader may name.
#[derive(Clone, Debug)]
pub struct MissingItem {
    pub graduate_id: Uuid,
    pub student_no: String,
    pub name: String,
    pub college_name: String,
}

/// A file waiting for someone, and what it waits for.
#[derive(Clone, Debug)]
pub struct PendingItem {
    pub graduate_id: Uuid,
    pub student_no: String,
    pub name: String,
    pub college_name: String,
    pub what: &'static str,
}

/// The graduates missing a line: those the reader may name, and how many others.
#[derive(Clone, Debug)]
pub struct Missing {
    pub line: Line,
    pub org: CoverageNode,
    pub named: Vec<MissingItem>,
    pub unnamed: i64,
}

/// A file's standing and categories.
struct Counted {
    path: String,
    standing: Standing,
    categories: Vec<Category>,
}

fn tally(rows: &[&Counted], today: chrono::NaiveDate) -> Counts {
    let lines = Line::ALL
        .into_iter()
        .map(|l| (l, rows.iter().filter(|r| hardship::has(&r.standing, l, today)).count() as i64))
        .collect();
    let categories =
        Category::ALL.iter().map(|c| (*c, rows.iter().filter(|r| r.categories.contains(c)).count() as i64)).collect();
    Counts { total: rows.len() as i64, lines, categories }
}

/// What a file's row says of its standing (nothing sealed is read).
fn standing_of(row: &FileRow) -> Standing {
    let f = &row.file;
    Standing {
        verified: f.verified_by.is_some(),
        plan: hardship::PlanState::from_id(&f.plan_state),
        helper: f.helper_id.is_some(),
        recommended: row.recommended,
        last_contact: row.last_contact,
        training: hardship::Training::from_id(&f.training),
        subsidy: hardship::Subsidy::from_id(&f.subsidy),
        placed: placed(&row.dest_status, row.dest_code.as_deref()),
    }
}

/// How many files `rows` are, and how many have each line on `today` (categories are sealed and
/// not read): the figures a node reports upward.
pub(crate) fn line_counts(rows: &[FileRow], today: chrono::NaiveDate) -> (i64, Vec<(Line, i64)>) {
    let standings: Vec<Standing> = rows.iter().map(standing_of).collect();
    let lines = Line::ALL
        .into_iter()
        .map(|l| (l, standings.iter().filter(|s| hardship::has(s, l, today)).count() as i64))
        .collect();
    (rows.len() as i64, lines)
}

impl Hardship<'_> {
    fn standing(&self, row: &FileRow) -> Result<Counted, Error> {
        Ok(Counted {
            path: row.programme_path.clone(),
            standing: standing_of(row),
            categories: self.profile_of(&row.file)?.categories(),
        })
    }

    /// The organisation asked about (its code, inside the caller's coverage scope), or the
    /// caller's first.
    async fn coverage_org(&self, actor: &Actor, org: Option<&str>) -> Result<Org, Error> {
        let scope = access::scope_paths(actor, Action::ViewHardshipCoverage);
        let code = match org.map(str::trim).filter(|o| !o.is_empty()) {
            Some(code) => code.to_owned(),
            None => {
                let first = scope.first().ok_or_else(Error::forbidden)?;
                first.rsplit('/').next().unwrap_or_default().to_owned()
            }
        };
        let org = crate::orgs::by_code(self.store, &code).await?;
        crate::access::authorize(actor, Action::ViewHardshipCoverage, &Resource::at(&org.path))?;
        Ok(org)
    }

    async fn counted_under(&self, org: &Org, cohort: i32) -> Result<(Vec<FileRow>, Vec<Counted>), Error> {
        let rows = self
            .store
            .hardship_files_under(std::slice::from_ref(&org.path), Some(cohort), &self.today.to_string())
            .await?;
        let counted = rows.iter().map(|r| self.standing(r)).collect::<Result<Vec<_>, _>>()?;
        Ok((rows, counted))
    }

    /// The graduates of `cohort` under `paths` in the ledger whom `actor` may read the file of
    /// and whose open case has no approved plan (the follow-up flag).
    pub async fn without_plan(
        &self,
        actor: &Actor,
        paths: &[String],
        cohort: Option<i32>,
    ) -> Result<std::collections::HashSet<Uuid>, Error> {
        let rows = self.store.hardship_files_under(paths, cohort, &self.today.to_string()).await?;
        let mut out = std::collections::HashSet::new();
        for row in rows {
            let f = &row.file;
            if f.plan_state == hardship::PlanState::Approved.id() || f.case_state == hardship::CaseState::Closed.id() {
                continue;
            }
            if self.reader(actor, &row)?.is_some_and(|(r, _)| r != HardshipReason::Own) {
                out.insert(f.graduate_id);
            }
        }
        Ok(out)
    }

    /// What waits for `actor` in the ledger of `cohort`, in 学号 order: for a ledger keeper,
    /// plans submitted, closures asked for and subsidies applied for; for a counselor or college
    /// leader, the consented files of their graduates without an approved plan. `None` for
    /// everyone else. Nothing is logged (the caller logs a list it shows).
    async fn pending_rows(&self, actor: &Actor, cohort: i32) -> Result<Option<Vec<PendingItem>>, Error> {
        let keeps = access::scope_paths(actor, Action::KeepLedger);
        let helps = access::scope_paths(actor, Action::HelpHardship);
        if keeps.is_empty() && helps.is_empty() {
            return Ok(None);
        }
        let paths: Vec<String> = keeps.iter().chain(&helps).cloned().collect();
        let rows = self.store.hardship_files_under(&paths, Some(cohort), &self.today.to_string()).await?;
        let mut out = Vec::new();
        for row in rows {
            let f = &row.file;
            let kept = keeps.iter().any(|k| access::within(&row.programme_path, k));
            let waits = if kept {
                if f.plan_state == hardship::PlanState::Submitted.id() {
                    Some("方案待审批")
                } else if f.case_state == hardship::CaseState::Closing.id() {
                    Some("申请结案")
                } else if f.subsidy == hardship::Subsidy::Applied.id() {
                    Some("补贴待审核")
                } else {
                    None
                }
            } else {
                let no_plan = f.plan_state != hardship::PlanState::Approved.id()
                    && f.case_state != hardship::CaseState::Closed.id();
                let reads = self.reader(actor, &row)?.is_some_and(|(r, _)| r == HardshipReason::College);
                (no_plan && reads).then_some("尚无获批帮扶方案")
            };
            if let Some(what) = waits {
                out.push(PendingItem {
                    graduate_id: f.graduate_id,
                    student_no: row.student_no,
                    name: row.name,
                    college_name: row.college_name,
                    what,
                });
            }
        }
        Ok(Some(out))
    }

    /// How many files wait for `actor` (the workbench count); `None` for those who have none to
    /// work on.
    pub async fn pending_count(&self, actor: &Actor, cohort: i32) -> Result<Option<i64>, Error> {
        Ok(self.pending_rows(actor, cohort).await?.map(|v| v.len() as i64))
    }

    /// The files waiting for `actor` (`403` for those who have none to work on); the list read
    /// is logged.
    pub async fn pending(&self, actor: &Actor, cohort: i32, reads: Reads<'_>) -> Result<Vec<PendingItem>, Error> {
        let items = self.pending_rows(actor, cohort).await?.ok_or_else(Error::forbidden)?;
        if !items.is_empty() {
            let scope = access::scope_paths(actor, Action::KeepLedger);
            let scope = if scope.is_empty() { access::scope_paths(actor, Action::HelpHardship) } else { scope };
            let path = scope.first().cloned();
            let read = Read {
                kind: ReadKind::Hardship,
                subject_id: None,
                subject_path: path.clone(),
                filter: Some(format!("pending cohort={cohort}")),
                rows: items.len() as i64,
            };
            let grant =
                path.as_deref().and_then(|p| access::can(actor, Action::ViewHardshipCoverage, &Resource::at(p)));
            reads.note(actor, grant, read).await?;
        }
        Ok(items)
    }

    /// Every file of `cohort` in the ledger of the university the caller keeps (`org`, or their
    /// own), opened, in 学号 order: the export. Ledger keepers only; the read is logged with the
    /// number of files.
    pub async fn export(
        &self,
        actor: &Actor,
        org: Option<&str>,
        cohort: i32,
        reads: Reads<'_>,
    ) -> Result<Vec<super::FileView>, Error> {
        let (uni, grant) = self.ledger_university(actor, org).await?;
        let rows = self
            .store
            .hardship_files_under(std::slice::from_ref(&uni.path), Some(cohort), &self.today.to_string())
            .await?;
        let read = Read {
            kind: ReadKind::Hardship,
            subject_id: None,
            subject_path: Some(uni.path.clone()),
            filter: Some(format!("export cohort={cohort}")),
            rows: rows.len() as i64,
        };
        reads.note(actor, Some(&grant), read).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(self.view(row, HardshipReason::LedgerKeeper).await?);
        }
        Ok(out)
    }

    /// The coverage of `org` (default: the caller's own) for `cohort` (of the graduates of
    /// `category`, when given), with its children. Counts only: nobody is named, nothing is
    /// logged.
    pub async fn coverage(
        &self,
        actor: &Actor,
        org: Option<&str>,
        cohort: i32,
        category: Option<Category>,
    ) -> Result<Coverage, Error> {
        let org = self.coverage_org(actor, org).await?;
        let (_, counted) = self.counted_under(&org, cohort).await?;
        let counted: Vec<Counted> =
            counted.into_iter().filter(|c| category.is_none_or(|k| c.categories.contains(&k))).collect();
        let all: Vec<&Counted> = counted.iter().collect();
        let node = CoverageNode {
            code: org.code.to_string(),
            name: org.name.clone(),
            path: org.path.clone(),
            counts: tally(&all, self.today),
        };
        let mut children = Vec::new();
        for child in self.store.org_children(&org).await? {
            let c = child.org;
            let mine: Vec<&Counted> = counted.iter().filter(|r| access::within(&r.path, &c.path)).collect();
            children.push(CoverageNode {
                code: c.code.to_string(),
                name: c.name,
                path: c.path,
                counts: tally(&mine, self.today),
            });
        }
        Ok(Coverage {
            cohort,
            category,
            exact: access::exact_hardship_counts(actor, &org.path),
            named: access::scope_paths(actor, Action::KeepLedger).iter().any(|p| access::within(&org.path, p))
                || access::can(actor, Action::HelpHardship, &Resource::at(&org.path)).is_some(),
            node,
            children,
        })
    }

    /// The graduates of `org` and `cohort` in the ledger who miss `line`: named where the caller
    /// may read the file, counted otherwise. The list read is logged.
    pub async fn missing(
        &self,
        actor: &Actor,
        org: Option<&str>,
        cohort: i32,
        line: Line,
        category: Option<Category>,
        reads: Reads<'_>,
    ) -> Result<Missing, Error> {
        let org = self.coverage_org(actor, org).await?;
        let (rows, counted) = self.counted_under(&org, cohort).await?;
        let (rows, counted): (Vec<FileRow>, Vec<Counted>) =
            rows.into_iter().zip(counted).filter(|(_, c)| category.is_none_or(|k| c.categories.contains(&k))).unzip();
        let mut named = Vec::new();
        let mut unnamed = 0;
        for (row, c) in rows.into_iter().zip(&counted) {
            if hardship::has(&c.standing, line, self.today) {
                continue;
            }
            match self.reader(actor, &row)? {
                Some((reason, _)) if reason != HardshipReason::Own => named.push(MissingItem {
                    graduate_id: row.file.graduate_id,
                    student_no: row.student_no,
                    name: row.name,
                    college_name: row.college_name,
                }),
                _ => unnamed += 1,
            }
        }
        if !named.is_empty() {
            let read = Read {
                kind: ReadKind::Hardship,
                subject_id: None,
                subject_path: Some(org.path.clone()),
                filter: Some(format!(
                    "missing={} cohort={cohort}{}",
                    line.id(),
                    category.map(|k| format!(" category={}", k.id())).unwrap_or_default()
                )),
                rows: named.len() as i64,
            };
            let grant = access::can(actor, Action::ViewHardshipCoverage, &Resource::at(&org.path));
            reads.note(actor, grant, read).await?;
        }
        let all: Vec<&Counted> = counted.iter().collect();
        let node = CoverageNode {
            code: org.code.to_string(),
            name: org.name,
            path: org.path,
            counts: tally(&all, self.today),
        };
        Ok(Missing { line, org: node, named, unnamed })
    }
}

impl Hardship<'_> {
    /// The coverage lines as a worksheet for the campaign report (帮扶覆盖): the organisation and
    /// each child one level down, the graduates in the ledger, each line and each category.
    /// Cells are shown as the reader may see them ("<5" outside the career centre). None when
    /// the reader may not see the ledger's coverage at `org`.
    pub async fn coverage_sheet(
        &self,
        actor: &Actor,
        org: &Org,
        cohort: i32,
    ) -> Result<Option<jiuye_sheets::Sheet>, Error> {
        use jiuye_sheets::{Cell, Sheet};
        if access::can(actor, Action::ViewHardshipCoverage, &Resource::at(&org.path)).is_none() {
            return Ok(None);
        }
        let c = self.coverage(actor, Some(&org.code.to_string()), cohort, None).await?;
        let cell = |n: i64| match hardship::small_cell(n, c.exact).parse::<f64>() {
            Ok(x) => Cell::Number(x),
            Err(_) => Cell::Text(hardship::small_cell(n, c.exact)),
        };
        let mut headers =
            vec!["单位代码".to_owned(), "单位名称".to_owned(), "届别".to_owned(), "帮扶对象数".to_owned()];
        headers.extend(Line::ALL.iter().map(|l| l.zh().to_owned()));
        headers.extend(Category::ALL.iter().map(|k| format!("其中：{}", k.zh())));
        let rows = std::iter::once(&c.node)
            .chain(&c.children)
            .map(|n| {
                let mut row = vec![
                    Cell::Text(n.code.clone()),
                    Cell::Text(n.name.clone()),
                    Cell::Number(f64::from(c.cohort)),
                    cell(n.counts.total),
                ];
                row.extend(n.counts.lines.iter().map(|(_, k)| cell(*k)));
                row.extend(n.counts.categories.iter().map(|(_, k)| cell(*k)));
                row
            })
            .collect();
        Ok(Some(Sheet { name: "帮扶覆盖".into(), headers, rows }))
    }
}
