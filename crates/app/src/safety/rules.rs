//! The screening rules of a node: shipped in the binary, or the data directory's
//! `scam_rules.toml` when province staff extend them. The file is read at start and again on
//! reload (by an administrator, or when the file changes on disk); after a reload every open
//! posting is screened again: a pending one that becomes high-risk is held, and an approved one
//! stays visible with its warning while it waits in the review queue (`recheck`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

use jiuye_domain::access::{self, Actor};
use jiuye_domain::posting::{self, PostingStatus};
use jiuye_domain::screening::{self, Level, Rules};
use uuid::Uuid;

use crate::postings::{DraftText, Postings};
use crate::{Error, ErrorCode, ErrorKind};

/// The name of the rules file in the data directory.
pub const FILE_NAME: &str = "scam_rules.toml";

/// The rules in force, swapped whole on reload (readers keep the rules they started with).
#[derive(Debug)]
pub struct RuleBook {
    current: RwLock<Arc<Rules>>,
    /// The node's own file, when it may have one.
    file: Option<PathBuf>,
    /// When the file was last read (its modification time; `None` while it does not exist).
    stamp: Mutex<Option<SystemTime>>,
    /// The text of the rules in force (the shipped text when there is no file), so that a
    /// reload that changes nothing screens nothing again.
    text: Mutex<String>,
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Reads a rules file: `Ok(None)` when it does not exist, an error naming the file and line
/// when it does not parse.
fn read(path: &Path) -> Result<Option<(Rules, String)>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => match Rules::parse(&text) {
            Ok(rules) => Ok(Some((rules, text))),
            Err(e) => Err(format!("{}：{e}", path.display())),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}：{e}", path.display())),
    }
}

/// The shipped rules with their text.
fn shipped() -> (Rules, String) {
    (Rules::shipped().clone(), jiuye_domain::screening::SHIPPED_RULES.to_owned())
}

impl RuleBook {
    /// The shipped rules, with no file to reload from.
    pub fn shipped() -> RuleBook {
        RuleBook::with_rules(Rules::shipped().clone())
    }

    /// Fixed rules, with no file to reload from.
    pub fn with_rules(rules: Rules) -> RuleBook {
        RuleBook {
            current: RwLock::new(Arc::new(rules)),
            file: None,
            stamp: Mutex::new(None),
            text: Mutex::new(String::new()),
        }
    }

    /// The rules of a node whose data directory is `dir`: its `scam_rules.toml` when there is
    /// one, else the shipped rules. A file that does not parse is an error naming its line.
    pub fn open(dir: &Path) -> Result<RuleBook, String> {
        let path = dir.join(FILE_NAME);
        let stamp = modified(&path);
        let (rules, text) = read(&path)?.unwrap_or_else(shipped);
        Ok(RuleBook {
            current: RwLock::new(Arc::new(rules)),
            file: Some(path),
            stamp: Mutex::new(stamp),
            text: Mutex::new(text),
        })
    }

    /// The rules in force now.
    pub fn current(&self) -> Arc<Rules> {
        self.current.read().map(|r| r.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }

    /// The node's own rules file, when it reads one.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// Whether the file was changed, created or removed since it was last read.
    pub fn changed_on_disk(&self) -> bool {
        let Some(path) = &self.file else { return false };
        let now = modified(path);
        self.stamp.lock().map(|s| *s != now).unwrap_or(true)
    }

    /// Reads the file again (the shipped rules when it is gone); answers whether the rules in
    /// force changed. A file that does not parse leaves them unchanged: `422 invalid_rules`
    /// with the line.
    pub fn reload(&self) -> Result<bool, Error> {
        let Some(path) = &self.file else { return Ok(false) };
        // Noted before reading, so that a broken file is reported once, not at every check.
        if let Ok(mut s) = self.stamp.lock() {
            *s = modified(path);
        }
        let (rules, text) = read(path)
            .map_err(|e| Error::new(ErrorKind::Unprocessable, ErrorCode::InvalidRules, e))?
            .unwrap_or_else(shipped);
        let mut in_force = self.text.lock().unwrap_or_else(|p| p.into_inner());
        if *in_force == text {
            return Ok(false);
        }
        *in_force = text;
        let rules = Arc::new(rules);
        match self.current.write() {
            Ok(mut c) => *c = rules,
            Err(p) => *p.into_inner() = rules,
        }
        Ok(true)
    }
}

/// What screening the open postings again changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rescreened {
    /// Open postings (pending, held, approved) screened.
    pub screened: u64,
    /// Postings whose level or reasons changed.
    pub changed: u64,
    /// Pending postings held because they became high-risk.
    pub held: u64,
    /// Approved postings back in the review queue (still visible, with the warning).
    pub recheck: u64,
}

