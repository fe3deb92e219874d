//! Pages for placement statistics and roster import; they call the same functions as the API.

use crate::error::ErrorCode;
use crate::extract::signed_in::SignedIn;
use askama::Template;
use axum::extract::{Multipart, OriginalUri, State};
use axum::response::Response;
use jiuye_domain::access::{self, Action};
use jiuye_domain::destination::Component;
use jiuye_domain::{EducationLevel, OrgKind};
use serde::Deserialize;

use crate::AppState;
use crate::api::rosters::{ImportFailure, import_roster};
use crate::auth::AuditEvent;
use crate::error::AppError;
use crate::extract::query::ApiQuery;
use crate::i18n::Lang;
use crate::render::charts::{Bar, progress_line as rate_line_chart, rate_bars};
use crate::render::page::Base;
use crate::render::page::group_digits;
use crate::render::page::render;

fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

struct StatRow {
    code: String,
    name: String,
    graduates: String,
    placed: String,
    rate: String,
    below: bool,
    drill: bool,
}

#[derive(Template)]
#[template(path = "stats.html")]
struct StatsPage {
    base: Base,
    org_code: String,
    org_name: String,
    /// (code, name, whether the person may open its statistics).
    ancestors: Vec<(String, String, bool)>,
    cohort: i32,
    cohorts: Vec<i32>,
    gender: String,
    level: String,
    levels: Vec<(String, String)>,
    graduates: String,
    placed: String,
    rate: String,
    components: Vec<(String, String)>,
    children_title: String,
    chart: String,
    line: String,
    progress_rows: Vec<(String, String)>,
    /// 联网上报: what the nodes under this organisation reported (whole cohort only).
    federated: Option<crate::pages::stats_federated::FedSection>,
    /// 联网上报的招聘活动: the events the nodes under this organisation reported.
    federated_events: Option<crate::pages::stats_federated::EventSection>,
    rows: Vec<StatRow>,
    /// The person sees the hardship ledger's coverage here (the placement of graduates in
    /// difficulty, by category).
    hardship: bool,
}

#[derive(Debug, Deserialize)]
pub struct StatsQuery {
    org: Option<String>,
    cohort: Option<i32>,
    gender: Option<String>,
    level: Option<String>,
}

