//! Visit-campaign progress travels upward with the placement figures: the university measures
//! its own targets, the province measures the universities whose visits it holds and relays the
//! university's report, and the nation sums them per rule, exactly as the university's own
//! quota engine counts them. The province's and the nation's campaign pages show the reports.

use std::collections::BTreeMap;

use axum::http::Method;
use jiuye_app::federation::progress;
use serde_json::{Value, json};

use super::federation::{Peered, peered};
use super::identity::{Auth, call, token_for};
use super::{Fixture, assert_error};

async fn read(node: &Fixture, token: &str, uri: &str) -> Value {
    let r = call(&node.app, Method::GET, uri, None, &Auth::Bearer(token)).await;
    assert_eq!(r.status, 200, "{uri}: {}", r.body);
    r.json()
}

/// (units, required, achieved, met, on_track, behind) of a rule as the API gives it.
fn six(v: &Value) -> [i64; 6] {
    ["units", "required", "achieved", "met", "on_track", "behind"].map(|k| v[k].as_i64().unwrap_or(-1))
}

#[tokio::test]
async fn campaign_progress_travels_up_and_adds_up() {
    let Peered { university, province, nation, .. } = peered().await;
    let (u, p) = (university.store.as_ref(), province.store.as_ref());
    let now = chrono::Utc::now();
    // The campaign is loaded at every node (as its definition arrives from above).
    let c = jiuye_domain::campaign::Campaign::parse(jiuye_domain::campaign::SPRING_2023).unwrap();
    for node in [&university, &province, &nation] {
        node.store.save_campaign(&c.id, &c.name, jiuye_domain::campaign::SPRING_2023).await.unwrap();
    }

    // The university's own targets, as its quota engine counts them, summed per rule.
    let career = token_for(&university, "demo_career").await;
    let own = read(&university, &career, "/api/v1/campaigns/2023-spring/targets?org=4151010610").await;
    let mut want: BTreeMap<String, [i64; 6]> = BTreeMap::new();
    for t in own.as_array().unwrap() {
        let (req, ach) = (t["required"].as_i64().unwrap(), t["achieved"].as_i64().unwrap());
        let w = want.entry(t["rule"].as_str().unwrap().to_owned()).or_default();
        let status = ["met", "on_track", "behind"].iter().position(|s| t["status"] == json!(s)).unwrap();
        w[0] += 1;
        w[1] += req;
        w[2] += ach.min(req);
        w[3 + status] += 1;
    }
    assert!(!want.is_empty(), "the demo campaign has targets at the university: {own}");

    // Measured once, reported once; nothing changed, nothing sent.
    let at_u = progress::check(u, now).await.unwrap();
    assert_eq!((at_u.figures, at_u.sent), (1, 1), "one university, one campaign");
    assert_eq!(progress::check(u, now).await.unwrap().sent, 0);
    let at_p = progress::check(p, now).await.unwrap();
    assert!(at_p.sent >= 1, "{at_p:?}");
    assert!(p.reports().await.unwrap().iter().all(|r| r.org_code != "4151010610"), "the university reports itself");

    // The nation holds the university's own report (relayed by the province) and the others.
    let ministry = token_for(&nation, "demo_ministry").await;
    let uri = "/api/v1/stats/federated/campaigns/2023-spring?org=510000";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let v = loop {
        let v = read(&nation, &ministry, uri).await;
        let reports = v["reports"].as_array().map(Vec::len).unwrap_or(0);
        if reports > at_p.sent && v["reports"].as_array().unwrap().iter().any(|r| r["code"] == "4151010610") {
            break v;
        }
        assert!(std::time::Instant::now() < deadline, "waited for the reports: {v}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let reports = v["reports"].as_array().unwrap();
    let scu = reports.iter().find(|r| r["code"] == "4151010610").unwrap();
    assert_eq!((scu["origin"].as_str(), scu["via"].as_str()), (Some("4151010610"), Some("510000")), "{scu}");
    let got: BTreeMap<String, [i64; 6]> =
        scu["rules"].as_object().unwrap().iter().map(|(k, r)| (k.clone(), six(r))).collect();
    assert_eq!(got, want, "the nation sees what the university's engine counts");
    // The sums per rule are the sums of the reports.
    for (rule, total) in v["total"].as_object().unwrap() {
        let mut sum = [0i64; 6];
        for r in reports {
            if let Some(x) = r["rules"].get(rule) {
                for (s, n) in sum.iter_mut().zip(six(x)) {
                    *s += n;
                }
            }
        }
        assert_eq!(six(total), sum, "{rule}");
    }
    assert!(!v.to_string().contains("employer"), "counts only: {v}");

    // The province's and the nation's campaign pages show them.
    let p_admin = token_for(&province, "demo_province").await;
    let page =
        call(&province.app, Method::GET, "/campaigns/2023-spring?org=510000", None, &Auth::Bearer(&p_admin)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"h-reported\"") && page.body.contains("4151010610"), "{}", page.body);
    let page = call(&nation.app, Method::GET, "/campaigns/2023-spring?org=CN", None, &Auth::Bearer(&ministry)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"h-reported\"") && page.body.contains("510000"), "{}", page.body);

    // A university's staff at the nation cannot read the province's reports; an unknown
    // campaign is said so.
    let other = token_for(&nation, "demo_career").await;
    let r = call(&nation.app, Method::GET, uri, None, &Auth::Bearer(&other)).await;
    assert_error(&r, 403, "forbidden");
    let r = call(
        &nation.app,
        Method::GET,
        "/api/v1/stats/federated/campaigns/no-such?org=510000",
        None,
        &Auth::Bearer(&ministry),
    )
    .await;
    assert_error(&r, 404, "campaign_not_found");
}

