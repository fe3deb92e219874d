//! Identity, access and audit through the real HTTP application, on every backend.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use jiuye_seed::DEMO_PASSWORD;
use serde_json::{Value, json};

use super::{Fixture, Reply, assert_error, fixtures, fixtures_with, get, send};

pub(crate) enum Auth<'a> {
    None,
    Bearer(&'a str),
    Cookie { cookie: &'a str, csrf: Option<&'a str> },
}

pub(crate) async fn call(app: &Router, method: Method, uri: &str, body: Option<Value>, auth: &Auth<'_>) -> Reply {
    let mut b = Request::builder().method(method).uri(uri);
    match auth {
        Auth::None => {}
        Auth::Bearer(t) => b = b.header(header::AUTHORIZATION, format!("Bearer {t}")),
        Auth::Cookie { cookie, csrf } => {
            b = b.header(header::COOKIE, *cookie);
            if let Some(c) = csrf {
                b = b.header("x-csrf-token", *c);
            }
        }
    }
    let req = match body {
        Some(v) => b.header(header::CONTENT_TYPE, "application/json").body(Body::from(v.to_string())),
        None => b.body(Body::empty()),
    };
    send(app, req.expect("request")).await
}

/// Signs in through the API; returns the session cookie pair and the CSRF token.
pub(crate) async fn login(app: &Router, username: &str, password: &str) -> (String, String) {
    let r = call(
        app,
        Method::POST,
        "/api/v1/session",
        Some(json!({"username": username, "password": password})),
        &Auth::None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{username}: {}", r.body);
    let set = r.headers.get(header::SET_COOKIE).expect("cookie").to_str().expect("ascii").to_owned();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax"), "{set}");
    let pair = set.split(';').next().expect("pair").to_owned();
    (pair, r.json()["csrf_token"].as_str().expect("csrf").to_owned())
}

/// A bearer token for an account, made the way the CLI makes one.
pub(crate) async fn token_for(f: &Fixture, username: &str) -> String {
    let user = f.store.user_by_username(username).await.expect("db").expect("user");
    jiuye_web::api::accounts::issue_token(&*f.store, &user, "test", Some(1)).await.expect("token").1
}

async fn user_id(f: &Fixture, username: &str) -> String {
    f.store.user_by_username(username).await.expect("db").expect("user").id.to_string()
}

#[tokio::test]
async fn sign_in_me_and_sign_out() {
    for f in fixtures().await {
        let (cookie, csrf) = login(&f.app, "demo_career", DEMO_PASSWORD).await;
        let me = call(&f.app, Method::GET, "/api/v1/me", None, &Auth::Cookie { cookie: &cookie, csrf: None }).await;
        assert_eq!(me.status, StatusCode::OK);
        let v = me.json();
        assert_eq!(v["username"], "demo_career");
        assert_eq!(v["grants"][0]["role"], "career_staff");
        assert_eq!(v["grants"][0]["org_code"], "4151010610");
        // Writes with the cookie need the CSRF header.
        let no_csrf =
            call(&f.app, Method::DELETE, "/api/v1/session", None, &Auth::Cookie { cookie: &cookie, csrf: None }).await;
        assert_error(&no_csrf, 403, "csrf_failed");
        let out =
            call(&f.app, Method::DELETE, "/api/v1/session", None, &Auth::Cookie { cookie: &cookie, csrf: Some(&csrf) })
                .await;
        assert_eq!(out.status, StatusCode::NO_CONTENT);
        let me = call(&f.app, Method::GET, "/api/v1/me", None, &Auth::Cookie { cookie: &cookie, csrf: None }).await;
        assert_error(&me, 401, "unauthenticated");
        // Signing in again gives a different session (rotated at login).
        let (again, _) = login(&f.app, "demo_career", DEMO_PASSWORD).await;
        assert_ne!(again, cookie);
        f.cleanup().await;
    }
}

#[tokio::test]
async fn public_and_protected_endpoints() {
    for f in fixtures().await {
        for open in ["/healthz", "/metrics", "/api/openapi.json", "/api/v1/ref", "/api/v1/orgs/510000", "/login", "/"] {
            assert!(get(&f.app, open).await.status.is_success(), "{}: {open} is public", f.name);
        }
        for (m, uri) in [
            (Method::GET, "/api/v1/me"),
            (Method::GET, "/api/v1/me/tokens"),
            (Method::POST, "/api/v1/me/tokens"),
            (Method::POST, "/api/v1/me/password"),
            (Method::POST, "/api/v1/me/totp"),
            (Method::GET, "/api/v1/users"),
            (Method::GET, "/api/v1/users?org=4151010610"),
            (Method::POST, "/api/v1/users"),
            (Method::GET, "/api/v1/users/01900000-0000-7000-8000-000000000000"),
            (Method::POST, "/api/v1/users/01900000-0000-7000-8000-000000000000/password"),
            (Method::GET, "/api/v1/audit"),
            (Method::DELETE, "/api/v1/session"),
        ] {
            let body = (m == Method::POST).then(|| json!({}));
            let r = call(&f.app, m.clone(), uri, body, &Auth::None).await;
            assert!(
                r.status == StatusCode::UNAUTHORIZED && r.json()["error"] == "unauthenticated",
                "{}: {m} {uri} without credentials gave {} {}",
                f.name,
                r.status,
                r.body
            );
        }
        // Pages that need a person redirect to the sign-in page.
        let r = get(&f.app, "/users").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/login?next=/users");
        f.cleanup().await;
    }
}

/// Roles × organisations × actions: who may see and manage which accounts and audit rows.
#[tokio::test]
async fn permission_matrix() {
    for f in fixtures().await {
        // Accounts outside the demo university and province, made through the API by their
        // own administrators.
        let ministry = token_for(&f, "demo_ministry").await;
        let r = call(
            &f.app,
            Method::POST,
            "/api/v1/users",
            Some(json!({"username": "bj_admin", "display_name": "北京管理员", "password": "Beijing-Admin-99", "role": "province_admin", "org": "110000"})),
            &Auth::Bearer(&ministry),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let province = token_for(&f, "demo_province").await;
        let r = call(
            &f.app,
            Method::POST,
            "/api/v1/users",
            Some(json!({"username": "swjtu_career", "display_name": "交大就业中心", "password": "Swjtu-Career-99", "role": "career_staff", "org": "4151010613"})),
            &Auth::Bearer(&province),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

        let counselor_id = user_id(&f, "demo_counselor").await;
        let province_id = user_id(&f, "demo_province").await;
        let college = "4151010610-01";
        // action → (method, uri, body)
        let actions: Vec<(&str, Method, String, Option<Value>)> = vec![
            ("view_users_scu", Method::GET, "/api/v1/users?org=4151010610".into(), None),
            ("view_users_swjtu", Method::GET, "/api/v1/users?org=4151010613".into(), None),
            ("view_users_beijing", Method::GET, "/api/v1/users?org=110000".into(), None),
            ("view_audit_scu", Method::GET, "/api/v1/audit?org=4151010610".into(), None),
            ("view_counselor", Method::GET, format!("/api/v1/users/{counselor_id}"), None),
            ("view_province_admin", Method::GET, format!("/api/v1/users/{province_id}"), None),
            (
                "create_counselor_scu",
                Method::POST,
                "/api/v1/users".into(),
                Some(
                    json!({"username": "new_c_{n}", "display_name": "新辅导员", "password": "Counselor-Pass-9", "role": "counselor", "org": college}),
                ),
            ),
            (
                "create_career_scu",
                Method::POST,
                "/api/v1/users".into(),
                Some(
                    json!({"username": "new_s_{n}", "display_name": "新就业中心", "password": "Career-Pass-99", "role": "career_staff", "org": "4151010610"}),
                ),
            ),
            (
                "create_province_admin",
                Method::POST,
                "/api/v1/users".into(),
                Some(
                    json!({"username": "new_p_{n}", "display_name": "新省管理员", "password": "Province-Pass-9", "role": "province_admin", "org": "510000"}),
                ),
            ),
            (
                "reset_counselor",
                Method::POST,
                format!("/api/v1/users/{counselor_id}/password"),
                Some(json!({"new_password": "Reset-Counselor-1"})),
            ),
            (
                "reset_province_admin",
                Method::POST,
                format!("/api/v1/users/{province_id}/password"),
                Some(json!({"new_password": "Reset-Province-11"})),
            ),
        ];
        // Who is allowed what (everything else must be refused).
        let allowed: &[(&str, &[&str])] = &[
            (
                "demo_ministry",
                &[
                    "view_users_scu",
                    "view_users_swjtu",
                    "view_users_beijing",
                    "view_audit_scu",
                    "view_counselor",
                    "view_province_admin",
                    "create_counselor_scu",
                    "create_career_scu",
                    "create_province_admin",
                    "reset_counselor",
                    "reset_province_admin",
                ],
            ),
            (
                "demo_province",
                &[
                    "view_users_scu",
                    "view_users_swjtu",
                    "view_audit_scu",
                    "view_counselor",
                    "view_province_admin",
                    "create_counselor_scu",
                    "create_career_scu",
                    "create_province_admin",
                    "reset_counselor",
                    // Not its own password: that is changed under "my account", with the
                    // current one.
                ],
            ),
            ("bj_admin", &["view_users_beijing"]),
            (
                "demo_career",
                &[
                    "view_users_scu",
                    "view_audit_scu",
                    "view_counselor",
                    "create_counselor_scu",
                    "create_career_scu",
                    "reset_counselor",
                ],
            ),
            ("swjtu_career", &["view_users_swjtu"]),
            ("demo_leader", &["view_users_scu", "view_audit_scu", "view_counselor"]),
            ("demo_college", &["view_counselor"]),
            ("demo_major", &[]),
            ("demo_counselor", &["view_counselor"]),
            ("demo_graduate", &[]),
            ("demo_employer", &[]),
        ];
        let mut n = 0;
        for (user, ok) in allowed {
            let token = token_for(&f, user).await;
            for (name, method, uri, body) in &actions {
                n += 1;
                let body = body.as_ref().map(|b| {
                    serde_json::from_str::<Value>(&b.to_string().replace("{n}", &n.to_string())).expect("json")
                });
                let r = call(&f.app, method.clone(), uri, body, &Auth::Bearer(&token)).await;
                let expect_ok = ok.contains(name);
                if expect_ok {
                    assert!(
                        r.status.is_success(),
                        "{}: {user} {name} should be allowed, got {} {}",
                        f.name,
                        r.status,
                        r.body
                    );
                } else {
                    assert!(
                        r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND,
                        "{}: {user} {name} should be refused, got {} {}",
                        f.name,
                        r.status,
                        r.body
                    );
                    let v = r.json();
                    assert!(["forbidden", "user_not_found"].contains(&v["error"].as_str().unwrap_or("")), "{}", r.body);
                    assert!(
                        !r.body.contains("demo_counselor") && !r.body.contains("grants"),
                        "no data leaks: {}",
                        r.body
                    );
                }
                // Lists never contain accounts from outside the caller's scope.
                if r.status.is_success() && *method == Method::GET && uri.starts_with("/api/v1/users?") {
                    assert!(
                        !r.body.contains("bj_admin") || ["demo_ministry", "bj_admin"].contains(user),
                        "{user}: {}",
                        r.body
                    );
                }
            }
        }
        // The province admin's unfiltered list holds Sichuan accounts only. (Its password was
        // reset above, which revoked its earlier tokens.)
        assert_eq!(
            call(&f.app, Method::GET, "/api/v1/me", None, &Auth::Bearer(&province)).await.status,
            StatusCode::UNAUTHORIZED
        );
        let province = token_for(&f, "demo_province").await;
        let all = call(&f.app, Method::GET, "/api/v1/users?limit=500", None, &Auth::Bearer(&province)).await.json();
        let names: Vec<&str> =
            all["items"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
        assert!(names.contains(&"swjtu_career") && names.contains(&"demo_graduate") && !names.contains(&"bj_admin"));
        assert!(!names.contains(&"demo_ministry"), "the ministry admin is above the province");
        f.cleanup().await;
    }
}

#[tokio::test]
async fn ten_wrong_passwords_lock_the_account_and_are_audited() {
    for f in fixtures().await {
        let attempt = |pw: &'static str| {
            call(
                &f.app,
                Method::POST,
                "/api/v1/session",
                Some(json!({"username": "demo_counselor", "password": pw})),
                &Auth::None,
            )
        };
        for i in 1..=9 {
            let r = attempt("Wrong-Password-1").await;
            assert_error(&r, 401, "invalid_credentials");
            assert!(!r.body.contains("Wrong-Password-1"), "attempt {i} echoes no password");
        }
        // Locked: the answer is the wrong-password answer, even for the right password.
        assert_error(&attempt("Wrong-Password-1").await, 401, "invalid_credentials");
        assert_error(&attempt(DEMO_PASSWORD).await, 401, "invalid_credentials");
        let unknown = call(
            &f.app,
            Method::POST,
            "/api/v1/session",
            Some(json!({"username": "nobody_here", "password": "x"})),
            &Auth::None,
        )
        .await;
        assert_error(&unknown, 401, "invalid_credentials");

        let admin = token_for(&f, "demo_career").await;
        let log = call(
            &f.app,
            Method::GET,
            "/api/v1/audit?action=sign_in&username=demo_counselor&limit=100",
            None,
            &Auth::Bearer(&admin),
        )
        .await;
        assert_eq!(log.status, StatusCode::OK, "{}", log.body);
        let rows = log.json()["items"].as_array().unwrap().clone();
        let results: Vec<&str> = rows.iter().map(|r| r["result"].as_str().unwrap()).collect();
        assert_eq!(results.iter().filter(|r| **r == "invalid_password").count(), 9, "{results:?}");
        assert_eq!(results.iter().filter(|r| **r == "account_locked").count(), 2, "{results:?}");
        assert!(!log.body.contains(DEMO_PASSWORD) && !log.body.contains("Wrong-Password-1"));

        // The career centre unlocks by resetting the password.
        let id = user_id(&f, "demo_counselor").await;
        let r = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/users/{id}/password"),
            Some(json!({"new_password": "Fresh-Start-2023"})),
            &Auth::Bearer(&admin),
        )
        .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        login(&f.app, "demo_counselor", "Fresh-Start-2023").await;
        f.cleanup().await;
    }
}

/// A request arriving from the local reverse proxy.
fn via_proxy(mut req: Request<Body>) -> Request<Body> {
    let peer: std::net::SocketAddr = "127.0.0.1:40000".parse().expect("address");
    req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
    req
}

#[tokio::test]
async fn address_throttling_refuses_after_many_failures() {
    for f in fixtures_with(|s| {
        s.auth.trusted_proxies = jiuye_web::auth::IpRange::parse_list("127.0.0.1").unwrap();
        s.auth.ip_failure_limit = 5;
    })
    .await
    {
        for _ in 0..5 {
            let req = Request::post("/api/v1/session")
                .header(header::CONTENT_TYPE, "application/json")
                .header("x-forwarded-for", "203.0.113.9")
                .body(Body::from(json!({"username": "nobody", "password": "whatever-123"}).to_string()))
                .unwrap();
            assert_error(&send(&f.app, via_proxy(req)).await, 401, "invalid_credentials");
        }
        let req = Request::post("/api/v1/session")
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-forwarded-for", "203.0.113.9")
            .body(Body::from(json!({"username": "demo_career", "password": DEMO_PASSWORD}).to_string()))
            .unwrap();
        assert_error(&send(&f.app, via_proxy(req)).await, 429, "too_many_requests");
        // Another address is unaffected.
        let req = Request::post("/api/v1/session")
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-forwarded-for", "203.0.113.10")
            .body(Body::from(json!({"username": "demo_career", "password": DEMO_PASSWORD}).to_string()))
            .unwrap();
        assert_eq!(send(&f.app, via_proxy(req)).await.status, StatusCode::OK);
        f.cleanup().await;
    }
}

#[tokio::test]
async fn tokens_work_at_once_and_die_when_revoked_or_expired() {
    for f in fixtures().await {
        let (cookie, csrf) = login(&f.app, "demo_leader", DEMO_PASSWORD).await;
        let auth = Auth::Cookie { cookie: &cookie, csrf: Some(&csrf) };
        let r = call(
            &f.app,
            Method::POST,
            "/api/v1/me/tokens",
            Some(json!({"name": "报表脚本", "expires_days": 30})),
            &auth,
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let v = r.json();
        let token = v["token"].as_str().unwrap().to_owned();
        let id = v["id"].as_str().unwrap().to_owned();
        let me = call(&f.app, Method::GET, "/api/v1/me", None, &Auth::Bearer(&token)).await;
        assert_eq!(me.json()["username"], "demo_leader");
        let list = call(&f.app, Method::GET, "/api/v1/me/tokens", None, &Auth::Bearer(&token)).await;
        assert!(!list.body.contains(&token), "the token is never shown again");
        // Bearer writes need no CSRF header.
        let r = call(&f.app, Method::DELETE, &format!("/api/v1/me/tokens/{id}"), None, &Auth::Bearer(&token)).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        assert_error(
            &call(&f.app, Method::GET, "/api/v1/me", None, &Auth::Bearer(&token)).await,
            401,
            "unauthenticated",
        );
        // Even on public endpoints, a bad token is refused rather than ignored.
        assert_error(
            &call(&f.app, Method::GET, "/api/v1/ref", None, &Auth::Bearer("jy_not_a_token")).await,
            401,
            "unauthenticated",
        );

        // An expired token.
        let user = f.store.user_by_username("demo_leader").await.unwrap().unwrap();
        let past = chrono::Utc::now() - chrono::Duration::days(2);
        let record = jiuye_store::accounts::TokenRecord {
            id: uuid::Uuid::now_v7(),
            user_id: user.id,
            name: "old".into(),
            prefix: "jy_old".into(),
            created_at: past,
            expires_at: Some(past + chrono::Duration::days(1)),
            revoked_at: None,
            last_used_at: None,
            grant_id: f.store.grants_of(user.id).await.unwrap().first().map(|g| g.id),
        };
        f.store.create_token(&record, &jiuye_security::sha256_hex(b"jy_expired_token")).await.unwrap();
        assert_error(
            &call(&f.app, Method::GET, "/api/v1/me", None, &Auth::Bearer("jy_expired_token")).await,
            401,
            "unauthenticated",
        );
        f.cleanup().await;
    }
}

/// Callers are remembered between requests (a busy searcher's token is not read again each
/// time); a revoked token, a removed role or a changed password must still take effect at once.
#[tokio::test]
async fn a_remembered_caller_is_refused_at_once_after_revocation_or_a_password_change() {
    for f in fixtures().await {
        let (cookie, csrf) = login(&f.app, "demo_graduate", DEMO_PASSWORD).await;
        let session = Auth::Cookie { cookie: &cookie, csrf: Some(&csrf) };
        let r = call(&f.app, Method::POST, "/api/v1/me/tokens", Some(json!({"name": "求职助手"})), &session).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
        let token = r.json()["token"].as_str().unwrap().to_owned();
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let search = "/api/v1/postings/search?q=%E8%BD%AF%E4%BB%B6";
        for _ in 0..3 {
            let r = call(&f.app, Method::GET, search, None, &Auth::Bearer(&token)).await;
            assert_eq!(r.status, StatusCode::OK, "{}: {}", f.name, r.body);
            assert_eq!(call(&f.app, Method::GET, "/api/v1/me", None, &session).await.status, StatusCode::OK);
        }
        let r = call(&f.app, Method::DELETE, &format!("/api/v1/me/tokens/{id}"), None, &session).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        assert_error(&call(&f.app, Method::GET, search, None, &Auth::Bearer(&token)).await, 401, "unauthenticated");

        // A token whose role is taken away dies with it, at once.
        let graduate = token_for(&f, "demo_graduate").await;
        assert_eq!(call(&f.app, Method::GET, search, None, &Auth::Bearer(&graduate)).await.status, StatusCode::OK);
        let user = f.store.user_by_username("demo_graduate").await.unwrap().unwrap();
        let grant = f.store.grants_of(user.id).await.unwrap()[0].id;
        let admin = token_for(&f, "demo_career").await;
        let r = call(
            &f.app,
            Method::DELETE,
            &format!("/api/v1/users/{}/grants/{grant}", user.id),
            None,
            &Auth::Bearer(&admin),
        )
        .await;
        assert!(r.status.is_success(), "{}: {}", f.name, r.body);
        assert_error(&call(&f.app, Method::GET, search, None, &Auth::Bearer(&graduate)).await, 401, "unauthenticated");

        // A password change ends every session of the account, remembered or not.
        let (cookie, csrf) = login(&f.app, "demo_leader", DEMO_PASSWORD).await;
        let session = Auth::Cookie { cookie: &cookie, csrf: Some(&csrf) };
        for _ in 0..3 {
            assert_eq!(call(&f.app, Method::GET, "/api/v1/me", None, &session).await.status, StatusCode::OK);
        }
        let change = json!({"current_password": DEMO_PASSWORD, "new_password": "Another-Long-Passphrase-42"});
        let r = call(&f.app, Method::POST, "/api/v1/me/password", Some(change), &session).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        assert_error(&call(&f.app, Method::GET, "/api/v1/me", None, &session).await, 401, "unauthenticated");
        f.cleanup().await;
    }
}

#[tokio::test]
async fn two_factor_sign_in_and_replay_refusal() {
    for f in fixtures().await {
        let (cookie, csrf) = login(&f.app, "demo_province", DEMO_PASSWORD).await;
        let auth = Auth::Cookie { cookie: &cookie, csrf: Some(&csrf) };
        let setup = call(&f.app, Method::POST, "/api/v1/me/totp", None, &auth).await;
        assert_eq!(setup.status, StatusCode::OK, "{}", setup.body);
        let secret = setup.json()["secret"].as_str().unwrap().to_owned();
        let raw = jiuye_security::totp::base32_decode(&secret).unwrap();
        let now = chrono::Utc::now().timestamp();
        let code = |t: i64| jiuye_security::totp::code_at_step(&raw, jiuye_security::totp::step_of(t), 6);
        assert_error(
            &call(&f.app, Method::POST, "/api/v1/me/totp/enable", Some(json!({"code": "000000"})), &auth).await,
            400,
            "invalid_totp",
        );
        let r =
            call(&f.app, Method::POST, "/api/v1/me/totp/enable", Some(json!({"code": code(now - 30)})), &auth).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        // The secret is stored sealed, never in the clear.
        let user = f.store.user_by_username("demo_province").await.unwrap().unwrap();
        assert!(user.totp_secret.as_deref().is_some_and(|s| s.starts_with("v1:") && !s.contains(&secret)));

        let pw = json!({"username": "demo_province", "password": DEMO_PASSWORD});
        assert_error(&call(&f.app, Method::POST, "/api/v1/session", Some(pw), &Auth::None).await, 401, "totp_required");
        let with = json!({"username": "demo_province", "password": DEMO_PASSWORD, "totp": code(now)});
        assert_eq!(
            call(&f.app, Method::POST, "/api/v1/session", Some(with.clone()), &Auth::None).await.status,
            StatusCode::OK
        );
        assert_error(
            &call(&f.app, Method::POST, "/api/v1/session", Some(with), &Auth::None).await,
            401,
            "invalid_totp",
        );
        f.cleanup().await;
    }
}

#[tokio::test]
async fn administrators_must_enrol_two_factor_when_required() {
    for f in fixtures_with(|s| s.auth.require_totp_for_admins = true).await {
        let (cookie, csrf) = login(&f.app, "demo_career", DEMO_PASSWORD).await;
        let auth = Auth::Cookie { cookie: &cookie, csrf: Some(&csrf) };
        let me = call(&f.app, Method::GET, "/api/v1/me", None, &auth).await.json();
        assert_eq!(me["totp_enrolment_required"], true);
        assert_error(&call(&f.app, Method::GET, "/api/v1/users", None, &auth).await, 403, "totp_enrolment_required");
        assert_eq!(call(&f.app, Method::POST, "/api/v1/me/totp", None, &auth).await.status, StatusCode::OK);
        // A counselor is not an administrator and is not held back.
        let (c2, _) = login(&f.app, "demo_counselor", DEMO_PASSWORD).await;
        let me = call(&f.app, Method::GET, "/api/v1/me", None, &Auth::Cookie { cookie: &c2, csrf: None }).await.json();
        assert_eq!(me["totp_enrolment_required"], false);
        f.cleanup().await;
    }
}

#[tokio::test]
async fn password_rules_and_change() {
    for f in fixtures().await {
        let (cookie, csrf) = login(&f.app, "demo_major", DEMO_PASSWORD).await;
        let auth = Auth::Cookie { cookie: &cookie, csrf: Some(&csrf) };
        for (new, why) in [
            ("short-1", "too short"),
            ("demo_major-2023x", "contains username"),
            ("password123", "common"),
            ("qwertyuiop", "common"),
        ] {
            let r = call(
                &f.app,
                Method::POST,
                "/api/v1/me/password",
                Some(json!({"current_password": DEMO_PASSWORD, "new_password": new})),
                &auth,
            )
            .await;
            assert_error(&r, 400, "weak_password");
            assert!(!r.body.contains(new), "{why}: the password is not echoed");
        }
        let r = call(
            &f.app,
            Method::POST,
            "/api/v1/me/password",
            Some(json!({"current_password": "nope-nope-nope", "new_password": "A-Much-Better-One"})),
            &auth,
        )
        .await;
        assert_error(&r, 401, "invalid_credentials");
        let r = call(
            &f.app,
            Method::POST,
            "/api/v1/me/password",
            Some(json!({"current_password": DEMO_PASSWORD, "new_password": "A-Much-Better-One"})),
            &auth,
        )
        .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        // All sessions ended; the new password works.
        assert_error(&call(&f.app, Method::GET, "/api/v1/me", None, &auth).await, 401, "unauthenticated");
        login(&f.app, "demo_major", "A-Much-Better-One").await;
        f.cleanup().await;
    }
}

#[tokio::test]
async fn sign_in_page_account_users_and_audit_pages() {
    for f in fixtures().await {
        let page = get(&f.app, "/login").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("<label for=\"username\">") && page.body.contains("<label for=\"password\">"));
        let pre = page.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().split(';').next().unwrap().to_owned();
        let pre_value = pre.split_once('=').unwrap().1.to_owned();
        let form = |csrf: &str, pw: &str| {
            format!("csrf={csrf}&next=%2Faccount&username=demo_career&password={}&totp=", pw.replace('-', "%2D"))
        };
        // Without the matching CSRF value the form is refused.
        let bad = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &pre)
            .body(Body::from(form("wrong", DEMO_PASSWORD)))
            .unwrap();
        assert_eq!(send(&f.app, bad).await.status, StatusCode::FORBIDDEN);
        let wrong = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &pre)
            .body(Body::from(form(&pre_value, "Not-The-Password")))
            .unwrap();
        let wrong = send(&f.app, wrong).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(wrong.body.contains("role=\"alert\"") && wrong.body.contains("用户名或密码不正确"));
        let ok = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &pre)
            .body(Body::from(form(&pre_value, DEMO_PASSWORD)))
            .unwrap();
        let ok = send(&f.app, ok).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        assert_eq!(ok.headers.get(header::LOCATION).unwrap(), "/account");
        let session =
            ok.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().split(';').next().unwrap().to_owned();
        let page = |uri: &str| Request::get(uri).header(header::COOKIE, &session).body(Body::empty()).unwrap();

        let home = send(&f.app, page("/")).await;
        assert!(home.body.contains("就业指导中心") && home.body.contains("四川大学"), "role home");
        let account = send(&f.app, page("/account")).await;
        assert_eq!(account.status, StatusCode::OK);
        assert!(account.body.contains("API 令牌") && account.body.contains("两步验证"));
        let users = send(&f.app, page("/users?org=4151010610")).await;
        assert_eq!(users.status, StatusCode::OK);
        assert!(users.body.contains("demo_counselor") && !users.body.contains("demo_province"));
        let audit = send(&f.app, page("/audit?action=sign_in")).await;
        assert_eq!(audit.status, StatusCode::OK);
        assert!(audit.body.contains("sign_in") && audit.body.contains("demo_career"));

        // A counselor may not manage accounts: the page says so.
        let (c, _) = login(&f.app, "demo_counselor", DEMO_PASSWORD).await;
        let r = send(&f.app, Request::get("/users").header(header::COOKIE, &c).body(Body::empty()).unwrap()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(r.content_type.starts_with("text/html") && r.body.contains("forbidden"));

        // Creating a counselor through the page form.
        let csrf = account.body.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let create = Request::post("/users")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &session)
            .body(Body::from(format!(
                "csrf={csrf}&username=page_counselor&display_name=%E8%BE%85%E5%AF%BC%E5%91%98&password=Page%2DCounselor%2D1&role=counselor&org=4151010610-01&subject="
            )))
            .unwrap();
        let created = send(&f.app, create).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        assert!(f.store.user_by_username("page_counselor").await.unwrap().is_some());
        f.cleanup().await;
    }
}

