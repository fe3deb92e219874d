//! `jiuye bench match`: the batch and online recommendation paths of `jiuye match --all` and
//! `GET /api/v1/me/recommendations`, measured in memory on synthetic graduates and postings
//! drawn from the shipped catalogues (majors, regions, occupations), against exhaustive
//! scoring (every posting scored for every graduate with the same model) in the same run.
//! Prints a table, the memory held, and a projection for the largest province's node.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use jiuye_app::matching::pool::{self, Entry, Pool, Seeker};
use jiuye_domain::matching::recommend::{self, GraduateFacts, Intentions, PostingFacts, Weights, WorkKind};
use jiuye_domain::matching::text::{TextProfile, TextScorer};
use jiuye_domain::matching::titles::Occupations;
use jiuye_domain::{Catalogue, RefData};
use uuid::Uuid;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Graduates to match (every one gets a top 50).
    #[arg(long, default_value_t = 1_000_000)]
    graduates: usize,
    /// Open postings in the pool.
    #[arg(long, default_value_t = 200_000)]
    postings: usize,
    /// Graduates timed one by one for the online path (top 20 with reasons).
    #[arg(long, default_value_t = 5_000)]
    online: usize,
    /// Graduates scored exhaustively for the baseline (its time is scaled to all graduates).
    #[arg(long, default_value_t = 500)]
    baseline: usize,
    /// Threads for the batch (default: the cores).
    #[arg(long)]
    threads: Option<usize>,
}

/// A small deterministic generator (xorshift), so that runs compare.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() % 10_000) as f64 / 10_000.0 < p
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

fn rss_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// What the synthetic data is drawn from.
struct Vocab {
    majors: Vec<(String, String)>,
    classes: Vec<String>,
    cities: Vec<(String, String)>,
    provinces: Vec<String>,
    occupations: Vec<(String, String)>,
    industries: Vec<String>,
    employer_types: Vec<String>,
}

fn vocab(rd: &RefData) -> Vocab {
    let mut majors: Vec<(String, String)> = Vec::new();
    for c in [Catalogue::UndergraduateMajors, Catalogue::VocationalMajors] {
        majors.extend(rd.majors(c).map(|e| (e.code.clone(), e.name.clone())));
    }
    let mut classes: Vec<String> = majors.iter().filter_map(|(c, _)| c.get(..4)).map(str::to_owned).collect();
    classes.sort();
    classes.dedup();
    let regions: Vec<_> = rd.provinces().collect();
    let provinces = regions.iter().map(|r| r.code.to_string()).collect();
    let cities =
        rd.entries_of(Catalogue::Regions).filter(|e| e.level == 2).map(|e| (e.code.clone(), e.name.clone())).collect();
    let occupations = Occupations::shipped()
        .all()
        .iter()
        .filter(|o| o.level == 4)
        .map(|o| (o.code.clone(), o.name.clone()))
        .collect();
    let industries = rd.entries_of(Catalogue::Industries).filter(|e| e.level == 1).map(|e| e.code.clone()).collect();
    let employer_types = rd.entries_of(Catalogue::EmployerTypes).map(|e| e.code.clone()).collect();
    Vocab { majors, classes, cities, provinces, occupations, industries, employer_types }
}

const SKILLS: &[&str] = &[
    "Python 数据分析 SQL",
    "Java Spring 后端开发",
    "财务报表 Excel 会计",
    "新媒体运营 文案 短视频",
    "教学设计 课件 班级管理",
    "临床护理 急救",
    "机械设计 CAD 制图",
    "市场营销 客户沟通",
];

