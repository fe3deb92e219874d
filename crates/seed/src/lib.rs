//! Deterministic synthetic data: the demo province behind `jiuye serve --demo` and datasets of
//! any size for benchmarks (`jiuye seed`).
//!
//! Same plan and seed → same data, on every backend. Universities are the real ones of the
//! shipped national list; colleges and programmes use real catalogue majors; graduates get
//! plausible names; employers get valid unified social credit codes in real industries and
//! regions. Generation streams in batches, so memory stays flat however many graduates are asked
//! for, and every write is idempotent (re-running a plan completes an interrupted run).

use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use jiuye_domain::codes::credit;
use jiuye_domain::{
    Catalogue, EducationLevel, Employer, Gender, Graduate, MajorCode, Org, OrgCode, OrgKind, RefData, RegionCode,
    SchoolLevel, University,
};
use jiuye_store::{Repository, StoreError, well_known_org_id};
use uuid::Uuid;

mod awards;
mod contests;
mod events;
mod followup;
mod guidance;
mod hardship;
mod matching;
mod names;
pub mod rng;

pub use events::{EventsWritten, demo_events};
pub use followup::demo_followup;
pub use guidance::demo_guidance;
pub use hardship::demo_hardship;
pub use matching::demo_matching;

use rng::{Cumulative, Rng};

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedPlan {
    pub seed: u64,
    /// Only universities of this province (e.g. 510000); all provinces when `None`.
    pub province: Option<RegionCode>,
    /// How many universities get colleges, programmes and graduates (at most those available).
    pub universities: usize,
    pub graduates: u64,
    pub employers: u64,
    /// 届别 to spread graduates over.
    pub cohorts: Vec<i32>,
}

impl SeedPlan {
    /// The demo: 四川省 with all its universities, about 20,000 graduates of the 2022 and 2023
    /// cohorts, and 3,000 employers.
    pub fn demo() -> SeedPlan {
        SeedPlan {
            seed: 2023,
            province: RegionCode::parse("510000").ok(),
            universities: usize::MAX,
            graduates: 20_000,
            employers: 3_000,
            cohorts: vec![2022, 2023],
        }
    }
}

/// Which part of a plan is being written, for progress display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Organisations,
    Graduates,
    Employers,
}

impl Stage {
    pub fn zh(self) -> &'static str {
        match self {
            Stage::Organisations => "院系与专业点",
            Stage::Graduates => "毕业生",
            Stage::Employers => "用人单位",
        }
    }
}