#[tokio::test]
async fn every_write_is_audited_and_the_chain_holds() {
    for f in fixtures().await {
        let token = token_for(&f, "demo_career").await;
        let _ = call(&f.app, Method::POST, "/api/v1/users", Some(json!({"username": "xx_one", "display_name": "甲", "password": "short", "role": "counselor", "org": "4151010610-01"})), &Auth::Bearer(&token)).await;
        let _ = call(&f.app, Method::POST, "/api/v1/users", Some(json!({"username": "xx_two", "display_name": "乙", "password": "Long-Enough-Pw1", "role": "province_admin", "org": "510000"})), &Auth::Bearer(&token)).await;
        let _ = call(&f.app, Method::POST, "/api/v1/nothing", Some(json!({})), &Auth::None).await;
        let ministry = token_for(&f, "demo_ministry").await;
        let rows = call(&f.app, Method::GET, "/api/v1/audit?limit=50", None, &Auth::Bearer(&ministry)).await.json();
        let items = rows["items"].as_array().unwrap();
        let find = |action: &str, result: &str| items.iter().any(|r| r["action"] == action && r["result"] == result);
        assert!(find("user_create", "weak_password"), "{items:#?}");
        assert!(find("user_create", "forbidden"));
        assert!(find("POST /api/v1/nothing", "not_found"), "a refused anonymous write is audited too");
        for r in items {
            assert!(r["hash"].as_str().unwrap().len() == 64);
        }
        assert!(!rows.to_string().contains("Long-Enough-Pw1"), "no password in the audit log");
        let key = jiuye_security::chain::AuditKey::new(crate::AUDIT_KEY);
        match jiuye_store::accounts::verify_audit_chain(&*f.store, &key).await.unwrap() {
            // The keying of the new node's empty chain, then the three writes above.
            jiuye_store::accounts::ChainCheck::Intact { rows } => assert_eq!(rows, 4),
            other => panic!("{}: {other:?}", f.name),
        }
        let other = jiuye_security::chain::AuditKey::new([1; 32]);
        let wrong = jiuye_store::accounts::verify_audit_chain(&*f.store, &other).await.unwrap();
        assert!(matches!(wrong, jiuye_store::accounts::ChainCheck::Broken { seq: 1, .. }), "{wrong:?}");
        f.cleanup().await;
    }
}

