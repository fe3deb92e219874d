//! `jiuye federation`: a node gets a signing key on first use and keeps it, `init` sets its code
//! and URL, `id` prints the public key on its last line, peers are checked, listed, replaced and
//! removed, and bad input is refused with a message and a failing status.

use super::{run, stdout, targets};

fn last_line(s: &str) -> String {
    s.lines().last().unwrap_or_default().trim().to_owned()
}

#[tokio::test]
async fn node_identity_and_peers_from_the_shell() {
    for t in targets().await {
        let n = t.name();
        let data = t.args();
        let id = run(&["federation", "id"], &data);
        assert!(id.status.success(), "{n}: {}", String::from_utf8_lossy(&id.stderr));
        let key = last_line(&stdout(&id));
        assert_eq!(key.len(), 44, "{n}: a base64 Ed25519 key: {key}");
        assert!(stdout(&id).contains("尚未设置"), "{n}");

        let bad = run(&["federation", "init", "--org", "4151010610-03", "--url", "http://127.0.0.1:9"], &data);
        assert!(!bad.status.success(), "{n}: a college is not a node");
        let init = run(&["federation", "init", "--org", "4151010610", "--url", "http://127.0.0.1:8081/"], &data);
        assert!(init.status.success(), "{n}: {}", String::from_utf8_lossy(&init.stderr));
        assert_eq!(last_line(&stdout(&init)), key, "{n}: the key is kept");
        let id = stdout(&run(&["federation", "id"], &data));
        assert!(id.contains("4151010610") && id.contains("http://127.0.0.1:8081"), "{n}: {id}");
        assert_eq!(last_line(&id), key, "{n}");

        let other = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
        let add = |relation: &str, k: &str| {
            let mut a = vec!["federation", "peer", "add", "--org", "510000", "--url", "http://127.0.0.1:8082"];
            a.extend(["--key", k, "--relation", relation]);
            run(&a, &data)
        };
        assert!(!add("cousin", other).status.success(), "{n}: unknown relation");
        assert!(!add("parent", "not-a-key").status.success(), "{n}: bad key");
        let ok = add("parent", other);
        assert!(ok.status.success(), "{n}: {}", String::from_utf8_lossy(&ok.stderr));
        assert!(stdout(&ok).contains("已登记"), "{n}");
        assert!(stdout(&add("parent", other)).contains("已更新"), "{n}");
        let list = stdout(&run(&["federation", "peer", "list"], &data));
        assert!(list.contains("510000") && list.contains("上级节点") && list.contains(other), "{n}: {list}");
        // Status: the peer, not read yet.
        let status = stdout(&run(&["federation", "status"], &data));
        assert!(status.contains("发件箱已编号到") && status.contains("510000\t上级节点\t0\t0\t0"), "{n}: {status}");
        let rm = run(&["federation", "peer", "remove", "--org", "510000"], &data);
        assert!(rm.status.success(), "{n}");
        let again = run(&["federation", "peer", "remove", "--org", "510000"], &data);
        assert!(!again.status.success(), "{n}: nothing to remove");
        assert!(String::from_utf8_lossy(&again.stderr).contains("peer_not_found"), "{n}");
        assert!(stdout(&run(&["federation", "peer", "list"], &data)).contains("尚未登记"), "{n}");
        t.cleanup().await;
    }
}
