//! One relocatable binary: the built `sipoli`, started from an empty directory, serves
//! every kiosk and board asset from inside itself.
use crate::helpers::TestDb;
use crate::node::Node;

#[tokio::test]
async fn the_binary_serves_every_asset_from_an_empty_directory() {
    let db = TestDb::new();
    let node = Node::start(&db.url, &["serve", "--no-worker"], &[]).await;
    let client = reqwest::Client::new();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("kiosk");
    // Every file under kiosk/, but the clip generator and its word list (sources, not assets).
    let mut names = Vec::new();
    let mut dirs = vec![source.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("kiosk/").flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                let rel = path.strip_prefix(&source).expect("under kiosk/");
                names.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    names.retain(|n| n != "audio/make-clips.sh" && n != "audio/words.txt");
    names.sort();
    assert!(names.len() >= 5, "the kiosk/ directory has the assets: {names:?}");
    let mut embedded = sipoli::assets::names();
    embedded.sort();
    assert_eq!(embedded, names, "every file of kiosk/ is embedded");
    for name in &names {
        let r = client.get(format!("{}/assets/{name}", node.base)).send().await.expect("get");
        assert_eq!(r.status(), 200, "/assets/{name}");
        let kind = r.headers()["content-type"].to_str().expect("type").to_string();
        let expected_kind = if name.ends_with(".css") {
            "text/css"
        } else if name.ends_with(".wav") {
            "audio/"
        } else {
            "javascript"
        };
        assert!(kind.contains(expected_kind), "/assets/{name} is {kind}");
        let etag = r.headers()["etag"].to_str().expect("etag").to_string();
        let body = r.bytes().await.expect("body");
        assert_eq!(body.as_ref(), std::fs::read(source.join(name)).expect("file"), "{name}");
        let again = client
            .get(format!("{}/assets/{name}", node.base))
            .header("If-None-Match", &etag)
            .send()
            .await
            .expect("revalidate");
        assert_eq!(again.status(), 304, "/assets/{name} revalidates by ETag");
    }
    // The pages that use them, and the kiosk's service worker at the root.
    for page in ["/kiosk-sw.js", "/display"] {
        let r = client.get(format!("{}{page}", node.base)).send().await.expect("get");
        assert_eq!(r.status(), 200, "{page}");
    }
    let missing = client.get(format!("{}/assets/nope.js", node.base)).send().await.expect("get");
    assert_eq!(missing.status(), 404);
    let escape =
        client.get(format!("{}/assets/..%2FCargo.toml", node.base)).send().await.expect("get");
    assert_eq!(escape.status(), 404);
}

#[tokio::test]
async fn sipoli_assets_overrides_the_embedded_files() {
    let db = TestDb::new();
    let dir = crate::node::TempDir::new("assets");
    std::fs::write(dir.0.join("kiosk.js"), "// dev copy\n").expect("write");
    let dir_str = dir.0.to_string_lossy().into_owned();
    let node =
        Node::start(&db.url, &["serve", "--no-worker"], &[("SIPOLI_ASSETS", &dir_str)]).await;
    let body = reqwest::get(format!("{}/assets/kiosk.js", node.base))
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    assert_eq!(body, "// dev copy\n");
}