/// A policy like the shipped one under another id and name.
fn policy(id: &str, name: &str) -> String {
    jiuye_domain::campaign::SPRING_2023
        .replace("id = \"2023-spring\"", &format!("id = \"{id}\""))
        .replace("name = \"2023届高校毕业生就业促进春季攻坚行动 · 访企拓岗\"", &format!("name = \"{name}\""))
}

/// The university reads its province's feed once.
pub(crate) async fn read_parent(university: &Fixture) -> jiuye_app::federation::pull::Pulled {
    let u = university.store.as_ref();
    let node = jiuye_app::federation::node(u).await.unwrap().unwrap();
    let peer =
        jiuye_app::federation::peers(u).await.unwrap().into_iter().find(|p| p.record.org_code == "510000").unwrap();
    jiuye_app::federation::pull::pull(u, &node, &university.keys.node_key().unwrap(), &peer, 20).await.unwrap()
}

#[tokio::test]
async fn campaign_definitions_published_above_arrive_below() {
    let Peered { university, province, u_key, .. } = peered().await;
    let (u, p) = (university.store.as_ref(), province.store.as_ref());
    let career = token_for(&university, "demo_career").await;
    // The province pushes to its children too; the university's address there leads nowhere,
    // so that what the university holds came through its own reading of the province's feed.
    let nowhere =
        jiuye_domain::federation::PeerSpec::parse("4151010610", "http://127.0.0.1:9", &u_key, "child", None, None)
            .unwrap();
    jiuye_app::federation::add_peer(p, &nowhere, "admin").await.unwrap();
    // The university loaded the shipped campaign itself.
    let spring = jiuye_domain::campaign::Campaign::parse(jiuye_domain::campaign::SPRING_2023).unwrap();
    jiuye_app::campaign::publish(u, &spring, jiuye_domain::campaign::SPRING_2023).await.unwrap();

    // The province publishes a campaign of its own, and one under the university's id.
    let text = policy("510000-2024-autumn", "四川省2024秋季访企拓岗");
    let autumn = jiuye_domain::campaign::Campaign::parse(&text).unwrap();
    jiuye_app::campaign::publish(p, &autumn, &text).await.unwrap();
    let clash = policy("2023-spring", "省里的同名活动");
    jiuye_app::campaign::publish(p, &jiuye_domain::campaign::Campaign::parse(&clash).unwrap(), &clash).await.unwrap();
    read_parent(&university).await;

    let list = read(&university, &career, "/api/v1/campaigns").await;
    let names: BTreeMap<String, String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_owned(), c["name"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(names.get("510000-2024-autumn").map(String::as_str), Some("四川省2024秋季访企拓岗"), "{list}");
    assert_eq!(names.get("2023-spring"), Some(&spring.name), "the university's own campaign stays: {list}");
    let targets = call(
        &university.app,
        Method::GET,
        "/api/v1/campaigns/510000-2024-autumn/targets?org=4151010610",
        None,
        &Auth::Bearer(&career),
    )
    .await;
    assert_eq!(targets.status, 200, "the received campaign is measured here: {}", targets.body);

    // Loaded again with a new name at the province: replaced below; read again: nothing new.
    let renamed = policy("510000-2024-autumn", "四川省2024秋季访企拓岗（修订）");
    jiuye_app::campaign::publish(p, &jiuye_domain::campaign::Campaign::parse(&renamed).unwrap(), &renamed)
        .await
        .unwrap();
    let pulled = read_parent(&university).await;
    assert!(pulled.applied >= 1, "{pulled:?}");
    let c = read(&university, &career, "/api/v1/campaigns/510000-2024-autumn").await;
    assert_eq!(c["name"], json!("四川省2024秋季访企拓岗（修订）"), "{c}");
    assert_eq!(read_parent(&university).await.applied, 0);
}