fn make_postings(v: &Vocab, n: usize, today: NaiveDate) -> Vec<Entry> {
    let mut d = Draw(0x9e37_79b9_7f4a_7c15);
    let titles = Occupations::shipped();
    (0..n)
        .map(|i| {
            let (_, occupation_name) = d.pick(&v.occupations).clone();
            let title = match d.below(4) {
                0 => format!("{occupation_name}（校招）"),
                1 => format!("储备{occupation_name}"),
                _ => occupation_name.clone(),
            };
            let occupation = titles.normalise(&title, 1).into_iter().next().map(|m| (m.code, m.name));
            let (city, city_name) = d.pick(&v.cities).clone();
            let majors: Vec<String> = match d.below(3) {
                0 => Vec::new(),
                1 => vec![d.pick(&v.classes).clone()],
                _ => vec![d.pick(&v.majors).0.clone(), d.pick(&v.classes).clone()],
            };
            let low = [3_000, 4_500, 6_000, 8_000, 12_000][d.below(5)];
            let facts = PostingFacts {
                majors,
                occupation: occupation.clone(),
                region: city,
                region_name: city_name,
                education: ["any", "vocational", "bachelor", "bachelor", "master"][d.below(5)].to_owned(),
                salary_min: Some(low),
                salary_max: Some(low + 3_000),
                created: today - chrono::Duration::days(d.below(60) as i64),
                employer_verified: d.chance(0.9),
                employer_type: d.pick(&v.employer_types).clone(),
                industry_section: d.pick(&v.industries).clone(),
                internship: d.chance(0.15),
                specials: if d.chance(0.05) { vec!["hongzhi".into()] } else { Vec::new() },
            };
            let text = format!("{title}\n岗位职责：{}；要求：{}", occupation_name, d.pick(SKILLS));
            Entry {
                id: Uuid::from_u128(i as u128 + 1),
                employer: Uuid::from_u128((d.below(n / 8 + 1) as u128) << 64),
                // Nation-wide (scope 0) or one province's (1..).
                scope: Uuid::from_u128(if d.chance(0.3) { 0 } else { 1 + d.below(v.provinces.len()) as u128 }),
                deadline: today + chrono::Duration::days(7 + d.below(90) as i64),
                group: occupation.as_ref().and_then(|(c, _)| c.get(..4)).map(str::to_owned),
                text: TextProfile::of(&text),
                facts,
            }
        })
        .collect()
}

/// One synthetic graduate and the scope of their school's province.
fn make_graduate(v: &Vocab, d: &mut Draw) -> (Seeker, Uuid) {
    let (major, _) = d.pick(&v.majors).clone();
    let school = d.below(v.provinces.len());
    let home = d.pick(&v.cities).0.clone();
    let mut intentions = Intentions::default();
    if d.chance(0.6) {
        intentions.regions = (0..1 + d.below(2)).map(|_| d.pick(&v.cities).0.clone()).collect();
        intentions.occupations = (0..d.below(3)).map(|_| d.pick(&v.occupations).0.clone()).collect();
        intentions.pay_min = Some([4_000, 5_000, 6_000, 8_000][d.below(4)]);
        intentions.work = [WorkKind::Any, WorkKind::FullTime, WorkKind::Internship][d.below(3)];
    }
    let facts = GraduateFacts {
        major: Some(major),
        major_class_name: None,
        education: ["associate", "bachelor", "bachelor", "master"][d.below(4)].to_owned(),
        home_region: home,
        school_province: v.provinces[school].clone(),
        intentions,
        hardship: d.chance(0.05),
    };
    let text = if d.chance(0.2) { Some(TextProfile::of(SKILLS[d.below(SKILLS.len())])) } else { None };
    (Seeker { facts, text, ..Seeker::default() }, Uuid::from_u128(1 + school as u128))
}

