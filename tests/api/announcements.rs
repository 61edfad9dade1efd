//! Spoken calls served by SIPOLI: the clip sequence of a few calls, the joined WAV (a valid
//! file of plausible length), refusals, and in headless Chromium the board playing that
//! audio for a call and a recall one after the other, never overlapping.
use serde_json::{Value, json};
use sipoli::auth::Role;

use crate::browser::Browser;
use crate::helpers::{TestApp, seed};

fn query(ticket: &str, place: &str, room: &str, recall: bool) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("ticket", ticket).append_pair("place", place).append_pair("room", room);
    if recall {
        q.append_pair("recall", "1");
    }
    q.finish()
}

#[actix_web::test]
async fn calls_are_said_from_recorded_clips() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            "B-007",
            "Poli Anak",
            "Ruang 2",
            false,
            "nomor antrean huruf_b nol nol tujuh silakan ke poli anak ruang dua",
        ),
        (
            "INT-012",
            "Poli Penyakit Dalam",
            "Ruang 11",
            true,
            "panggilan ulang nomor antrean huruf_i huruf_n huruf_t nol satu dua silakan ke poli penyakit dalam ruang sebelas",
        ),
        (
            "P-031",
            "Loket Pendaftaran",
            "Loket 3",
            false,
            "nomor antrean huruf_p nol tiga satu silakan ke loket pendaftaran loket tiga",
        ),
        (
            "F-100",
            "Poli THT",
            "",
            false,
            "nomor antrean huruf_f satu nol nol silakan ke poli huruf_t huruf_h huruf_t",
        ),
    ];
    for (ticket, place, room, recall, expected) in cases {
        let q = query(ticket, place, room, recall);
        let (status, body) = app.get_json(&format!("/api/v1/announcements/words?{q}")).await;
        assert_eq!(status, 200, "{body}");
        let words: Vec<&str> =
            body["words"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
        assert_eq!(words.join(" "), expected);
        // Every clip of the sequence is served as it is.
        let clips = body["clips"].as_array().unwrap();
        assert_eq!(clips.len(), words.len());
        let first = app.get(clips[0].as_str().unwrap()).await;
        assert_eq!(first.status(), 200);

        let res = app.get(body["audio"].as_str().unwrap()).await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "audio/wav");
        let bytes = res.bytes().await.unwrap();
        assert_eq!(&bytes[..4], b"RIFF");
        assert_eq!(&bytes[8..12], b"WAVE");
        let reader = hound::WavReader::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
        let spec = reader.spec();
        assert_eq!((spec.channels, spec.sample_rate, spec.bits_per_sample), (1, 16_000, 16));
        let seconds = f64::from(reader.duration()) / 16_000.0;
        // About 0.3–0.6 s a word: a call of n words lasts between n/4 and n seconds.
        let n = words.len() as f64;
        assert!(seconds > n / 4.0 && seconds < n, "{ticket}: {seconds:.2} s for {n} words");
        let loud =
            reader.into_samples::<i16>().filter(|s| s.as_ref().unwrap().abs() > 2000).count();
        assert!(loud > 16_000 / 2, "{ticket}: hardly any sound");
    }
}

#[actix_web::test]
async fn what_cannot_be_said_is_refused() {
    let app = TestApp::spawn().await;
    for q in [
        query("", "Poli Anak", "", false),
        query("B-0<7", "Poli Anak", "", false),
        query("ANAK", "Poli Anak", "", false),
        query("B-007", &"Poli ".repeat(30), "", false),
    ] {
        for route in ["words", "audio.wav"] {
            let (status, body) = app.get_json(&format!("/api/v1/announcements/{route}?{q}")).await;
            assert_eq!(status, 422, "{q}: {body}");
            assert!(body["error"]["code"].as_str().unwrap().starts_with("invalid_"), "{body}");
        }
    }
}

/// What the board said, as it recorded it.
const SAID: &str = "return window.sipoliSaid || [];";

#[actix_web::test]
async fn the_board_plays_server_audio_one_call_after_another() {
    let mut app = TestApp::spawn().await;
    let s = seed(&app);
    app.login_as("admin", Role::Admin, &[]).await;
    for _ in 0..2 {
        let res = app
            .post("/api/v1/kiosk/tickets", &json!({"session_id": s.today, "payer": "jkn"}))
            .await;
        assert_eq!(res.status(), 201);
    }
    let b = Browser::start(1920, 1080).await;
    b.client.goto(&app.url("/display?clinics=ANA")).await.unwrap();
    b.wait_css(".clinic[data-clinic=ANA]").await;
    // A person touches the screen once: browsers play sound only after that.
    match b.client.find(fantoccini::Locator::Css("#sound-on")).await {
        Ok(button) if button.is_displayed().await.unwrap_or(false) => button.click().await.unwrap(),
        _ => b.client.find(fantoccini::Locator::Css("main")).await.unwrap().click().await.unwrap(),
    }
    // A call, a recall of it and the next call, in quick succession.
    let (status, first) =
        app.post_json(&format!("/api/v1/staff/sessions/{}/call-next", s.today), &json!({})).await;
    assert_eq!(status, 200, "{first}");
    let id = first["id"].as_i64().unwrap();
    let res = app.post(&format!("/api/v1/staff/visits/{id}/recall"), &json!({})).await;
    assert_eq!(res.status(), 200);
    let res = app.post(&format!("/api/v1/staff/visits/{id}/skip"), &json!({})).await;
    assert_eq!(res.status(), 200);
    let (status, second) =
        app.post_json(&format!("/api/v1/staff/sessions/{}/call-next", s.today), &json!({})).await;
    assert_eq!(status, 200, "{second}");

    let mut said = Value::Null;
    for _ in 0..300 {
        said = b.client.execute(SAID, vec![]).await.unwrap();
        if said.as_array().is_some_and(|a| a.len() >= 3) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let said = said.as_array().unwrap();
    assert_eq!(said.len(), 3, "{said:?}");
    let order: Vec<(&str, &str, &str)> = said
        .iter()
        .map(|a| {
            (a["ticket"].as_str().unwrap(), a["kind"].as_str().unwrap(), a["via"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        order,
        [("B-001", "call", "audio"), ("B-001", "recall", "audio"), ("B-002", "call", "audio")]
    );
    for pair in said.windows(2) {
        assert!(
            pair[1]["started"].as_f64().unwrap() >= pair[0]["ended"].as_f64().unwrap(),
            "announcements overlap: {said:?}"
        );
    }
    b.close().await;
}