pub async fn stats(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> Result<Response, AppError> {
    let base = Base::new(&state, lang, "stats", &uri).signed_in(&me);
    let org_code = match q.org.clone().filter(|o| !o.trim().is_empty()) {
        Some(o) => o,
        None => match access::scope_paths(&me.actor, Action::ViewStatistics).first() {
            Some(p) => p.rsplit('/').next().unwrap_or("CN").to_owned(),
            None => return Err(crate::auth::forbidden()),
        },
    };
    let cohorts = state.store.cohorts().await?;
    let cohort = q.cohort.or_else(|| cohorts.first().copied()).unwrap_or(2023);
    let group = jiuye_app::statistics::Group { gender: q.gender.as_deref(), level: q.level.as_deref() };
    let mut c = jiuye_app::statistics::placement(state.store.as_ref(), &me.actor, &org_code, cohort, group).await?;
    // A ranking: highest rate first, units without graduates last.
    c.children.sort_by(|a, b| {
        (b.1.graduates > 0)
            .cmp(&(a.1.graduates > 0))
            .then(b.1.rate().total_cmp(&a.1.rate()))
            .then(a.0.code.cmp(&b.0.code))
    });
    let ancestors = state.store.org_ancestors(&c.org).await?;
    let parent_rate = c.tally.rate();
    let bars: Vec<Bar> = c
        .children
        .iter()
        .filter(|(_, t)| t.graduates > 0)
        .map(|(o, t)| Bar { label: o.name.clone(), value: t.rate(), flagged: t.rate() < parent_rate })
        .collect();
    let title = format!("{} {} 届 {}", c.org.name, cohort, base.t("stats.title"));
    let below: Vec<String> = c
        .children
        .iter()
        .filter(|(_, t)| t.graduates > 0 && t.rate() < parent_rate)
        .map(|(o, t)| format!("{} {}", o.name, pct(t.rate())))
        .collect();
    let desc = format!(
        "平均 {}；低于平均：{}",
        pct(parent_rate),
        if below.is_empty() { "无".to_owned() } else { below.join("，") }
    );
    let chart = if bars.is_empty() { String::new() } else { rate_bars(&title, &desc, &bars, parent_rate) };
    // Weekly progress: the cumulative rate at the end of each week a destination was recorded.
    let days = state.store.placement_by_day(&c.org, cohort).await?;
    let mut weeks: Vec<(String, i64)> = Vec::new();
    for (day, n) in days {
        let Ok(date) = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d") else { continue };
        let monday = date - chrono::Duration::days(i64::from(chrono::Datelike::weekday(&date).num_days_from_monday()));
        let label = monday.format("%m-%d").to_string();
        match weeks.last_mut() {
            Some((l, count)) if *l == label => *count += n,
            _ => weeks.push((label, n)),
        }
    }
    let total = c.tally.graduates.max(1) as f64;
    let mut running = 0;
    let progress: Vec<(String, f64)> = weeks
        .into_iter()
        .map(|(l, n)| {
            running += n;
            (l, running as f64 / total)
        })
        .collect();
    let progress_rows: Vec<(String, String)> = progress.iter().map(|(l, v)| (l.clone(), pct(*v))).collect();
    let line = if progress.len() < 2 || q.gender.is_some() || q.level.is_some() {
        String::new()
    } else {
        let last = progress.last().map(|p| pct(p.1)).unwrap_or_default();
        rate_line_chart(
            &format!("{} {} 届 落实率周进度", c.org.name, cohort),
            &format!("按周累计，最新 {last}"),
            &progress,
        )
    };
    let rows = c
        .children
        .iter()
        .map(|(o, t)| StatRow {
            code: o.code.to_string(),
            name: o.name.clone(),
            graduates: if t.graduates > 0 { group_digits(t.graduates) } else { "—".to_owned() },
            placed: if t.graduates > 0 { group_digits(t.placed) } else { "—".to_owned() },
            rate: if t.graduates > 0 { pct(t.rate()) } else { base.no_data().to_owned() },
            below: t.graduates > 0 && t.rate() < parent_rate,
            drill: o.kind != OrgKind::Programme,
        })
        .collect();
    let components = Component::PLACED
        .iter()
        .map(|k| {
            let n = *c.tally.by_component.get(k).unwrap_or(&0);
            let rate = if c.tally.graduates > 0 { pct(c.tally.component_rate(*k)) } else { base.no_data().to_owned() };
            (format!("{}（{} 人）", k.zh(), group_digits(n)), rate)
        })
        .collect();
    let children_title =
        c.org.kind.child_kind().map(|k| if base.lang == Lang::Zh { k.zh() } else { k.en() }).unwrap_or("").to_owned();
    let (federated, federated_events) = if q.gender.is_some() || q.level.is_some() {
        (None, None)
    } else {
        let store = state.store.as_ref();
        let f = jiuye_app::statistics::federated::federated(store, &me.actor, &org_code, cohort).await?;
        let e = jiuye_app::statistics::federated::events(store, &me.actor, &org_code, cohort).await?;
        (crate::pages::stats_federated::section(&f), crate::pages::stats_federated::events_section(&e))
    };
    let hardship = access::can(&me.actor, Action::ViewHardshipCoverage, &access::Resource::at(&c.org.path)).is_some();
    let page = StatsPage {
        hardship,
        federated_events,
        org_code: c.org.code.to_string(),
        org_name: c.org.name.clone(),
        // An ancestor the person may not read statistics of is named, not linked.
        ancestors: ancestors
            .iter()
            .map(|a| {
                let open = access::can(&me.actor, Action::ViewStatistics, &access::Resource::at(&a.path)).is_some();
                (a.code.to_string(), a.name.clone(), open)
            })
            .collect(),
        cohort,
        cohorts: if cohorts.is_empty() { vec![cohort] } else { cohorts },
        gender: q.gender.unwrap_or_default(),
        level: q.level.unwrap_or_default(),
        levels: [EducationLevel::Associate, EducationLevel::Bachelor, EducationLevel::Master, EducationLevel::Doctor]
            .iter()
            .map(|l| (l.id().to_owned(), l.zh().to_owned()))
            .collect(),
        graduates: group_digits(c.tally.graduates),
        placed: group_digits(c.tally.placed),
        rate: if c.tally.graduates > 0 { pct(c.tally.rate()) } else { base.no_data().to_owned() },
        components,
        children_title,
        chart,
        line,
        progress_rows,
        rows,
        federated,
        base,
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    base: Base,
    university: String,
    cohort: i32,
    dry_run: bool,
    error: Option<String>,
    row_errors: Vec<(usize, String, String)>,
    report: Option<(String, String, String, String)>,
    /// Rows whose destination was left as stored: (row, 学号, stored status, stored code, file code).
    conflicts: Vec<(usize, String, String, String, String)>,
}

fn default_university(me: &crate::auth::Caller) -> String {
    me.actor
        .grants
        .iter()
        .find(|g| g.org_kind == OrgKind::University && g.role.is_admin())
        .map(|g| g.org_code.clone())
        .unwrap_or_default()
}

pub async fn import_form(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, AppError> {
    if access::scope_paths(&me.actor, Action::ManageGraduates).is_empty() {
        return Err(crate::auth::forbidden());
    }
    let base = Base::new(&state, lang, "import", &uri).signed_in(&me);
    let page = ImportPage {
        university: default_university(&me),
        cohort: state.store.cohorts().await?.first().copied().unwrap_or(2023),
        dry_run: true,
        error: None,
        row_errors: Vec::new(),
        report: None,
        conflicts: Vec::new(),
        base,
    };
    render(&page)
}

pub async fn import_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    mut form: Multipart,
) -> Result<Response, AppError> {
    let mut university = String::new();
    let mut cohort = 0;
    let mut dry_run = false;
    let mut file: Option<(String, Vec<u8>)> = None;
    let bad = |m: &str| AppError::bad_request(ErrorCode::InvalidForm, m);
    while let Some(field) = form.next_field().await.map_err(|_| bad("上传内容无法解析"))? {
        match field.name().unwrap_or("") {
            "university" => university = field.text().await.map_err(|_| bad("学校标识码无法读取"))?.trim().to_owned(),
            "cohort" => cohort = field.text().await.map_err(|_| bad("届别无法读取"))?.trim().parse().unwrap_or(0),
            "dry_run" => dry_run = field.text().await.map_err(|_| bad("选项无法读取"))? == "true",
            "file" => {
                let name = field.file_name().unwrap_or("upload.csv").to_owned();
                let bytes = field.bytes().await.map_err(|_| bad("文件无法读取或超过大小上限"))?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    let event = AuditEvent::new("roster_import").target(format!("org:{university}"), None);
    let base = Base::new(&state, lang, "import", &uri).signed_in(&me);
    let mut page = ImportPage {
        university: university.clone(),
        cohort,
        dry_run,
        error: None,
        row_errors: Vec::new(),
        report: None,
        conflicts: Vec::new(),
        base,
    };
    let (org, grant) = match jiuye_app::rosters::import_target(state.store.as_ref(), &me.actor, &university)
        .await
        .map_err(AppError::from)
    {
        Ok(x) => x,
        Err(e) => {
            page.error = Some(e.message.clone());
            let mut res = render(&page)?;
            *res.status_mut() = e.status;
            return Ok(event.result(e.code.as_str()).attach(res));
        }
    };
    let event = event.target(format!("org:{}", org.code), Some(&org.path)).by(&grant);
    let Some((name, bytes)) = file else {
        page.error = Some("请选择要上传的名单文件".into());
        let mut res = render(&page)?;
        *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
        return Ok(event.result("invalid_file").attach(res));
    };
    let actor = Some((me.user.id, me.user.username.clone()));
    let outcome = {
        let _permit = state.imports.acquire().await;
        import_roster(&*state.store, &state.refdata, &org, cohort, &name, &bytes, dry_run, actor, &mut |_, _| {}).await
    };
    let (status, result) = match outcome {
        Ok(o) => {
            let heading = page.base.t(if o.dry_run { "import.checked" } else { "import.done" }).to_owned();
            let summary = page
                .base
                .t("import.summary")
                .replace("{rows}", &o.rows.to_string())
                .replace("{created}", &o.created.to_string())
                .replace("{updated}", &o.updated.to_string())
                .replace("{unchanged}", &o.unchanged.to_string())
                .replace("{destinations}", &o.destinations.to_string());
            page.report = Some((heading, summary, o.new_colleges.join("、"), o.new_programmes.join("；")));
            page.conflicts = o
                .conflicts
                .into_iter()
                .take(1000)
                .map(|c| {
                    let status = jiuye_domain::destination::DestStatus::from_id(&c.status)
                        .map(|s| s.zh().to_owned())
                        .unwrap_or(c.status);
                    (c.row, c.student_no, status, c.stored_code.unwrap_or_default(), c.file_code)
                })
                .collect();
            (axum::http::StatusCode::OK, "ok")
        }
        Err(ImportFailure::Rows(errors)) => {
            page.error = Some(format!("名单有 {} 处错误，未导入任何数据。", errors.len()));
            page.row_errors = errors.into_iter().take(1000).map(|e| (e.row, e.column, e.reason)).collect();
            (axum::http::StatusCode::UNPROCESSABLE_ENTITY, "invalid_roster")
        }
        Err(ImportFailure::File(e @ jiuye_sheets::SheetError::SheetTooLarge { .. })) => {
            page.error = Some(e.to_string());
            (axum::http::StatusCode::UNPROCESSABLE_ENTITY, "sheet_too_large")
        }
        Err(ImportFailure::File(e)) => {
            page.error = Some(e.to_string());
            (axum::http::StatusCode::BAD_REQUEST, "invalid_file")
        }
        Err(ImportFailure::Other(e)) => {
            let e = AppError::from(e);
            page.error = Some(e.message.clone());
            (e.status, e.code.as_str())
        }
    };
    let mut res = render(&page)?;
    *res.status_mut() = status;
    Ok(event.result(result).attach(res))
}