/// The state a posting moves to under a new screening, and whether it waits for review again.
fn after_rescreen(status: PostingStatus, level: Level) -> (PostingStatus, bool) {
    match status {
        PostingStatus::Pending => (posting::state_after_screening(level), false),
        PostingStatus::Approved => (PostingStatus::Approved, level == Level::High),
        other => (other, false),
    }
}

/// Screens every open posting again with the rules in force and stores what changed, then
/// re-reads the changed ones into the search index.
pub async fn rescreen_open(p: &Postings<'_>) -> Result<Rescreened, Error> {
    let mut out = Rescreened::default();
    let mut after: Option<Uuid> = None;
    loop {
        let page = p.store.open_postings_after(after, 500).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.posting.id);
        let mut changed = Vec::new();
        for row in &page {
            let r = &row.posting;
            out.screened += 1;
            let s = p
                .screen(&DraftText {
                    draft: screening::Draft {
                        title: &r.title,
                        description: &r.description,
                        salary_min: r.salary_min,
                        salary_max: r.salary_max,
                        contact: Some(&r.contact),
                    },
                    region: Some(&r.region_code),
                })
                .await;
            // A posting stored before a code list changed may no longer screen (an old region
            // code): it keeps its earlier screening.
            let Ok(s) = s else { continue };
            let reasons = serde_json::to_string(&s.reasons).unwrap_or_else(|_| "[]".into());
            let (status, recheck) = after_rescreen(r.status, s.level);
            let same = s.level.id() == r.risk_level
                && reasons == r.risk_reasons
                && status == r.status
                && recheck == row.recheck_at.is_some();
            if same {
                continue;
            }
            if p.store.rescreen_posting(r.id, r.version, status, s.level.id(), &reasons, recheck).await? {
                out.changed += 1;
                if status != r.status {
                    out.held += 1;
                }
                if recheck && row.recheck_at.is_none() {
                    out.recheck += 1;
                }
                changed.push(r.id);
            }
        }
        crate::search::LiveIndex::refresh(p.index, p.store, p.refdata, &changed).await?;
    }
    Ok(out)
}

/// Reloads the node's rules for an administrator (`403` for anyone else) and, when they
/// changed, screens the open postings again (nothing is screened when they did not).
pub async fn reload(p: &Postings<'_>, book: &RuleBook, actor: &Actor) -> Result<Rescreened, Error> {
    if !access::may_manage_screening_rules(actor) {
        return Err(Error::forbidden());
    }
    if book.reload()? { rescreen_open(p).await } else { Ok(Rescreened::default()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approved_postings_stay_visible_and_wait_for_review() {
        assert_eq!(after_rescreen(PostingStatus::Approved, Level::High), (PostingStatus::Approved, true));
        assert_eq!(after_rescreen(PostingStatus::Approved, Level::Medium), (PostingStatus::Approved, false));
        assert_eq!(after_rescreen(PostingStatus::Pending, Level::High), (PostingStatus::Held, false));
        assert_eq!(after_rescreen(PostingStatus::Pending, Level::Low), (PostingStatus::Pending, false));
        assert_eq!(after_rescreen(PostingStatus::Held, Level::Low), (PostingStatus::Held, false));
    }

    #[test]
    fn a_broken_file_keeps_the_rules_in_force() {
        let dir = std::env::temp_dir().join(format!("jiuye-rules-{}", Uuid::now_v7()));
        std::fs::create_dir_all(&dir).expect("dir");
        let book = RuleBook::open(&dir).expect("shipped");
        assert!(!book.changed_on_disk());
        let before = book.current();
        std::fs::write(dir.join(FILE_NAME), "[classes]\nx = 1\n").expect("write");
        assert!(book.changed_on_disk());
        let err = book.reload().expect_err("broken");
        assert_eq!(err.code, ErrorCode::InvalidRules);
        assert!(err.message.contains("第 2 行"), "{}", err.message);
        assert!(Arc::ptr_eq(&before, &book.current()));
        assert!(!book.changed_on_disk(), "a broken file is reported once");
        // The shipped text copied into the file changes nothing; a changed one does.
        std::fs::write(dir.join(FILE_NAME), jiuye_domain::screening::SHIPPED_RULES).expect("write");
        assert!(!book.reload().expect("same rules"));
        std::fs::write(
            dir.join(FILE_NAME),
            format!("{}\n# a province's note\n", jiuye_domain::screening::SHIPPED_RULES),
        )
        .expect("write");
        assert!(book.reload().expect("changed"));
        std::fs::remove_dir_all(&dir).ok();
    }
}
