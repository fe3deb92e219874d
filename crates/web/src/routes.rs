//! The table of page routes (and the OpenAPI document's address). Every page path is registered
//! through [`RouteTable`], which keeps the list of paths: the authorisation matrix test walks
//! that list (with the OpenAPI document's paths) so that no route escapes it.

use axum::Router;
use axum::routing::{MethodRouter, get, post};

use crate::{
    AppState, account_pages, applications_api, bases_api, destinations_api, destinations_pages, graduates_pages, pages,
    postings_pages, surveys_api, visits_api,
};

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
        .route("/ref", get(pages::ref_index))
        .route("/ref/{catalogue}", get(pages::ref_list))
        .route("/lang/{id}", get(pages::set_lang))
        .route("/login", get(account_pages::login_form).post(account_pages::login_submit))
        .route("/logout", post(account_pages::logout))
        .route("/account", get(account_pages::account))
        .route("/account/password", post(account_pages::account_password))
        .route("/account/totp/setup", post(account_pages::account_totp_setup))
        .route("/account/totp/enable", post(account_pages::account_totp_enable))
        .route("/account/totp/disable", post(account_pages::account_totp_disable))
        .route("/account/tokens", post(account_pages::account_token_create))
        .route("/account/tokens/{id}/revoke", post(account_pages::account_token_revoke))
        .route("/users", get(account_pages::users).post(account_pages::users_create))
        .route("/users/{id}", get(account_pages::user_detail))
        .route("/users/{id}/grants", post(account_pages::user_grant))
        .route("/users/{id}/grants/{grant_id}/revoke", post(account_pages::user_grant_revoke))
        .route("/users/{id}/password", post(account_pages::user_password))
        .route("/users/{id}/disabled", post(account_pages::user_disabled))
        .route("/users/{id}/unlock", post(account_pages::user_unlock))
        .route("/audit", get(account_pages::audit))
        .route("/stats", get(graduates_pages::stats))
        .route("/me/destination", get(destinations_pages::my_destination))
        .route("/graduates", get(destinations_pages::graduates))
        .route("/graduates/{id}", get(destinations_pages::graduate))
        .route("/graduates/{id}/destination", post(destinations_pages::register_form))
        .route("/graduates/{id}/review", post(destinations_pages::review_form))
        .route("/graduates/{id}/confirm", post(destinations_pages::confirm_form))
        .route("/graduates/{id}/disputes", post(destinations_pages::dispute_form))
        .route("/graduates/{id}/contact", post(destinations_pages::contact_form))
        .route(
            "/graduates/{id}/evidence",
            post(destinations_pages::evidence_form)
                .layer(axum::extract::DefaultBodyLimit::max(destinations_api::MAX_EVIDENCE_BYTES + 64 * 1024)),
        )
        .route("/disputes/{id}/answer", post(destinations_pages::answer_form))
        .route("/integrity", get(destinations_pages::integrity))
        .route("/campaigns", get(pages::campaign::campaigns_page))
        .route("/visits", get(pages::visits::visits_list_page))
        .route("/visits/new", get(pages::visits::visit_form_page).post(pages::visits::visit_form_submit))
        .route("/visits/{id}/edit", get(pages::visits::visit_edit_page).post(pages::visits::visit_edit_submit))
        .route("/visits/{id}/delete", post(pages::visits::visit_delete_submit))
        .route(
            "/visits/{id}/photos",
            post(pages::visits::visit_photo_submit)
                .layer(axum::extract::DefaultBodyLimit::max(visits_api::MAX_PHOTO_BYTES + 64 * 1024)),
        )
        .route("/campaigns/{id}", get(pages::campaign::campaign_page))
        .route("/campaigns/{id}/mine", get(pages::campaign::mine_page))
        .route("/campaigns/{id}/chart", get(pages::campaign::chart_page))
        .route("/bases", get(bases_api::bases_page).post(bases_api::bases_submit))
        .route("/postings/screen", get(pages::screening::screen_page).post(pages::screening::screen_submit))
        .route("/postings", get(postings_pages::postings_page))
        .route("/postings/review", get(postings_pages::review_page))
        .route("/postings/mine", get(postings_pages::mine_page).post(postings_pages::mine_submit))
        .route("/postings/{id}", get(postings_pages::posting_page))
        .route("/postings/{id}/review", post(postings_pages::review_submit))
        .route("/postings/{id}/report", post(postings_pages::report_submit))
        .route("/postings/{id}/apply", post(pages::applications::apply_submit))
        .route("/postings/{id}/applicants", get(pages::applications::applicants_page))
        .route("/applications", get(pages::applications::my_applications_page))
        .route("/applications/{id}/status", post(pages::applications::status_submit))
        .route(
            "/applications/{id}/resume",
            post(pages::applications::resume_submit)
                .layer(axum::extract::DefaultBodyLimit::max(applications_api::MAX_RESUME_BYTES + 64 * 1024)),
        )
        .route("/applications/talent", post(pages::applications::talent_submit))
        .route("/talent", get(pages::applications::talent_page))
        .route("/postings/{id}/withdraw", post(postings_pages::withdraw_submit))
        .route("/surveys", get(surveys_api::surveys_page).post(surveys_api::surveys_submit))
        .route("/min-wages", get(destinations_pages::min_wages))
        .route("/min-wages/{province}", post(destinations_pages::min_wage_form))
        .route(
            "/imports",
            get(graduates_pages::import_form)
                .post(graduates_pages::import_submit)
                .layer(axum::extract::DefaultBodyLimit::max(jiuye_sheets::MAX_FILE_BYTES + 64 * 1024)),
        )
        .route("/static/app.css", get(pages::stylesheet))
        .route("/api/openapi.json", get(crate::openapi_doc));
    (std::mem::take(&mut t.router), std::mem::take(&mut t.paths))
}

/// Every page path (with `{param}` placeholders), in registration order.
pub fn page_paths() -> Vec<&'static str> {
    pages().1
}