/// What a run wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub universities: usize,
    pub colleges: usize,
    pub programmes: usize,
    pub alliances: usize,
    pub graduates_new: u64,
    pub employers_new: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("{0}")]
    Plan(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

const BATCH: usize = 5_000;

/// Synthetic records get time-ordered ids counting up from 2023-01-01T00:00:00Z, one
/// millisecond apart, so that the same plan always yields the same ids.
const ID_EPOCH_MS: u64 = 1_672_531_200_000;

struct Programme {
    university: usize,
    college_id: Uuid,
    college_no: u8,
    id: Uuid,
    /// 0–100: how well this programme's graduates do (varies by college, so some colleges fall
    /// below their university's average).
    quality: u32,
}

const PLACED_CODES: [(&str, u32); 13] = [
    ("11", 350),
    ("10", 150),
    ("12", 80),
    ("271", 10),
    ("46", 10),
    ("502", 10),
    ("503", 10),
    ("512", 10),
    ("519", 5),
    ("75", 10),
    ("76", 50),
    ("801", 130),
    ("85", 30),
];
const UNPLACED_CODES: [(&str, u32); 3] = [("70", 70), ("71", 20), ("72", 10)];

/// When a generated destination was recorded: February to August of the graduation year for a
/// final cohort, February to June for the one in progress (the spring campaign).
fn registered_on(cohort: i32, final_cohort: bool, r: &mut Rng) -> chrono::DateTime<Utc> {
    use chrono::TimeZone;
    let days = if final_cohort { 210 } else { 140 };
    // Later weeks see more registrations, as graduation approaches.
    let d = (days as f64 * (r.below(1000) as f64 / 1000.0).sqrt()) as i64;
    Utc.with_ymd_and_hms(cohort, 2, 1, 9, 0, 0).single().unwrap_or_else(Utc::now) + chrono::Duration::days(d)
}

fn cohort_is_final(cohort: i32, latest: i32) -> bool {
    cohort < latest
}

/// The detail record behind a generated graduate's destination code.
fn destination_record(g: &Graduate, final_cohort: bool, r: &mut Rng) -> jiuye_store::destinations::DestinationRecord {
    use jiuye_domain::destination::{Registration, accepted_proofs};
    let code = g.dest_code.clone().unwrap_or_default();
    let category = code.get(..2).unwrap_or("").to_owned();
    let county = RegionCode::parse(&g.origin_region).ok();
    let mut reg = Registration {
        code: code.clone(),
        proof_kind: Some(accepted_proofs(&code)[0].id().to_owned()).filter(|p| p != "none"),
        ..Registration::default()
    };
    if matches!(category.as_str(), "10" | "11" | "12" | "27") {
        let brand = r.pick(names::BRANDS);
        let section = *r.pick(&["C", "I", "F", "L", "M", "E"]);
        let business = r.pick(names::business_words(section));
        reg.employer_name = Some(format!("{brand}{business}有限公司"));
        if let Some(c) = &county {
            reg.credit_code = Some(credit_code("91", c, r));
            reg.employer_region = Some(c.to_string());
        }
        reg.employer_type = Some("39".into());
    }
    if matches!(category.as_str(), "12" | "27" | "76") {
        reg.monthly_pay = Some(r.range(4_000, 12_000) as i64);
        reg.employer_region = county.as_ref().map(ToString::to_string);
    }
    if category == "76" {
        reg.statement_signed = true;
    }
    let now = Utc::now();
    jiuye_store::destinations::DestinationRecord {
        graduate_id: g.id,
        org_id: g.org_id,
        status: g.dest_status,
        registration: reg,
        return_reason: (g.dest_status == jiuye_domain::destination::DestStatus::Returned)
            .then(|| "证明材料不清晰，请重新上传".to_owned()),
        college_reviewer: None,
        university_reviewer: None,
        registered_by: None,
        source: if final_cohort { "import".into() } else { "graduate".into() },
        version: 1,
        created_at: now,
        updated_at: now,
        confirmed_at: (g.dest_status == jiuye_domain::destination::DestStatus::Confirmed).then_some(now),
    }
}

/// A destination for a synthetic graduate: final for past cohorts, mid-way through the spring
/// registration for the latest one.
fn destination(
    final_cohort: bool,
    quality: u32,
    r: &mut Rng,
) -> (Option<String>, jiuye_domain::destination::DestStatus) {
    use jiuye_domain::destination::DestStatus;
    let pick = |table: &[(&str, u32)], r: &mut Rng| {
        let w: Vec<u32> = table.iter().map(|t| t.1).collect();
        table[r.weighted(&w)].0.to_owned()
    };
    let placed = r.below(100) < quality as usize;
    let code = if placed { pick(&PLACED_CODES, r) } else { pick(&UNPLACED_CODES, r) };
    if final_cohort {
        return (Some(code), DestStatus::Confirmed);
    }
    if r.chance(0.45) {
        return (None, DestStatus::None);
    }
    let statuses = [
        (DestStatus::Confirmed, 45),
        (DestStatus::Approved, 15),
        (DestStatus::CollegeApproved, 5),
        (DestStatus::Submitted, 20),
        (DestStatus::Returned, 5),
        (DestStatus::Draft, 10),
    ];
    let w: Vec<u32> = statuses.iter().map(|s| s.1).collect();
    (Some(code), statuses[r.weighted(&w)].0)
}

/// Generates and writes `plan` into `store`, reporting progress as (stage, done, total).
pub async fn run(
    store: &dyn Repository,
    refdata: &RefData,
    plan: &SeedPlan,
    progress: &mut (dyn FnMut(Stage, u64, u64) + Send),
) -> Result<SeedReport, SeedError> {
    if plan.cohorts.is_empty() {
        return Err(SeedError::Plan("at least one cohort is needed".into()));
    }
    let root = Rng::new(plan.seed);
    let node = store.node().await?.node_id;
    store.sync_reference_data(refdata).await?;

    let mut pool: Vec<&University> =
        refdata.universities.iter().filter(|u| plan.province.as_ref().is_none_or(|p| &u.province == p)).collect();
    if plan.universities != usize::MAX && plan.universities > pool.len() {
        return Err(SeedError::Plan(format!(
            "asked for {} universities but only {} are available{}",
            plan.universities,
            pool.len(),
            plan.province.as_ref().map(|p| format!(" in {p}")).unwrap_or_default()
        )));
    }
    if plan.universities < pool.len() {
        root.fork("pick-universities").shuffle(&mut pool);
        pool.truncate(plan.universities);
        pool.sort_by(|a, b| a.code.cmp(&b.code));
    }
    let mut report = SeedReport { universities: pool.len(), ..SeedReport::default() };

    // Colleges and programmes.
    let now = Utc::now();
    let major_index = MajorIndex::new(refdata);
    let mut programmes: Vec<Programme> = Vec::new();
    let mut programme_weights: Vec<u64> = Vec::new();
    let mut orgs: Vec<Org> = Vec::new();
    let total_unis = pool.len() as u64;
    for (ui, u) in pool.iter().enumerate() {
        let mut r = root.fork(u.code.as_str());
        let uni_id = well_known_org_id(&OrgCode::university(&u.code));
        let uni_path = format!("{}/{}/{}", OrgCode::NATION, u.province, u.code);
        let templates = college_templates(u, &mut r);
        for (ci, (name, classes)) in templates.into_iter().enumerate() {
            let college_no = (ci + 1) as u8;
            let quality = r.range(72, 98) as u32;
            let code = OrgCode::college(&u.code, college_no);
            let college = base_org(code, OrgKind::College, name, (uni_id, &uni_path), u, node, now);
            let college_id = college.id;
            let college_code = college.code.clone();
            let college_path = college.path.clone();
            orgs.push(college);
            report.colleges += 1;
            let majors = major_index.pick(u.level.catalogue(), classes, &mut r);
            for m in majors {
                let code = OrgCode::programme(&college_code, &m.0);
                let mut p = base_org(code, OrgKind::Programme, &m.1, (college_id, &college_path), u, node, now);
                p.major_code = Some(m.0.to_string());
                programmes.push(Programme { university: ui, college_id, college_no, id: p.id, quality });
                programme_weights.push(university_weight(u) * r.range(1, 4) as u64);
                orgs.push(p);
                report.programmes += 1;
            }
        }
        if orgs.len() >= BATCH {
            store.upsert_orgs(&orgs).await?;
            orgs.clear();
        }
        progress(Stage::Organisations, ui as u64 + 1, total_unis);
    }
    store.upsert_orgs(&orgs).await?;
    report.alliances = write_alliances(store, &pool, node, now).await?;

    // Graduates, streamed.
    if plan.graduates > 0 && programmes.is_empty() {
        return Err(SeedError::Plan("no universities selected, so no graduates can be placed".into()));
    }
    let draw = Cumulative::new(programme_weights);
    let origins = OriginPicker::new(refdata);
    let mut serial: HashMap<usize, u32> = HashMap::new();
    let latest_cohort = plan.cohorts.iter().copied().max().unwrap_or(0);
    let mut r = root.fork("graduates");
    let mut batch = Vec::with_capacity(BATCH);
    for i in 0..plan.graduates {
        let p = &programmes[draw.draw(&mut r)];
        let u = pool[p.university];
        let cohort = *r.pick(&plan.cohorts);
        let level = education_level(u, &mut r);
        let gender = if r.chance(0.51) { Gender::Female } else { Gender::Male };
        let seq = serial.entry(p.university).or_insert(0);
        *seq += 1;
        let enrol = cohort - if level == EducationLevel::Associate { 3 } else { 4 };
        let (dest_code, dest_status) = destination(cohort < latest_cohort, p.quality, &mut r);
        batch.push(Graduate {
            id: r.uuid_v7(ID_EPOCH_MS + i),
            org_id: well_known_org_id(&OrgCode::university(&u.code)),
            college_id: p.college_id,
            programme_id: p.id,
            student_no: format!("{enrol}{:02}{:06}", p.college_no, seq),
            name: person_name(gender, &mut r),
            gender,
            education_level: level,
            cohort,
            origin_region: origins.pick(&u.province, &mut r).to_string(),
            dest_updated_at: dest_code.as_ref().map(|_| registered_on(cohort, cohort < latest_cohort, &mut r)),
            dest_code,
            dest_status,
            origin_node: node,
            version: 1,
        });
        if batch.len() == BATCH || i + 1 == plan.graduates {
            report.graduates_new += store.insert_graduates(&batch).await?;
            let details: Vec<_> = batch
                .iter()
                .filter(|g| g.dest_code.is_some())
                .map(|g| destination_record(g, cohort_is_final(g.cohort, latest_cohort), &mut r))
                .collect();
            store.insert_destinations(&details).await?;
            batch.clear();
            progress(Stage::Graduates, i + 1, plan.graduates);
        }
    }

    store.analyze().await?;

    // Employers, streamed.
    let employer_gen = EmployerGen::new(refdata);
    let mut r = root.fork("employers");
    let mut batch = Vec::with_capacity(BATCH);
    for i in 0..plan.employers {
        batch.push(employer_gen.make(plan.province.as_ref(), node, ID_EPOCH_MS + i, &mut r));
        if batch.len() == BATCH || i + 1 == plan.employers {
            report.employers_new += store.insert_employers(&batch).await?;
            batch.clear();
            progress(Stage::Employers, i + 1, plan.employers);
        }
    }
    Ok(report)
}

fn base_org(
    code: OrgCode,
    kind: OrgKind,
    name: &str,
    parent: (Uuid, &str),
    u: &University,
    node: Uuid,
    now: chrono::DateTime<Utc>,
) -> Org {
    Org {
        id: well_known_org_id(&code),
        path: format!("{}/{code}", parent.1),
        code,
        kind,
        name: name.to_owned(),
        parent_id: Some(parent.0),
        province_code: Some(u.province.to_string()),
        school_level: None,
        newly_built: false,
        private: false,
        authority: None,
        region_code: Some(u.region.to_string()),
        major_code: None,
        origin_node: node,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

/// Relative size of a university's graduating classes.
fn university_weight(u: &University) -> u64 {
    match (u.level, u.authority == "教育部", u.private) {
        (SchoolLevel::Undergraduate, true, _) => 12,
        (SchoolLevel::Undergraduate, false, false) => 6,
        (SchoolLevel::Undergraduate, false, true) => 4,
        (SchoolLevel::Vocational, _, false) => 4,
        (SchoolLevel::Vocational, _, true) => 3,
    }
}

fn education_level(u: &University, r: &mut Rng) -> EducationLevel {
    match (u.level, u.authority == "教育部", u.private) {
        (SchoolLevel::Vocational, _, _) => EducationLevel::Associate,
        (_, true, _) => match r.below(100) {
            0..70 => EducationLevel::Bachelor,
            70..95 => EducationLevel::Master,
            _ => EducationLevel::Doctor,
        },
        (_, false, false) if r.chance(0.08) => EducationLevel::Master,
        _ => EducationLevel::Bachelor,
    }
}

fn person_name(g: Gender, r: &mut Rng) -> String {
    let weights: Vec<u32> = names::SURNAMES.iter().map(|s| s.1).collect();
    let mut s = names::SURNAMES[r.weighted(&weights)].0.to_owned();
    let given = if g == Gender::Female { names::GIVEN_FEMALE } else { names::GIVEN_MALE };
    s.push_str(r.pick::<&str>(given));
    if r.chance(0.7) {
        s.push_str(r.pick::<&str>(given));
    }
    s
}

/// Chooses a university's colleges: mostly templates that fit its name, some general ones.
fn college_templates(u: &University, r: &mut Rng) -> Vec<(&'static str, &'static [&'static str])> {
    let templates =
        if u.level == SchoolLevel::Undergraduate { names::UNDERGRADUATE_COLLEGES } else { names::VOCATIONAL_COLLEGES };
    let tags: Vec<&str> = names::PROFILE_KEYWORDS.iter().filter(|(k, _)| u.name.contains(k)).map(|(_, t)| *t).collect();
    let mut fitting: Vec<usize> = (0..templates.len()).filter(|&i| tags.contains(&templates[i].2)).collect();
    let mut other: Vec<usize> = (0..templates.len()).filter(|i| !fitting.contains(i)).collect();
    r.shuffle(&mut fitting);
    r.shuffle(&mut other);
    let n = match (u.level, u.authority == "教育部") {
        (SchoolLevel::Undergraduate, true) => r.range(12, 18),
        (SchoolLevel::Undergraduate, false) => r.range(7, 12),
        (SchoolLevel::Vocational, _) => r.range(5, 9),
    };
    let specialised = if tags.is_empty() { 0 } else { (n * 2 / 3).min(fitting.len()) };
    let mut chosen: Vec<usize> = fitting.into_iter().take(specialised).collect();
    chosen.extend(other.into_iter().take(n - chosen.len()));
    chosen.into_iter().map(|i| (templates[i].0, templates[i].1)).collect()
}

/// Majors by catalogue and class.
struct MajorIndex {
    by_class: HashMap<(Catalogue, String), Vec<(MajorCode, String)>>,
}

impl MajorIndex {
    fn new(rd: &RefData) -> MajorIndex {
        let mut by_class: HashMap<(Catalogue, String), Vec<(MajorCode, String)>> = HashMap::new();
        for c in [Catalogue::UndergraduateMajors, Catalogue::VocationalMajors] {
            for e in rd.majors(c) {
                if let (Some(parent), Ok(code)) = (&e.parent_code, MajorCode::parse(&e.code)) {
                    by_class.entry((c, parent.clone())).or_default().push((code, e.name.clone()));
                }
            }
        }
        MajorIndex { by_class }
    }

    /// Two to five majors from the given classes.
    fn pick(&self, c: Catalogue, classes: &[&str], r: &mut Rng) -> Vec<(MajorCode, String)> {
        let mut all: Vec<(MajorCode, String)> =
            classes.iter().filter_map(|k| self.by_class.get(&(c, (*k).to_owned()))).flatten().cloned().collect();
        // Common majors (no T/K suffix) first, the way most colleges are built.
        all.sort_by_key(|(code, _)| (code.as_str().ends_with('T') || code.as_str().ends_with('K'), code.clone()));
        let common = all.iter().filter(|(c, _)| !c.as_str().ends_with(['T', 'K'])).count().max(1);
        let mut head: Vec<_> = all[..common.min(all.len())].to_vec();
        r.shuffle(&mut head);
        let n = r.range(2, 5).min(head.len());
        let mut out: Vec<_> = head.into_iter().take(n).collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

/// Picks a county for a graduate's 生源地: mostly the university's own province.
struct OriginPicker {
    by_province: BTreeMap<String, Vec<RegionCode>>,
    all: Vec<RegionCode>,
}

impl OriginPicker {
    fn new(rd: &RefData) -> OriginPicker {
        let mut by_province: BTreeMap<String, Vec<RegionCode>> = BTreeMap::new();
        let mut all = Vec::new();
        for r in rd.regions.iter().filter(|r| r.level == 3) {
            // 台湾、香港、澳门 are not places of origin in this dataset.
            if matches!(&r.code.as_str()[..2], "71" | "81" | "82") {
                continue;
            }
            by_province.entry(r.code.province().to_string()).or_default().push(r.code.clone());
            all.push(r.code.clone());
        }
        OriginPicker { by_province, all }
    }

    fn pick(&self, province: &RegionCode, r: &mut Rng) -> &RegionCode {
        match self.by_province.get(province.as_str()) {
            Some(local) if r.chance(0.78) => r.pick(local),
            _ => r.pick(&self.all),
        }
    }
}

/// Makes employers with valid credit codes, consistent type, industry and name.
struct EmployerGen {
    /// GB/T 4754 classes (小类) by section letter.
    classes: BTreeMap<String, Vec<String>>,
    counties: BTreeMap<String, Vec<(RegionCode, String)>>,
    all_counties: Vec<(RegionCode, String)>,
    region_names: HashMap<String, String>,
}

impl EmployerGen {
    fn new(rd: &RefData) -> EmployerGen {
        let parents: HashMap<&str, Option<&str>> =
            rd.entries_of(Catalogue::Industries).map(|e| (e.code.as_str(), e.parent_code.as_deref())).collect();
        let mut classes: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for e in rd.entries_of(Catalogue::Industries).filter(|e| e.level == 4) {
            let mut cur = e.code.as_str();
            while let Some(Some(p)) = parents.get(cur) {
                cur = p;
            }
            classes.entry(cur.to_owned()).or_default().push(e.code.clone());
        }
        let mut counties: BTreeMap<String, Vec<(RegionCode, String)>> = BTreeMap::new();
        let mut all_counties = Vec::new();
        for r in rd.regions.iter().filter(|r| r.level == 3 && !matches!(&r.code.as_str()[..2], "71" | "81" | "82")) {
            let city =
                r.parent.as_ref().and_then(|p| rd.region(p.as_str())).map(|p| p.name.clone()).unwrap_or_default();
            counties.entry(r.code.province().to_string()).or_default().push((r.code.clone(), city.clone()));
            all_counties.push((r.code.clone(), city));
        }
        let region_names = rd.regions.iter().map(|r| (r.code.to_string(), r.name.clone())).collect();
        EmployerGen { classes, counties, all_counties, region_names }
    }

    fn make(&self, province: Option<&RegionCode>, node: Uuid, id_ms: u64, r: &mut Rng) -> Employer {
        let (county, city) = match province.and_then(|p| self.counties.get(p.as_str())) {
            Some(local) if r.chance(0.8) => r.pick(local),
            _ => r.pick(&self.all_counties),
        };
        let city_short = short_place(city);
        let province_name = self.region_names.get(county.province().as_str()).cloned().unwrap_or_default();
        let county_name = self.region_names.get(county.as_str()).cloned().unwrap_or_default();
        // 单位性质 weights: private firms dominate, as in graduates' actual destinations.
        let types: [(&str, u32); 10] = [
            ("39", 680),
            ("31", 120),
            ("32", 50),
            ("23", 40),
            ("22", 40),
            ("20", 20),
            ("29", 20),
            ("10", 20),
            ("55", 5),
            ("56", 5),
        ];
        let weights: Vec<u32> = types.iter().map(|t| t.1).collect();
        let employer_type = types[r.weighted(&weights)].0;
        let n = r.range(1, 9);
        let (section, name, authority) = match employer_type {
            "23" => ("Q", format!("{city_short}市第{}人民医院", cn_number(n)), "12"),
            "22" => ("P", format!("{city_short}市第{}中学", cn_number(n)), "12"),
            "20" => (
                "M",
                format!("{city_short}市{}研究所", r.pick(&["农业科学", "建筑设计", "环境监测", "水利电力勘测设计"])),
                "12",
            ),
            "29" => (
                "N",
                format!(
                    "{city_short}市{}中心",
                    r.pick(&["公共资源交易", "不动产登记", "社会保险事业管理", "城市规划展览"])
                ),
                "12",
            ),
            "10" => (
                "S",
                format!(
                    "{county_name}{}",
                    r.pick(&["人力资源和社会保障局", "市场监督管理局", "自然资源局", "住房和城乡建设局"])
                ),
                "11",
            ),
            "55" => {
                ("S", format!("{county_name}{}村村民委员会", r.pick(&["新华", "红星", "和平", "光明", "团结"])), "Y1")
            }
            "56" => {
                ("S", format!("{county_name}{}社区居民委员会", r.pick(&["锦绣", "东城", "望江", "滨河", "南苑"])), "Y1")
            }
            _ => {
                let sections =
                    ["C", "I", "E", "F", "G", "L", "M", "K", "J", "H", "R", "Q", "P", "A", "N", "D", "O", "B"];
                let sw = [22, 18, 10, 10, 6, 8, 6, 4, 4, 3, 3, 2, 2, 2, 1, 1, 1, 1];
                let section = sections[r.weighted(&sw)];
                let brand = r.pick(names::BRANDS);
                let business = r.pick(names::business_words(section));
                let name = match employer_type {
                    "31" => format!("{}{brand}{business}集团有限公司", province_name.trim_end_matches(['省', '市'])),
                    "32" => format!("{city_short}{brand}{business}有限公司（中外合资）"),
                    _ => format!(
                        "{city_short}{brand}{business}{}",
                        r.pick(&["有限公司", "有限公司", "股份有限公司", "有限责任公司"])
                    ),
                };
                (section, name, "91")
            }
        };
        let industry_code = self.classes.get(section).map(|v| r.pick(v).clone()).unwrap_or_else(|| "9999".to_owned());
        Employer {
            id: r.uuid_v7(id_ms),
            org_id: well_known_org_id(&match province {
                Some(p) if county.province() == *p => OrgCode::province(p),
                _ => OrgCode::nation(),
            }),
            credit_code: credit_code(authority, county, r),
            name,
            employer_type: employer_type.to_owned(),
            industry_code,
            region_code: county.to_string(),
            origin_node: node,
            version: 1,
        }
    }
}

/// "成都市" → "成都", "凉山彝族自治州" → "凉山", "阿坝藏族羌族自治州" → "阿坝".
fn short_place(name: &str) -> String {
    if name.contains("自治") {
        return name.chars().take(2).collect();
    }
    name.trim_end_matches(['市', '州', '盟']).trim_end_matches("地区").to_owned()
}

fn cn_number(n: usize) -> &'static str {
    ["一", "二", "三", "四", "五", "六", "七", "八", "九"][(n.max(1) - 1) % 9]
}

/// A valid unified social credit code for `authority` (two characters) in `county`.
pub fn credit_code(authority: &str, county: &RegionCode, r: &mut Rng) -> String {
    let mut s: Vec<u8> = authority.bytes().chain(county.as_str().bytes()).collect();
    for _ in 0..8 {
        s.push(credit::ALPHABET[r.below(credit::ALPHABET.len())]);
    }
    let org = credit::org_check_char(&s[8..16]).unwrap_or(b'0');
    s.push(org);
    let check = credit::check_char(&s).unwrap_or(b'0');
    s.push(check);
    String::from_utf8(s).unwrap_or_default()
}

async fn write_alliances(
    store: &dyn Repository,
    pool: &[&University],
    node: Uuid,
    now: chrono::DateTime<Utc>,
) -> Result<usize, SeedError> {
    let mut by_province: BTreeMap<&str, Vec<&University>> = BTreeMap::new();
    for u in pool {
        by_province.entry(u.province.as_str()).or_default().push(u);
    }
    let mut written = 0;
    for (province, unis) in by_province {
        let Ok(pcode) = RegionCode::parse(province) else { continue };
        let province_id = well_known_org_id(&OrgCode::province(&pcode));
        let Some(province_org) = store.org_by_id(province_id).await? else { continue };
        // The largest city's undergraduate universities, and the province's vocational colleges.
        let mut cities: BTreeMap<&str, Vec<&University>> = BTreeMap::new();
        for u in unis.iter().filter(|u| u.level == SchoolLevel::Undergraduate) {
            cities.entry(u.city.as_str()).or_default().push(u);
        }
        let biggest = cities.into_iter().max_by_key(|(c, v)| (v.len(), std::cmp::Reverse(*c)));
        let vocational: Vec<&University> =
            unis.iter().filter(|u| u.level == SchoolLevel::Vocational).copied().collect();
        let mut groups = Vec::new();
        if let Some((city, members)) = biggest.filter(|(_, v)| v.len() >= 2) {
            groups.push((1, format!("{city}高校就业创业联盟"), members));
        }
        if vocational.len() >= 2 {
            groups.push((2, format!("{}高职院校就业联盟", province_org.name), vocational));
        }
        for (n, name, members) in groups {
            let code = OrgCode::alliance(
                u32::from(province.as_bytes()[0] - b'0') * 1000 + u32::from(province.as_bytes()[1] - b'0') * 100 + n,
            );
            let alliance = Org {
                id: well_known_org_id(&code),
                path: format!("{}/{}/{code}", OrgCode::NATION, province),
                code,
                kind: OrgKind::Alliance,
                name,
                parent_id: Some(province_id),
                province_code: Some(province.to_owned()),
                school_level: None,
                newly_built: false,
                private: false,
                authority: None,
                region_code: Some(province.to_owned()),
                major_code: None,
                origin_node: node,
                version: 1,
                created_at: now,
                updated_at: now,
            };
            let id = alliance.id;
            store.upsert_orgs(std::slice::from_ref(&alliance)).await?;
            let ids: Vec<Uuid> = members.iter().map(|u| well_known_org_id(&OrgCode::university(&u.code))).collect();
            store.add_alliance_members(id, &ids).await?;
            written += 1;
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_credit_codes_are_valid() {
        let county = RegionCode::parse("510104").unwrap();
        let mut r = Rng::new(9);
        for _ in 0..2000 {
            let c = credit_code("91", &county, &mut r);
            assert!(jiuye_domain::CreditCode::parse(&c).is_ok(), "{c}");
        }
    }

    #[test]
    fn names_look_chinese() {
        let mut r = Rng::new(1);
        let mut double = 0;
        for (gender, given) in [(Gender::Female, names::GIVEN_FEMALE), (Gender::Male, names::GIVEN_MALE)] {
            for _ in 0..200 {
                let n = person_name(gender, &mut r);
                // A surname of the list (one or two characters), then one or two given characters
                // of the gender's list, all Chinese.
                let rest = names::SURNAMES
                    .iter()
                    .filter_map(|(s, _)| n.strip_prefix(s))
                    .find(|rest| {
                        let chars: Vec<String> = rest.chars().map(String::from).collect();
                        (1..=2).contains(&chars.len()) && chars.iter().all(|c| given.contains(&c.as_str()))
                    })
                    .unwrap_or_else(|| panic!("{n} is not a surname and given characters of the lists"));
                assert!(n.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{n}");
                double += usize::from(rest.chars().count() == 2);
            }
        }
        assert!((180..=380).contains(&double), "about 70% have two given characters: {double} of 400");
    }

    #[test]
    fn short_places() {
        assert_eq!(short_place("成都市"), "成都");
        assert_eq!(short_place("凉山彝族自治州"), "凉山");
        assert_eq!(short_place("阿坝藏族羌族自治州"), "阿坝");
    }
}

/// The password of every demo account (shown on the demo's start-up screen and in the README).
pub const DEMO_PASSWORD: &str = "Jiuye-Demo-2023";

/// One demo account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoAccount {
    pub username: String,
    pub role: jiuye_domain::access::Role,
    pub org_code: String,
    pub org_name: String,
}

/// Creates (when missing) one account per role in the demo province: the ministry, 四川省,
/// 四川大学 and its first college and programme, a graduate of that programme and an employer
/// registered by the province. Returns them in role order.
pub async fn demo_accounts(
    store: &dyn Repository,
    cost: jiuye_security::password::Cost,
) -> Result<Vec<DemoAccount>, SeedError> {
    use jiuye_domain::access::Role;
    use jiuye_store::accounts::{NewGrant, NewUser};

    let org = |code: &str| {
        let code = code.to_owned();
        async move {
            let c = OrgCode::parse(&code).map_err(|e| SeedError::Plan(e.to_string()))?;
            store.org_by_code(&c).await?.ok_or_else(|| SeedError::Plan(format!("demo organisation {code} is missing")))
        }
    };
    let nation = org("CN").await?;
    let province = org("510000").await?;
    let university = org("4151010610").await?;
    let college = store
        .org_children(&university)
        .await?
        .into_iter()
        .map(|c| c.org)
        .next()
        .ok_or_else(|| SeedError::Plan("the demo university has no colleges; load the demo first".into()))?;
    let mut programme_and_graduate = None;
    for p in store.org_children(&college).await? {
        if let Some(g) = store.sample_graduate(p.org.id).await? {
            programme_and_graduate = Some((p.org, g));
            break;
        }
    }
    let (programme, graduate) =
        programme_and_graduate.ok_or_else(|| SeedError::Plan("the demo college has no graduates".into()))?;
    let employer = store
        .sample_employer(province.id)
        .await?
        .ok_or_else(|| SeedError::Plan("the demo province has no employers".into()))?;

    let plan: Vec<(&str, Role, &Org, Option<Uuid>, String)> = vec![
        ("demo_ministry", Role::MinistryAdmin, &nation, None, "教育部演示管理员".into()),
        ("demo_province", Role::ProvinceAdmin, &province, None, "四川省教育厅演示管理员".into()),
        ("demo_career", Role::CareerStaff, &university, None, "四川大学就业指导中心演示账号".into()),
        ("demo_leader", Role::UniversityLeader, &university, None, "四川大学校领导演示账号".into()),
        ("demo_college", Role::CollegeLeader, &college, None, format!("{}院系领导演示账号", college.name)),
        ("demo_major", Role::MajorHead, &programme, None, format!("{}专业负责人演示账号", programme.name)),
        ("demo_counselor", Role::Counselor, &college, None, format!("{}辅导员演示账号", college.name)),
        ("demo_advisor", Role::Advisor, &university, None, "四川大学就业指导老师演示账号".into()),
        ("demo_graduate", Role::Graduate, &programme, Some(graduate.id), graduate.name.clone()),
        ("demo_employer", Role::Employer, &province, Some(employer.id), format!("{}（招聘负责人）", employer.name)),
    ];
    let hash = jiuye_security::password::hash(DEMO_PASSWORD, cost).map_err(|e| SeedError::Plan(e.to_string()))?;
    let mut out = Vec::new();
    for (username, role, at, subject, display) in plan {
        let id = Uuid::now_v7();
        let user = NewUser {
            id,
            username: username.to_owned(),
            display_name: display,
            org_id: at.id,
            password_hash: hash.clone(),
            must_change_password: false,
        };
        let grant =
            NewGrant { id: Uuid::now_v7(), user_id: id, role, org_id: at.id, subject_id: subject, created_by: None };
        store.create_user(&user, &[grant]).await?;
        out.push(DemoAccount {
            username: username.to_owned(),
            role,
            org_code: at.code.to_string(),
            org_name: at.name.clone(),
        });
    }
    Ok(out)
}

/// Brings the demo's spring picture to life for 四川大学: the 2023 cohort stays open for
/// corrections, one counselor registers a batch of graduates to one employer in a day (a
/// suspicious pattern), a record is changed after its graduate confirmed it, one registration
/// carries a credit code that fails its check, a few graduates dispute their records, and the
/// demo graduate has evidence files. Idempotent enough to run on every demo start: it only acts
/// when its marker is absent. Dispute texts and evidence files are sealed with `keys`, bound to
/// their rows as the node seals them (`disputes`.`text`, `evidence`.`stored_name` and the row
/// id), so a demo node keeps no plaintext at rest either.
pub async fn demo_workflow(
    store: &dyn Repository,
    keys: &jiuye_security::seal::KeyRing,
    evidence_dir: &std::path::Path,
) -> Result<(), SeedError> {
    use jiuye_domain::destination::{DestStatus, Registration};
    use jiuye_security::seal::row_aad;
    use jiuye_store::destinations::{DestinationRecord, DisputeRecord, EvidenceRecord, GraduateQuery};

    demo_followup(store, keys).await?;
    demo_guidance(store).await?;
    awards::demo_awards(store).await?;
    contests::demo_contests(store).await?;
    let sealing = |e: jiuye_security::SecurityError| SeedError::Plan(format!("cannot seal: {e}"));
    let dispute = |id: Uuid, graduate_id: Uuid, org_id: Uuid, text: &str| -> Result<DisputeRecord, SeedError> {
        Ok(DisputeRecord {
            id,
            graduate_id,
            org_id,
            text: keys.seal_bound(text.as_bytes(), &row_aad("disputes", "text", &id.to_string())).map_err(sealing)?,
            status: "open".into(),
            answer: None,
            answered_by: None,
            created_at: Utc::now(),
            answered_at: None,
        })
    };

    if store.meta_get("demo_workflow").await?.as_deref() == Some("done") {
        return Ok(());
    }
    let scu = store
        .org_by_code(&OrgCode::parse("4151010610").map_err(|e| SeedError::Plan(e.to_string()))?)
        .await?
        .ok_or_else(|| SeedError::Plan("四川大学 is missing".into()))?;
    // Open the 2023 cohort of every demo university for corrections.
    let sichuan = store
        .org_by_code(&OrgCode::parse("510000").map_err(|e| SeedError::Plan(e.to_string()))?)
        .await?
        .ok_or_else(|| SeedError::Plan("四川省 is missing".into()))?;
    for u in store.org_children(&sichuan).await? {
        store.set_cohort_closing(u.org.id, 2023, "2099-08-31").await?;
    }
    let counselor = store.user_by_username("demo_counselor").await?;
    let career = store.user_by_username("demo_career").await?;
    let actor = |u: &Option<jiuye_store::accounts::UserRecord>| u.as_ref().map(|u| (u.id, u.username.clone()));
    let college = store.org_children(&scu).await?.into_iter().map(|c| c.org).next();
    let Some(college) = college else { return Ok(()) };
    let (unregistered, _) = store
        .list_graduates(&GraduateQuery {
            scope_paths: vec![college.path.clone()],
            cohort: Some(2023),
            status: Some(DestStatus::None),
            limit: 20,
            ..GraduateQuery::default()
        })
        .await?;
    let now = Utc::now();
    let base = |id: Uuid, reg: Registration, source: &str, by: Option<Uuid>| DestinationRecord {
        graduate_id: id,
        org_id: scu.id,
        status: DestStatus::Submitted,
        registration: reg,
        return_reason: None,
        college_reviewer: None,
        university_reviewer: None,
        registered_by: by,
        source: source.into(),
        version: 0,
        created_at: now,
        updated_at: now,
        confirmed_at: None,
    };
    // A counselor registers six graduates to one employer in one day, without evidence.
    let bulk = Registration {
        code: "12".into(),
        employer_name: Some("成都锦程网络科技有限公司".into()),
        credit_code: Some("91510100M000100Y40".into()),
        employer_region: Some("510104".into()),
        monthly_pay: Some(3_000),
        proof_kind: Some("offer".into()),
        ..Registration::default()
    };
    let mut bulk_reg = bulk.clone();
    // Make the credit code valid except for the one record below that is meant to fail.
    let mut rng = Rng::new(99);
    let county = RegionCode::parse("510104").map_err(|e| SeedError::Plan(e.to_string()))?;
    bulk_reg.credit_code = Some(credit_code("91", &county, &mut rng));
    for g in unregistered.iter().take(6) {
        let rec = base(g.id, bulk_reg.clone(), "staff", counselor.as_ref().map(|u| u.id));
        store.save_destination(&rec, None, "register", actor(&counselor)).await?;
    }
    // A registration whose credit code fails its check.
    if let Some(g) = unregistered.get(6) {
        let mut reg = bulk.clone();
        reg.employer_name = Some("四川某某贸易有限公司".into());
        reg.credit_code = Some("91510100MA6ABCDE1X".into());
        reg.monthly_pay = Some(4_500);
        store.save_destination(&base(g.id, reg, "graduate", None), None, "register", None).await?;
    }
    // A record confirmed by its graduate, then changed by staff.
    if let Some(g) = unregistered.get(7) {
        let reg = Registration {
            code: "801".into(),
            proof_kind: Some("admission".into()),
            employer_name: Some("四川大学".into()),
            ..Registration::default()
        };
        let mut rec = base(g.id, reg, "graduate", None);
        rec.status = DestStatus::Approved;
        store.save_destination(&rec, None, "approve", actor(&career)).await?;
        rec.status = DestStatus::Confirmed;
        rec.confirmed_at = Some(now);
        store.save_destination(&rec, Some(1), "confirm", None).await?;
        rec.status = DestStatus::Submitted;
        rec.registration.code = "11".into();
        rec.registration.employer_name = Some("成都锦程网络科技有限公司".into());
        rec.registration.credit_code = bulk_reg.credit_code.clone();
        rec.registration.proof_kind = Some("contract".into());
        rec.source = "staff".into();
        store.save_destination(&rec, Some(2), "register", actor(&career)).await?;
        let text = "我已被录取为研究生，并未与该公司签订劳动合同，请更正我的毕业去向。";
        store.add_dispute(&dispute(Uuid::now_v7(), g.id, scu.id, text)?).await?;
    }
    for g in unregistered.iter().skip(8).take(2) {
        let text = "我的毕业去向显示为未登记，但我已提交了就业协议，请核实。";
        store.add_dispute(&dispute(Uuid::now_v7(), g.id, scu.id, text)?).await?;
    }
    // The demo graduate's evidence: a small PDF.
    if let Some(user) = store.user_by_username("demo_graduate").await? {
        let grants = store.grants_of(user.id).await?;
        if let Some(gid) = grants.iter().find_map(|g| g.grant.subject_id) {
            std::fs::create_dir_all(evidence_dir).map_err(|e| SeedError::Plan(e.to_string()))?;
            let pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";
            let stored = format!("{}.bin", Uuid::new_v4().simple());
            let id = Uuid::now_v7();
            let sealed =
                keys.seal_bytes_bound(pdf, &row_aad("evidence", "stored_name", &id.to_string())).map_err(sealing)?;
            std::fs::write(evidence_dir.join(&stored), sealed).map_err(|e| SeedError::Plan(e.to_string()))?;
            store
                .add_evidence(&EvidenceRecord {
                    id,
                    graduate_id: gid,
                    org_id: scu.id,
                    kind: "contract".into(),
                    stored_name: stored,
                    original_name: "劳动合同（首页）.pdf".into(),
                    content_type: "application/pdf".into(),
                    size_bytes: pdf.len() as i64,
                    sha256: jiuye_security::sha256_hex(pdf),
                    uploaded_by: Some(user.id),
                    uploaded_at: now,
                })
                .await?;
        }
    }
    store.meta_set("demo_workflow", "done").await?;
    Ok(())
}

/// Brings the 2023 spring 访企拓岗 campaign to life across the demo province: every university
/// gets a campaign account (representing its leadership and programme heads, disabled so nobody
/// signs in with it) and visits by its leaders spread over the window, some before it (so not
/// every employer is new), with positions opened, internship bases and survey answers; the
/// programmes of 四川大学 and a few other universities get their own visits. Some universities
/// and programmes end well short of their quotas, so the campaign views have people behind.
/// Runs once: a marker records that it is done.
pub async fn demo_visits(store: &dyn Repository, cost: jiuye_security::password::Cost) -> Result<usize, SeedError> {
    use jiuye_domain::access::Role;
    use jiuye_store::accounts::{NewGrant, NewUser};
    use jiuye_store::employers::VisitRecord;

    if store.meta_get("demo_visits").await?.as_deref() == Some("done") {
        return Ok(0);
    }
    let sichuan = store
        .org_by_code(&OrgCode::parse("510000").map_err(|e| SeedError::Plan(e.to_string()))?)
        .await?
        .ok_or_else(|| SeedError::Plan("四川省 is missing".into()))?;
    let (employers, _) = store.list_employers(None, None, 5_000, 0).await?;
    if employers.is_empty() {
        return Err(SeedError::Plan("the demo has no employers".into()));
    }
    let node = store.node().await?.node_id;
    let mut r = Rng::new(2023).fork("visits");
    let secret = format!("{:016x}{:016x}", r.next_u64(), r.next_u64());
    let hash = jiuye_security::password::hash(&secret, cost).map_err(|e| SeedError::Plan(e.to_string()))?;
    let start = chrono::NaiveDate::from_ymd_opt(2023, 2, 1).unwrap_or_default();
    let mut written = 0;
    let universities: Vec<Org> = store
        .org_children(&sichuan)
        .await?
        .into_iter()
        .map(|c| c.org)
        .filter(|o| o.kind == OrgKind::University)
        .collect();
    for (i, u) in universities.iter().enumerate() {
        let id = Uuid::now_v7();
        let user = NewUser {
            id,
            username: format!("campaign_{}", u.code),
            display_name: format!("{}访企拓岗（演示，代表校领导与专业负责人）", u.name),
            org_id: u.id,
            password_hash: hash.clone(),
            must_change_password: false,
        };
        let grant = NewGrant {
            id: Uuid::now_v7(),
            user_id: id,
            role: Role::UniversityLeader,
            org_id: u.id,
            subject_id: None,
            created_by: None,
        };
        if !store.create_user(&user, &[grant]).await? {
            continue;
        }
        store.set_disabled(id, true).await?;
        let log = |unit: Uuid, role: &str, day: i64, programmes: Vec<Uuid>, r: &mut Rng| {
            let e = &employers[r.below(employers.len())];
            let v = VisitRecord {
                id: Uuid::now_v7(),
                org_id: u.id,
                unit_id: unit,
                employer_id: e.id,
                visit_date: start + chrono::Duration::days(day),
                form: ["on_site", "on_site", "invited", "online"][r.below(4)].to_owned(),
                positions_opened: r.below(30) as i64,
                base_agreed: r.below(5) == 0,
                invited_to_fair: r.below(2) == 0,
                survey_filled: r.below(3) == 0,
                notes: None,
                created_by: id,
                origin_node: node,
            };
            (v, vec![(id, role.to_owned())], programmes)
        };
        // Leaders: from a handful of visits to well past the quota, depending on the university.
        let n = [12, 35, 60, 85, 104, 130][i % 6] + r.below(10);
        let mut batch = Vec::new();
        for _ in 0..r.below(8) {
            batch.push(log(u.id, "president", -(r.range(1, 90) as i64), vec![], &mut r));
        }
        for _ in 0..n {
            let role = ["secretary", "president", "leadership_member"][r.below(3)];
            batch.push(log(u.id, role, r.below(89) as i64, vec![], &mut r));
        }
        // Programme heads, for 四川大学 and every fifth university.
        if u.code.as_str() == "4151010610" || i % 5 == 0 {
            for c in store.org_children(u).await? {
                for p in store.org_children(&c.org).await? {
                    for _ in 0..r.below(16) {
                        batch.push(log(p.org.id, "major_head", r.below(89) as i64, vec![p.org.id], &mut r));
                    }
                }
            }
        }
        for (v, people, programmes) in batch {
            store.add_visit(&v, &people, &programmes).await?;
            written += 1;
        }
    }
    store.meta_set("demo_visits", "done").await?;
    Ok(written)
}

/// Maps a GB/T 4754 class code to its section letter.
fn section_finder(rd: &RefData) -> impl Fn(&str) -> String + '_ {
    |code: &str| rd.industry_section(code).unwrap_or(code).to_owned()
}

/// The 工作职位类别 code a demo role of a section is filed under.
fn position_of(section: &str) -> &'static str {
    match section {
        "I" | "C" | "B" | "D" | "E" => "13",
        "J" | "K" => "22",
        "L" | "F" | "G" | "H" => "40",
        "Q" => "19",
        "P" => "24",
        "M" => "11",
        _ => "30",
    }
}

/// What a section of GB/T 4754 hires for in the demo survey: roles, 专业类 codes and a monthly
/// pay floor (yuan).
fn demand_profile(section: &str) -> (&'static [&'static str], &'static [&'static str], i64) {
    match section {
        "I" => (&["软件开发工程师", "测试工程师", "运维工程师", "数据分析师"], &["0809", "0807", "0701"], 7000),
        "C" | "B" | "D" => {
            (&["机械设计工程师", "工艺工程师", "质量工程师", "电气工程师"], &["0802", "0806", "0804"], 5000)
        }
        "F" | "G" => (&["销售代表", "市场专员", "采购专员", "物流专员"], &["1202", "1206", "0201"], 4000),
        "E" => (&["施工员", "造价员", "结构设计师"], &["0810", "1201"], 5000),
        "J" | "K" | "L" => (&["客户经理", "风控专员", "理财顾问"], &["0203", "0201", "1202"], 5000),
        "Q" => (&["护士", "住院医师", "药剂师"], &["1011", "1002", "1007"], 5000),
        "P" => (&["中学教师", "教研员", "教务专员"], &["0401", "0501", "0701"], 5000),
        "H" => (&["餐饮主管", "酒店前厅经理", "旅游产品策划"], &["1209", "1202"], 4000),
        _ => (&["行政专员", "人力资源专员", "财务专员"], &["1202", "1204", "0301"], 4000),
    }
}

/// The demo's campaign records beside the visits: employers given staff and revenue figures
/// across all four size classes and mostly verified by the province, a base registered for every
/// visit that agreed one, and demand-survey answers from the employers whose visits filled one
/// in. Idempotent.
pub async fn demo_campaign_records(store: &dyn Repository, rd: &RefData) -> Result<(usize, usize, usize), SeedError> {
    use jiuye_domain::employer::{category_of, size_class, thresholds};
    use jiuye_store::campaign::{BaseRecord, SurveyLine, SurveyRecord};

    if store.meta_get("demo_records").await?.as_deref() == Some("done") {
        return Ok((0, 0, 0));
    }
    let section_of = section_finder(rd);
    let table = thresholds();
    let verifier = store.user_by_username("demo_province").await?.map(|u| u.id).unwrap_or_default();
    let mut r = Rng::new(2023).fork("records");
    let mut employers = Vec::new();
    loop {
        let (page, _) = store.list_employers(None, None, 500, employers.len() as i64).await?;
        if page.is_empty() {
            break;
        }
        employers.extend(page);
    }
    let mut sizes = 0;
    for e in &employers {
        if e.employees.is_some() {
            continue;
        }
        // Roughly the mix of employers that recruit graduates: many small and micro firms.
        let (employees, revenue) = match r.weighted(&[8, 22, 40, 30]) {
            0 => (r.range(1_000, 20_000) as i64, r.range(40_000, 2_000_000) as i64),
            1 => (r.range(100, 999) as i64, r.range(2_000, 39_999) as i64),
            2 => (r.range(20, 99) as i64, r.range(300, 1_999) as i64),
            _ => (r.range(3, 19) as i64, r.range(20, 299) as i64),
        };
        let section = section_of(&e.industry_code);
        let category = category_of(&e.industry_code, &section);
        let mut next = e.clone();
        next.employees = Some(employees);
        next.revenue_wan = Some(revenue);
        next.size_class = table
            .iter()
            .find(|t| t.category == category)
            .map(|t| size_class(t, Some(employees), Some(revenue)).id().to_owned());
        store.upsert_employer(&next).await?;
        if r.below(10) < 8 {
            store
                .set_verification(&e.credit_code, jiuye_domain::employer::Verification::Verified, verifier, None)
                .await?;
        }
        sizes += 1;
    }
    let by_id: HashMap<Uuid, &jiuye_store::employers::EmployerRecord> = employers.iter().map(|e| (e.id, e)).collect();
    let sichuan = store
        .org_by_code(&OrgCode::parse("510000").map_err(|e| SeedError::Plan(e.to_string()))?)
        .await?
        .ok_or_else(|| SeedError::Plan("四川省 is missing".into()))?;
    let node = store.node().await?.node_id;
    let (mut bases, mut surveys) = (0, 0);
    for u in store.org_children(&sichuan).await?.into_iter().map(|c| c.org).filter(|o| o.kind == OrgKind::University) {
        let mut answered = std::collections::HashSet::new();
        for f in store.visits_of(u.id).await? {
            let by = f.people.first().copied().unwrap_or_default();
            if f.base_agreed {
                let Some(e) = by_id.get(&f.employer_id) else { continue };
                let base = BaseRecord {
                    id: Uuid::now_v7(),
                    org_id: u.id,
                    unit_id: f.unit_id,
                    employer_id: f.employer_id,
                    name: format!("{}实习实践基地", e.name),
                    kind: ["internship", "internship", "practice", "employment"][r.below(4)].to_owned(),
                    capacity: r.range(5, 60) as i64,
                    start_date: f.visit_date,
                    end_date: None,
                    visit_id: Some(f.id),
                    notes: None,
                    created_by: by,
                    origin_node: node,
                    version: 1,
                    programmes: f.programmes.clone(),
                };
                bases += usize::from(store.add_base(&base).await?);
            }
            if f.survey_filled && answered.insert(f.employer_id) {
                let Some(e) = by_id.get(&f.employer_id) else { continue };
                let (roles, classes, floor) = demand_profile(&section_of(&e.industry_code));
                let lines = (0..r.range(1, 3))
                    .map(|_| {
                        let min = floor + 500 * r.below(8) as i64;
                        SurveyLine {
                            role: r.pick(roles).to_string(),
                            major_class: r.pick(classes).to_string(),
                            education: ["bachelor", "bachelor", "bachelor", "master", "vocational"][r.below(5)]
                                .to_owned(),
                            headcount: r.range(1, 20) as i64,
                            skills: None,
                            salary_min: min,
                            salary_max: min + 1000 * r.range(2, 6) as i64,
                        }
                    })
                    .collect();
                let s = SurveyRecord {
                    id: Uuid::now_v7(),
                    employer_id: f.employer_id,
                    org_id: u.id,
                    year: 2023,
                    notes: None,
                    submitted_by: by,
                    origin_node: node,
                    lines,
                };
                store.save_survey(&s).await?;
                surveys += 1;
            }
        }
    }
    store.meta_set("demo_records", "done").await?;
    Ok((sizes, bases, surveys))
}

/// Texts of demo postings that screening must hold: each carries a sign the published warnings
/// name.
const DEMO_SCAMS: &[(&str, &str)] = &[
    ("储备店长", "无需经验，入职前需缴纳服装费 200 元及押金 500 元，转正后退还。"),
    ("网络兼职客服", "在家即可完成，刷单返佣，日结工资，需先垫付货款。"),
    ("IT 培训生", "零基础包就业，先培训后就业，学费可办理分期贷款。"),
    ("海外高薪文员", "东南亚公司招聘，月入过万，包机票，无需经验，轻松上手。"),
    ("财务助理", "入职当天身份证原件交由公司保管，并提供本人银行卡用于发薪。"),
];

/// Makes realistic postings from the verified employers of a database: titles, majors and pay
/// fitted to each employer's industry, spread over 四川省 (60%), the nation (25%) and single
/// universities (15%), some joining the themed campaigns they qualify for; screened like a
/// submission and approved unless screening holds them.
pub struct PostingMaker {
    employers: Vec<jiuye_store::employers::EmployerRecord>,
    sichuan: Uuid,
    universities: Vec<Uuid>,
    nation: Uuid,
    reviewer: Uuid,
    wages: HashMap<String, i64>,
    node: Uuid,
    sections: Vec<String>,
    /// Undergraduate majors of each major class.
    majors_of: HashMap<String, Vec<String>>,
    rng: Rng,
}

impl PostingMaker {
    /// `None` when the database has no verified employer or no 四川省 yet.
    pub async fn new(store: &dyn Repository, rd: &RefData, seed: u64) -> Result<Option<PostingMaker>, SeedError> {
        let mut employers = Vec::new();
        loop {
            let (page, _) = store.list_employers(None, Some("verified"), 500, employers.len() as i64).await?;
            if page.is_empty() {
                break;
            }
            employers.extend(page);
        }
        let Some(sichuan) =
            store.org_by_code(&OrgCode::parse("510000").map_err(|e| SeedError::Plan(e.to_string()))?).await?
        else {
            return Ok(None);
        };
        if employers.is_empty() {
            return Ok(None);
        }
        let universities: Vec<Uuid> = store
            .org_children(&sichuan)
            .await?
            .into_iter()
            .map(|c| c.org)
            .filter(|o| o.kind == OrgKind::University)
            .map(|o| o.id)
            .collect();
        let sections = employers.iter().map(|e| section_finder(rd)(&e.industry_code)).collect();
        let mut majors_of: HashMap<String, Vec<String>> = HashMap::new();
        for m in rd.majors(Catalogue::UndergraduateMajors) {
            if let Some(class) = m.code.get(..4) {
                majors_of.entry(class.to_owned()).or_default().push(m.code.clone());
            }
        }
        Ok(Some(PostingMaker {
            employers,
            sichuan: sichuan.id,
            universities,
            nation: well_known_org_id(&OrgCode::nation()),
            reviewer: store.user_by_username("demo_province").await?.map(|u| u.id).unwrap_or_default(),
            wages: jiuye_domain::refdata::min_wage_table().into_iter().map(|(p, y, _)| (p, y)).collect(),
            node: store.node().await?.node_id,
            sections,
            majors_of,
            rng: Rng::new(seed).fork("postings"),
        }))
    }

    /// The next posting; `scam` gives it the text of `DEMO_SCAMS[i]` instead of an ordinary one.
    pub fn make(&mut self, scam: Option<usize>) -> jiuye_store::postings::PostingRecord {
        use jiuye_domain::screening::{Draft, Rules, screen};
        const PERKS: [&str; 9] =
            ["五险一金", "带薪年假", "定期体检", "提供住宿", "餐补", "节日福利", "弹性工作", "岗前培训", "双休"];
        let r = &mut self.rng;
        let k = r.below(self.employers.len());
        let e = &self.employers[k];
        let section = &self.sections[k];
        let (roles, classes, floor) = demand_profile(section);
        let (title, description) = match scam {
            Some(i) => {
                let (t, d) = DEMO_SCAMS[i % DEMO_SCAMS.len()];
                (t.to_owned(), d.to_owned())
            }
            None => {
                let role = r.pick(roles).to_string();
                let mut d = format!("{}招聘{}，负责相关岗位日常工作，欢迎应届毕业生投递。", e.name, role);
                let mut chosen: Vec<&str> = Vec::new();
                for _ in 0..r.range(2, 4) {
                    let p = *r.pick(&PERKS);
                    if !chosen.contains(&p) {
                        chosen.push(p);
                    }
                }
                d.push_str(&format!("福利：{}。", chosen.join("、")));
                (role, d)
            }
        };
        // A major class, or (half the time) one major of it.
        let majors: Vec<String> = (0..r.range(0, 2))
            .map(|_| {
                let class = *r.pick(classes);
                match self.majors_of.get(class) {
                    Some(ms) if r.chance(0.5) => r.pick(ms).clone(),
                    _ => class.to_owned(),
                }
            })
            .collect();
        let min = floor + 500 * r.below(8) as i64;
        let (salary_min, salary_max) = (Some(min), Some(min + 1000 * r.range(1, 5) as i64));
        let (visibility, scope) = match r.weighted(&[60, 25, 15]) {
            0 => ("province", self.sichuan),
            1 => ("nation", self.nation),
            _ if self.universities.is_empty() => ("province", self.sichuan),
            _ => ("university", *r.pick(&self.universities)),
        };
        let contact = format!("0{}-{}", r.range(20, 99), r.range(80_000_000, 89_999_999));
        let wage = self.wages.get(&format!("{}0000", &e.region_code[..2.min(e.region_code.len())])).copied();
        let screening = screen(
            Rules::shipped(),
            &Draft { title: &title, description: &description, salary_min, salary_max, contact: Some(&contact) },
            wage,
        );
        use jiuye_domain::posting::PostingStatus;
        let status = jiuye_domain::posting::state_after_screening(screening.level);
        let status = if status == PostingStatus::Pending && scam.is_none() { PostingStatus::Approved } else { status };
        let created = Utc::now() - chrono::Duration::hours(r.range(1, 24 * 60) as i64);
        let today = chrono::Local::now().date_naive();
        // Some postings join the themed campaigns they are eligible for.
        let scope_province = (visibility != "nation").then_some("510000");
        let specials: Vec<&str> = jiuye_domain::posting::specials()
            .iter()
            .filter(|sp| {
                let want = match sp.id.as_str() {
                    "sme_100_days" => 0.35,
                    "western" => 0.2,
                    _ => 0.08,
                };
                r.chance(want) && sp.refuses(e.size_class.as_deref(), &e.region_code, scope_province).is_none()
            })
            .map(|sp| sp.id.as_str())
            .collect();
        let approved = status == PostingStatus::Approved;
        jiuye_store::postings::PostingRecord {
            id: r.uuid_v7(created.timestamp_millis() as u64),
            employer_id: e.id,
            title,
            description,
            region_code: e.region_code.clone(),
            position_code: position_of(section).to_owned(),
            education: ["bachelor", "bachelor", "any", "vocational", "master"][r.below(5)].to_owned(),
            majors: majors.join(","),
            openings: r.range(1, 30) as i64,
            salary_min,
            salary_max,
            deadline: today + chrono::Duration::days(r.range(7, 120) as i64),
            contact,
            apply_method: "平台内投递".into(),
            visibility: visibility.into(),
            scope_org_id: scope,
            specials: specials.join(","),
            status,
            risk_level: screening.level.id().into(),
            risk_reasons: serde_json::to_string(&screening.reasons).unwrap_or_else(|_| "[]".into()),
            reviewed_by: approved.then_some(self.reviewer),
            reviewed_at: approved.then_some(created),
            review_note: None,
            created_by: self.reviewer,
            created_at: created,
            updated_at: created,
            origin_node: self.node,
            version: 1,
            occupation: None,
        }
    }
}

/// The demo's job postings: a few thousand, approved, from verified demo employers (see
/// `PostingMaker`); plus a handful with scam signs, held by screening for review; then the demo
/// recruitment events (see `demo_events`). Idempotent.
pub async fn demo_postings(store: &dyn Repository, rd: &RefData, count: usize) -> Result<usize, SeedError> {
    if store.meta_get("demo_postings").await?.as_deref() == Some("done") {
        // An interrupted load completes the events (they come after the postings they bring).
        demo_events(store).await?;
        demo_matching(store).await?;
        return Ok(0);
    }
    // The demo employer's account can post from the first start.
    if let Some(u) = store.user_by_username("demo_employer").await? {
        let verifier = store.user_by_username("demo_province").await?.map(|v| v.id).unwrap_or_default();
        for g in store.grants_of(u.id).await? {
            let Some(id) = g.grant.subject_id else { continue };
            if let Some(e) = store
                .employer_by_id(id)
                .await?
                .filter(|e| e.verification == jiuye_domain::employer::Verification::Unverified)
            {
                store
                    .set_verification(&e.credit_code, jiuye_domain::employer::Verification::Verified, verifier, None)
                    .await?;
            }
        }
    }
    let Some(mut maker) = PostingMaker::new(store, rd, 2023).await? else { return Ok(0) };
    let mut batch: Vec<_> = (0..count).map(|_| maker.make(None)).collect();
    batch.extend((0..DEMO_SCAMS.len()).map(|i| maker.make(Some(i))));
    store.add_postings(&batch).await?;
    store.meta_set("demo_postings", "done").await?;
    // The demo's recruitment events, whose employers bring these postings.
    demo_events(store).await?;
    demo_matching(store).await?;
    Ok(batch.len())
}