#[tokio::test]
async fn sessions_expire_when_idle_or_too_old() {
    for f in fixtures().await {
        let (cookie, _) = login(&f.app, "demo_leader", DEMO_PASSWORD).await;
        let raw = cookie.split_once('=').unwrap().1;
        let hash = jiuye_security::sha256_hex(raw.as_bytes());
        let app = f.app.clone();
        let me = |c: String| {
            let app = app.clone();
            async move { call(&app, Method::GET, "/api/v1/me", None, &Auth::Cookie { cookie: &c, csrf: None }).await }
        };
        assert_eq!(me(cookie.clone()).await.status, StatusCode::OK);
        // Idle for longer than the idle limit (30 minutes).
        f.store.touch_session(&hash, chrono::Utc::now() - chrono::Duration::minutes(31)).await.unwrap();
        assert_error(&me(cookie.clone()).await, 401, "unauthenticated");
        assert!(f.store.session(&hash).await.unwrap().is_none(), "the expired session is removed");
        // Past the absolute limit even when active.
        let (cookie, _) = login(&f.app, "demo_leader", DEMO_PASSWORD).await;
        let hash = jiuye_security::sha256_hex(cookie.split_once('=').unwrap().1.as_bytes());
        let mut s = f.store.session(&hash).await.unwrap().unwrap();
        f.store.delete_session(&hash).await.unwrap();
        s.expires_at = chrono::Utc::now() - chrono::Duration::seconds(1);
        f.store.create_session(&s).await.unwrap();
        assert_error(&me(cookie).await, 401, "unauthenticated");
        // The database holds only hashes of session ids.
        assert_ne!(s.id_hash, raw);
        f.cleanup().await;
    }
}