pub fn run(a: Args) -> Result<(), String> {
    let rd = RefData::load().map_err(|e| e.to_string())?;
    let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default();
    let v = vocab(&rd);
    let threads = a.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())).max(1);
    let rss_start = rss_mib("VmRSS:");
    let started = Instant::now();
    let pool = Pool::from_entries(make_postings(&v, a.postings, today));
    let built = started.elapsed();
    let rss_pool = rss_mib("VmRSS:");
    println!(
        "postings {} in the pool, built in {:.1} s (titles mapped to occupations, texts prepared); pool memory {:.0} MiB",
        pool.len(),
        built.as_secs_f64(),
        rss_pool - rss_start
    );
    let w = Weights::default();
    let scorer = TextScorer::shipped();
    let admit_for = |scope: Uuid| move |e: &Entry| e.scope == Uuid::nil() || e.scope == scope;

    // Online: one graduate at a time, top 20 with their reasons.
    let mut d = Draw(0x5151_2024);
    let mut online = Vec::with_capacity(a.online);
    let mut candidates_seen = 0usize;
    for _ in 0..a.online {
        let (s, scope) = make_graduate(&v, &mut d);
        let t = Instant::now();
        let cands = pool.candidates(&s.facts);
        candidates_seen += cands.len();
        let top = pool::rank(&w, scorer, &s, cands, admit_for(scope), 20, today);
        let explained: usize = top.iter().map(|(e, _)| pool::explain(&w, scorer, &s, e, today).fits.len()).sum();
        online.push(t.elapsed());
        std::hint::black_box(explained);
    }
    online.sort();

    // Batch: every graduate's top 50 with reasons, on all threads.
    let per_thread = a.graduates.div_ceil(threads);
    let t = Instant::now();
    let pool = Arc::new(pool);
    let stored: usize = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..threads)
            .map(|k| {
                let (pool, v, w) = (pool.clone(), &v, &w);
                sc.spawn(move || {
                    let mut d = Draw(0xabcd_0000 + k as u64 * 7919);
                    let mut stored = 0usize;
                    let n = per_thread.min(a.graduates.saturating_sub(k * per_thread));
                    for _ in 0..n {
                        let (s, scope) = make_graduate(v, &mut d);
                        let cands = pool.candidates(&s.facts);
                        let top = pool::rank(w, scorer, &s, cands, admit_for(scope), 50, today);
                        for (e, _) in &top {
                            stored += pool::explain(w, scorer, &s, e, today).fits.len().min(1);
                        }
                    }
                    stored
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    let batch = t.elapsed();
    let rss_peak = rss_mib("VmHWM:");

    // Baseline: every posting scored for each graduate (no candidate lists), same model and
    // the same visibility, on one thread; scaled to all graduates over the same threads.
    let all: Vec<Uuid> = (1..=a.postings as u128).map(Uuid::from_u128).collect();
    let entries = pool.entries(&all);
    let mut d = Draw(0x7777);
    let t = Instant::now();
    for _ in 0..a.baseline {
        let (s, scope) = make_graduate(&v, &mut d);
        let admit = admit_for(scope);
        let mut scored: Vec<(f32, usize)> = entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.deadline >= today && admit(e))
            .map(|(i, e)| {
                let text = s.text.as_ref().map(|t| scorer.score(t, &e.text).0);
                (recommend::rank_score(&w, &s.facts, &e.facts, text, today), i)
            })
            .collect();
        let k = 50.min(scored.len());
        if k > 0 {
            scored.select_nth_unstable_by(k - 1, |x, y| y.0.total_cmp(&x.0));
        }
        std::hint::black_box(&scored[..k]);
    }
    let base_each = t.elapsed() / a.baseline.max(1) as u32;
    let base_all = base_each * (a.graduates.div_ceil(threads)) as u32;

    let ours_each = batch * threads as u32 / a.graduates.max(1) as u32;
    println!();
    println!("| path | graduates | per graduate (one core) | wall time on {threads} threads | graduates/s |");
    println!("|---|---:|---:|---:|---:|");
    println!(
        "| jiuye: candidate lists, then scoring, top 50 with reasons | {} | {} ms | {:.1} s | {:.0} |",
        a.graduates,
        ms(ours_each),
        batch.as_secs_f64(),
        a.graduates as f64 / batch.as_secs_f64()
    );
    println!(
        "| baseline: every posting scored, top 50 (measured on {}) | {} | {} ms | {:.1} s (scaled) | {:.0} |",
        a.baseline,
        a.graduates,
        ms(base_each),
        base_all.as_secs_f64(),
        threads as f64 / base_each.as_secs_f64().max(1e-9)
    );
    println!();
    println!(
        "online (one graduate, top 20 with reasons, in memory; {} graduates): p50 {} ms, p99 {} ms, max {} ms; {:.0} candidates on average",
        a.online,
        ms(pct(&online, 0.5)),
        ms(pct(&online, 0.99)),
        ms(pct(&online, 1.0)),
        candidates_seen as f64 / a.online.max(1) as f64
    );
    println!("stored matches with reasons: {stored}; peak memory {rss_peak:.0} MiB");
    // The largest province: about 700,000 graduates against about 1,000,000 postings. Candidate
    // lists are capped (newest first), so the work per graduate does not grow with the pool once
    // the lists are full; the pool's build time and memory grow with the postings.
    let scale = 1_000_000.0 / a.postings.max(1) as f64;
    let projected = ours_each.as_secs_f64() * 700_000.0 / threads as f64 + built.as_secs_f64() * scale;
    println!(
        "projection for 700,000 graduates × 1,000,000 postings on {threads} threads: {:.1} min \
         (per graduate as measured, pool built in {:.0} s, pool memory about {:.0} MiB); target under 30 min",
        projected / 60.0,
        built.as_secs_f64() * scale,
        (rss_pool - rss_start) * scale
    );
    Ok(())
}
