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
    let mut names: Vec<String> = std::fs::read_dir(&source)
        .expect("kiosk/")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 5, "the kiosk/ directory has the assets: {names:?}");
    let mut embedded = sipoli::assets::names();
    embedded.sort();
    assert_eq!(embedded, names, "every file of kiosk/ is embedded");
    for name in &names {
        let r = client.get(format!("{}/assets/{name}", node.base)).send().await.expect("get");
        assert_eq!(r.status(), 200, "/assets/{name}");
        let kind = r.headers()["content-type"].to_str().expect("type").to_string();
        let expected_kind = if name.ends_with(".css") { "text/css" } else { "javascript" };
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
