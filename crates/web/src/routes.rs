//! The table of page routes (and the OpenAPI document's address). Every page path is registered
//! through [`RouteTable`], which keeps the list of paths: the authorisation matrix test walks
//! that list (with the OpenAPI document's paths) so that no route escapes it.

use axum::Router;
use axum::routing::{MethodRouter, get, post};

use crate::{AppState, pages};

/// Routes with the list of their paths.
#[derive(Default)]
pub struct RouteTable {
    router: Router<AppState>,
    paths: Vec<&'static str>,
}

impl RouteTable {
    fn route(&mut self, path: &'static str, methods: MethodRouter<AppState>) -> &mut Self {
        self.router = std::mem::take(&mut self.router).route(path, methods);
        self.paths.push(path);
        self
    }
}

/// The page routes and their paths.
pub fn pages() -> (Router<AppState>, Vec<&'static str>) {
    let mut t = RouteTable::default();
    t.route("/", get(pages::home))
        .route("/orgs", get(pages::orgs_root))
        .route("/orgs/search", get(pages::org_search))
        .route("/orgs/{code}", get(pages::org_page))
        .route("/ref", get(pages::reference::ref_index))
        .route("/ref/{catalogue}", get(pages::reference::ref_list))
        .route("/lang/{id}", get(pages::set_lang))
        .route("/login", get(pages::accounts::login_form).post(pages::accounts::login_submit))
        .route("/logout", post(pages::accounts::logout))
        .route("/account", get(pages::accounts::account))
        .route("/account/password", post(pages::accounts::account_password))
        .route("/account/totp/setup", post(pages::accounts::account_totp_setup))
        .route("/account/totp/enable", post(pages::accounts::account_totp_enable))
        .route("/account/totp/disable", post(pages::accounts::account_totp_disable))
        .route("/account/tokens", post(pages::accounts::account_token_create))
        .route("/account/tokens/{id}/revoke", post(pages::accounts::account_token_revoke))
        .route("/users", get(pages::accounts::users::users).post(pages::accounts::users::users_create))
        .route("/users/{id}", get(pages::accounts::users::user_detail))
        .route("/users/{id}/grants", post(pages::accounts::users::user_grant))
        .route("/users/{id}/grants/{grant_id}/revoke", post(pages::accounts::users::user_grant_revoke))
        .route("/users/{id}/password", post(pages::accounts::users::user_password))
        .route("/users/{id}/disabled", post(pages::accounts::users::user_disabled))
        .route("/users/{id}/unlock", post(pages::accounts::users::user_unlock))
        .route("/audit", get(pages::accounts::audit::audit))
        .route("/read-log", get(pages::read_log::read_log_page))
        .route("/federation", get(pages::federation::federation_page))
        .route("/federation/peers", post(pages::federation::peer_add_submit))
        .route("/federation/peers/{org}/remove", post(pages::federation::peer_remove_submit))
        .route("/safety", get(pages::safety::safety_page))
        .route("/safety/rules/reload", post(pages::safety::reload_submit))
        .route("/safety/quiz", get(pages::safety::quiz_page).post(pages::safety::quiz_submit))
        .route("/safety/completion", get(pages::safety::completion_page))
        .route("/guidance", get(pages::guidance::guidance_page))
        .route("/guidance/slots", post(pages::guidance::publish_submit))
        .route("/guidance/slots/{id}/book", post(pages::guidance::book_submit))
        .route("/guidance/bookings/{id}/cancel", post(pages::guidance::cancel_submit))
        .route("/guidance/calendar", post(pages::guidance::calendar_submit))
        .route("/guidance/contests", get(pages::contests::contests_page).post(pages::contests::create_submit))
        .route("/guidance/contests/{id}", get(pages::contests::contest_view))
        .route("/guidance/contests/{id}/entry", post(pages::contests::enter_submit))
        .route("/guidance/contests/{id}/scores", post(pages::contests::score_submit))
        .route("/guidance/contests/{id}/results", post(pages::contests::publish_submit))
        .route("/events", get(pages::events::events_page).post(pages::events::create_submit))
        .route("/events/{id}", get(pages::events::detail::event_view))
        .route("/events/{id}/registration", post(pages::events::actions::register_submit))
        .route("/events/{id}/registration/cancel", post(pages::events::actions::unregister_submit))
        .route("/events/{id}/registration/offer", post(pages::events::actions::take_offer_submit))
        .route("/events/{id}/booths/{booth_id}/bookings", post(pages::events::actions::book_submit))
        .route("/events/{id}/bookings/{booking}/withdraw", post(pages::events::actions::withdraw_submit))
        .route("/events/{id}/bookings/{booking}/decision", post(pages::events::actions::decide_submit))
        .route("/events/{id}/booths-open", post(pages::events::actions::booths_open_submit))
        .route("/events/{id}/cancel", post(pages::events::actions::cancel_submit))
        .route("/events/{id}/live", get(pages::live::live_page))
        .route(
            "/events/{id}/checkin",
            get(pages::events::checkin::checkin_view).post(pages::events::checkin::checkin_submit),
        )
        .route("/awards", get(pages::awards::awards_page).post(pages::awards::nominate_submit))
        .route("/awards/{id}", get(pages::awards::award_view))
        .route("/awards/{id}/steps", post(pages::awards::step_submit))
        .route("/guidance/courses", get(pages::courses::courses_page).post(pages::courses::publish_submit))
        .route("/guidance/courses/{id}", get(pages::courses::roll_page))
        .route("/guidance/courses/{id}/enrol", post(pages::courses::enrol_submit))
        .route("/guidance/courses/{id}/join", post(pages::courses::join_submit))
        .route("/guidance/courses/{id}/attendance", post(pages::courses::mark_submit))
        .route("/guidance/graduates/{id}", get(pages::guidance::notes_view).post(pages::guidance::notes_submit))
        .route("/guidance/calendar/revoke", post(pages::guidance::calendar_revoke_submit))
        .route("/hardship", get(pages::hardship::ledger_page))
        .route("/hardship/open", post(pages::hardship::open_submit))
        .route("/hardship/missing", get(pages::hardship::missing_page))
        .route("/hardship/pending", get(pages::hardship::pending_page))
        .route("/hardship/export.csv", get(pages::hardship::export_csv))
        .route("/hardship/subsidy", get(pages::hardship::subsidy_view))
        .route("/hardship/subsidy/{province}", post(pages::hardship::subsidy_submit))
        .route(
            "/hardship/import",
            get(pages::hardship::import_page)
                .post(pages::hardship::import_submit)
                .layer(axum::extract::DefaultBodyLimit::max(jiuye_sheets::MAX_FILE_BYTES + 64 * 1024)),
        )
        .route("/hardship/graduates/{id}", get(pages::hardship::file_view).post(pages::hardship::file_submit))
        .route("/me/hardship/consent", post(pages::hardship::consent_submit))
        .route("/matching", get(pages::matching::matching_page))
        .route("/matching/intentions", post(pages::matching::intentions_submit))
        .route(
            "/matching/resume",
            post(pages::matching::resume_submit)
                .layer(axum::extract::DefaultBodyLimit::max(jiuye_app::matching::resume::MAX_BYTES + 64 * 1024)),
        )
        .route("/matching/postings/{id}/not-interested", post(pages::matching::not_interested_submit))
        .route("/matching/invitations/{id}/answer", post(pages::matching::answer_submit))
        .route("/matching/coverage", get(pages::matching::coverage::coverage_page))
        .route("/matching/refresh", post(pages::matching::coverage::refresh_submit))
        .route("/followup", get(pages::followup::list_page))
        .route("/followup/psychology-contact", post(pages::followup::appoint_submit))
        .route("/followup/{id}", get(pages::followup::graduate_view).post(pages::followup::graduate_submit))
        .route("/rights", get(pages::safety::rights::rights_page))
        .route("/rights/new", get(pages::safety::rights::new_page).post(pages::safety::rights::new_submit))
        .route("/rights/{id}", get(pages::safety::rights::report_view))
        .route("/rights/{id}/state", post(pages::safety::rights::move_submit))
        .route("/stats", get(pages::rosters::stats))
        .route("/me/destination", get(pages::destinations::my_destination))
        .route("/graduates", get(pages::destinations::list::graduates))
        .route("/graduates/{id}", get(pages::destinations::graduate))
        .route("/graduates/{id}/destination", post(pages::destinations::register_form))
        .route("/graduates/{id}/review", post(pages::destinations::review_form))
        .route("/graduates/{id}/confirm", post(pages::destinations::confirm_form))
        .route("/graduates/{id}/disputes", post(pages::destinations::dispute_form))
        .route("/graduates/{id}/contact", post(pages::destinations::contact_form))
        .route(
            "/graduates/{id}/evidence",
            post(pages::destinations::evidence_form)
                .layer(axum::extract::DefaultBodyLimit::max(jiuye_app::files::MAX_FILE_BYTES + 64 * 1024)),
        )
        .route("/disputes", get(pages::destinations::open_disputes::disputes_page))
        .route("/disputes/{id}/answer", post(pages::destinations::answer_form))
        .route("/integrity", get(pages::destinations::integrity::integrity))
        .route("/employers/corrections", get(pages::employers::corrections::corrections_page))
        .route("/employers/corrections/{id}", post(pages::employers::corrections::decision_submit))
        .route("/campaigns", get(pages::campaign::campaigns_page))
        .route("/visits", get(pages::campaign::visits::visits_list_page))
        .route(
            "/visits/new",
            get(pages::campaign::visits::visit_form_page).post(pages::campaign::visits::visit_form_submit),
        )
        .route(
            "/visits/{id}/edit",
            get(pages::campaign::visits::visit_edit_page).post(pages::campaign::visits::visit_edit_submit),
        )
        .route("/visits/{id}/delete", post(pages::campaign::visits::visit_delete_submit))
        .route(
            "/visits/{id}/photos",
            post(pages::campaign::visits::visit_photo_submit)
                .layer(axum::extract::DefaultBodyLimit::max(jiuye_app::files::MAX_FILE_BYTES + 64 * 1024)),
        )
        .route("/campaigns/{id}", get(pages::campaign::campaign_page))
        .route("/campaigns/{id}/mine", get(pages::campaign::mine_page))
        .route("/campaigns/{id}/chart", get(pages::campaign::chart_page))
        .route("/bases", get(pages::campaign::bases::bases_page).post(pages::campaign::bases::bases_submit))
        .route(
            "/postings/screen",
            get(pages::postings::screening::screen_page).post(pages::postings::screening::screen_submit),
        )
        .route("/postings", get(pages::postings::postings_page))
        .route("/postings/review", get(pages::postings::review_page))
        .route("/postings/mine", get(pages::postings::mine_page).post(pages::postings::mine_submit))
        .route("/postings/{id}", get(pages::postings::posting_page))
        .route("/postings/{id}/review", post(pages::postings::review_submit))
        .route("/postings/{id}/report", post(pages::postings::report_submit))
        .route("/postings/{id}/apply", post(pages::applications::apply_submit))
        .route(
            "/postings/{id}/remote-apply",
            get(pages::remote_apply::remote_apply_page).post(pages::remote_apply::remote_apply_submit),
        )
        .route("/postings/{id}/applicants", get(pages::applications::applicants_page))
        .route("/postings/{id}/candidates", get(pages::matching::candidates::candidates_page))
        .route("/postings/{id}/invitations", post(pages::matching::candidates::invite_submit))
        .route("/applications", get(pages::applications::my_applications_page))
        .route("/applications/{id}", get(pages::applications::detail::application_page))
        .route("/applications/{id}/status", post(pages::applications::status_submit))
        .route("/applications/{id}/messages", post(pages::applications::detail::message_submit))
        .route(
            "/applications/{id}/resume",
            post(pages::applications::resume_submit)
                .layer(axum::extract::DefaultBodyLimit::max(jiuye_app::files::MAX_FILE_BYTES + 64 * 1024)),
        )
        .route("/applications/talent", post(pages::applications::talent_submit))
        .route("/talent", get(pages::applications::talent_page))
        .route("/postings/{id}/withdraw", post(pages::postings::withdraw_submit))
        .route("/surveys", get(pages::campaign::surveys::surveys_page).post(pages::campaign::surveys::surveys_submit))
        .route("/min-wages", get(pages::destinations::integrity::min_wages))
        .route("/min-wages/{province}", post(pages::destinations::integrity::min_wage_form))
        .route(
            "/imports",
            get(pages::rosters::import_form)
                .post(pages::rosters::import_submit)
                .layer(axum::extract::DefaultBodyLimit::max(jiuye_sheets::MAX_FILE_BYTES + 64 * 1024)),
        )
        .route("/static/app.css", get(pages::stylesheet))
        .route("/static/menu.js", get(pages::menu_script))
        .route("/static/favicon.svg", get(pages::favicon))
        .route("/favicon.ico", get(pages::favicon))
        .route("/static/pickers.js", get(pages::pickers_script))
        .route("/static/js/checkin.js", get(pages::events::checkin::script))
        .route("/static/js/live.js", get(pages::live::script))
        .route("/api/openapi.json", get(crate::openapi::serve));
    (std::mem::take(&mut t.router), std::mem::take(&mut t.paths))
}

/// Every page path (with `{param}` placeholders), in registration order.
pub fn page_paths() -> Vec<&'static str> {
    pages().1
}
