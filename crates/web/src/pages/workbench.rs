//! The workbench page (工作台) at `/` for a signed-in person: what needs them now, their
//! numbers and shortcuts, from `jiuye_app::workbench`. Visitors get the public landing page.

use askama::Template;
use axum::response::Response;
use jiuye_app::workbench::{self, CampaignProgress, UnitRate};
use jiuye_domain::destination::Tally;

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::pages::matching::picks::{self, Pick};
use crate::render::page::{Base, group_digits, render};

/// A placement rate as shown: a percentage, or "暂无数据" when the unit has no graduates in the
/// cohort (no data is not 0%).
pub(crate) fn rate_text(base: &Base, t: &Tally) -> String {
    if t.graduates == 0 { base.t("workbench.no_data").to_owned() } else { format!("{:.2}%", t.rate() * 100.0) }
}

struct PendingRow {
    id: &'static str,
    label: String,
    count: String,
    href: String,
}

struct RateView {
    heading: String,
    value: String,
    detail: String,
    parent: Option<(String, String)>,
}

struct CampaignView {
    name: String,
    href: Option<String>,
    text: String,
}

#[derive(Template)]
#[template(path = "workbench.html")]
struct WorkbenchPage {
    base: Base,
    welcome: String,
    my_grants: Vec<(String, String, String)>,
    pending: Vec<PendingRow>,
    rate: Option<RateView>,
    campaign: Option<CampaignView>,
    /// (label, completed of graduates).
    safety_quiz: Option<(String, String)>,
    shortcuts: Vec<(String, String)>,
    /// A graduate's top recommendations (为你推荐); empty for everyone else.
    picks: Vec<Pick>,
}

fn rate_view(base: &Base, r: &UnitRate) -> RateView {
    RateView {
        heading: base
            .t("workbench.rate_heading")
            .replace("{org}", &r.org_name)
            .replace("{cohort}", &r.cohort.to_string()),
        value: rate_text(base, &r.tally),
        detail: if r.tally.graduates == 0 {
            String::new()
        } else {
            base.t("workbench.rate_detail")
                .replace("{placed}", &group_digits(r.tally.placed))
                .replace("{graduates}", &group_digits(r.tally.graduates))
        },
        parent: r.parent.as_ref().map(|(_, name, t)| (name.clone(), rate_text(base, t))),
    }
}

fn campaign_view(base: &Base, c: &CampaignProgress) -> CampaignView {
    let text = match c.targets {
        Some((all, met, behind)) if all > 0 => base
            .t("workbench.campaign_targets")
            .replace("{all}", &all.to_string())
            .replace("{met}", &met.to_string())
            .replace("{behind}", &behind.to_string()),
        _ => base.t("workbench.no_data").to_owned(),
    };
    CampaignView { name: c.name.clone(), href: c.href.clone(), text }
}

/// The signed-in person's workbench.
pub(crate) async fn workbench_page(
    state: &AppState,
    lang: Lang,
    me: &Caller,
    uri: &axum::http::Uri,
) -> Result<Response, AppError> {
    let w = workbench::workbench(state.store.as_ref(), &state.settings.keys, &me.actor, crate::api::campaign::today())
        .await?;
    let base = Base::new(state, lang, "home", uri).signed_in(me);
    let grants = state.store.grants_of(me.user.id).await?;
    let my_grants =
        grants.iter().map(|g| (base.role_name(g.grant.role), g.grant.org_code.clone(), g.org_name.clone())).collect();
    let pending = w
        .pending
        .iter()
        .map(|p| PendingRow {
            id: p.item.id(),
            label: base.t(&format!("workbench.item_{}", p.item.id())).to_owned(),
            count: group_digits(p.count),
            href: p.href.clone(),
        })
        .collect();
    let shortcuts =
        w.shortcuts.iter().map(|s| (base.t(&format!("workbench.go_{}", s.id)).to_owned(), s.href.to_owned())).collect();
    let picks = picks::top(state, me).await;
    let page = WorkbenchPage {
        picks,
        welcome: base.t("home.welcome").replace("{name}", &me.user.display_name),
        my_grants,
        pending,
        rate: w.rate.as_ref().map(|r| rate_view(&base, r)),
        campaign: w.campaign.as_ref().map(|c| campaign_view(&base, c)),
        safety_quiz: w.safety_quiz.map(|(cohort, done, all)| {
            (
                base.t("workbench.quiz_heading").replace("{cohort}", &cohort.to_string()),
                format!("{} / {}", group_digits(done), group_digits(all)),
            )
        }),
        shortcuts,
        base,
    };
    render(&page)
}
