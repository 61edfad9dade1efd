//! Spoken calls served by SIPOLI itself, so that a TV box without an Indonesian voice still
//! calls patients in Indonesian. The words come from `domain::announcement`; each word is a
//! clip in `kiosk/audio/id/` (generated once with espeak-ng, see `kiosk/audio/make-clips.sh`),
//! and the clips are joined here into one WAV.
//!
//! `GET /api/v1/announcements/words?ticket=B-007&place=Poli%20Anak&room=Ruang%202[&recall=1]`
//! → the clip sequence; `GET /api/v1/announcements/audio.wav?…` (same query) → the joined WAV.
//! Ticket numbers and place names only: nothing personal is ever spoken.
use std::collections::HashMap;
use std::io::Cursor;
use std::sync::OnceLock;

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::domain::announcement::{Call, clip_names};
use crate::error::{AppError, AppResult};

/// The clips' one format: 16 kHz mono 16-bit PCM.
const RATE: u32 = 16_000;
/// Silence between two words, and the longer one before "silakan".
const GAP_MS: u32 = 70;
const PAUSE_MS: u32 = 350;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallQuery {
    pub ticket: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub room: String,
    #[serde(default)]
    pub recall: Option<String>,
}

impl CallQuery {
    fn call(&self) -> Call<'_> {
        let recall = self.recall.as_deref().is_some_and(|r| matches!(r, "1" | "true" | "yes"));
        Call { ticket: &self.ticket, place: &self.place, room: &self.room, recall }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WordsOut {
    words: Vec<String>,
    clips: Vec<String>,
    audio: String,
}

/// The committed clips, read once: word → samples.
fn clips() -> &'static HashMap<String, Vec<i16>> {
    static CLIPS: OnceLock<HashMap<String, Vec<i16>>> = OnceLock::new();
    CLIPS.get_or_init(|| {
        let mut map = HashMap::new();
        let names = crate::assets::names();
        let clips = names.iter().filter(|n| n.starts_with("audio/id/") && n.ends_with(".wav"));
        for name in clips {
            let Some(word) = name.trim_start_matches("audio/id/").strip_suffix(".wav") else {
                continue;
            };
            let Some(bytes) = crate::assets::get(name) else {
                continue;
            };
            match hound::WavReader::new(std::io::Cursor::new(bytes.as_ref())) {
                Ok(reader)
                    if reader.spec().sample_rate == RATE
                        && reader.spec().channels == 1
                        && reader.spec().bits_per_sample == 16 =>
                {
                    let samples: Result<Vec<i16>, _> = reader.into_samples::<i16>().collect();
                    if let Ok(samples) = samples {
                        map.insert(word.to_string(), samples);
                    }
                }
                _ => tracing::warn!(clip = %name, "announcement clip not 16 kHz mono 16-bit"),
            }
        }
        if map.is_empty() {
            tracing::error!("announcement clips missing (assets audio/id/*.wav)");
        }
        map
    })
}

fn words_of(query: &CallQuery) -> AppResult<Vec<String>> {
    let clips = clips();
    let words = clip_names(&query.call(), |w| clips.contains_key(w))?;
    if words.iter().any(|w| !clips.contains_key(w)) {
        return Err(AppError::unavailable("announcement clips missing"));
    }
    Ok(words)
}

/// The joined WAV of `words` (all of which have clips).
pub fn join_clips(words: &[String]) -> AppResult<Vec<u8>> {
    let clips = clips();
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut out = Cursor::new(Vec::new());
    let mut writer = hound::WavWriter::new(&mut out, spec).map_err(AppError::internal)?;
    let silence = |ms: u32| std::iter::repeat_n(0i16, (RATE * ms / 1000) as usize);
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            let gap = if word == "silakan" { PAUSE_MS } else { GAP_MS };
            for s in silence(gap) {
                writer.write_sample(s).map_err(AppError::internal)?;
            }
        }
        for &s in clips.get(word).map(Vec::as_slice).unwrap_or_default() {
            writer.write_sample(s).map_err(AppError::internal)?;
        }
    }
    writer.finalize().map_err(AppError::internal)?;
    Ok(out.into_inner())
}

/// `GET /api/v1/announcements/words` — the clip sequence of a call.
#[utoipa::path(
    get,
    path = "/api/v1/announcements/words",
    tag = "displays",
    params(crate::screens::announce::CallQuery),
    responses(
        (status = 200, description = "`{words, clips, audio}`: the clip sequence of a call", body = WordsOut)
    ),
)]
pub async fn call_words(
    query: web::Query<CallQuery>,
    req: actix_web::HttpRequest,
) -> AppResult<HttpResponse> {
    let words = words_of(&query)?;
    let clips = words.iter().map(|w| format!("/assets/audio/id/{w}.wav")).collect();
    let audio = format!("/api/v1/announcements/audio.wav?{}", req.query_string());
    Ok(HttpResponse::Ok().json(WordsOut { words, clips, audio }))
}

/// `GET /api/v1/announcements/audio.wav` — the call as one WAV.
#[utoipa::path(
    get,
    path = "/api/v1/announcements/audio.wav",
    tag = "displays",
    params(crate::screens::announce::CallQuery),
    responses(
        (status = 200, description = "The call as one WAV (16 kHz mono)", content_type = "audio/wav", body = Vec<u8>)
    ),
)]
pub async fn call_audio(query: web::Query<CallQuery>) -> AppResult<HttpResponse> {
    let words = words_of(&query)?;
    let wav = web::block(move || join_clips(&words)).await.map_err(AppError::internal)??;
    Ok(HttpResponse::Ok()
        .content_type("audio/wav")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(wav))
}
