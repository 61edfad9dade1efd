//! Email through lettre: SMTP when `SMTP_URL` is set, otherwise `.eml` files in the outbox
//! directory (so the demo shows what would have been sent).
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::messages::Message;
use super::settings::JobSettings;
use super::worker::SendError;

#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

pub struct Email {
    mailer: Mailer,
    from: Mailbox,
}

impl Email {
    /// `outbox` is the directory for `.eml` files when no relay is configured.
    pub fn new(settings: &JobSettings, outbox: &std::path::Path) -> Result<Email, String> {
        let from: Mailbox =
            settings.smtp_from.parse().map_err(|e| format!("SMTP_FROM is not an address: {e}"))?;
        let mailer = match &settings.smtp_url {
            Some(url) => Mailer::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .map_err(|e| format!("SMTP_URL: {e}"))?
                    .timeout(Some(std::time::Duration::from_secs(20)))
                    .build(),
            ),
            None => {
                std::fs::create_dir_all(outbox)
                    .map_err(|e| format!("cannot create {}: {e}", outbox.display()))?;
                Mailer::Files(AsyncFileTransport::new(outbox))
            }
        };
        Ok(Email { mailer, from })
    }

    pub async fn send(&self, to: &str, message: &Message) -> Result<(), SendError> {
        let to: Mailbox = to
            .parse()
            .map_err(|e| SendError::permanent(format!("not an email address {to:?}: {e}")))?;
        let email = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&message.subject)
            .multipart(MultiPart::alternative_plain_html(
                message.text.clone(),
                message.html.clone(),
            ))
            .map_err(|e| SendError::permanent(format!("cannot build the email: {e}")))?;
        match &self.mailer {
            Mailer::Smtp(smtp) => smtp.send(email).await.map(drop).map_err(|e| {
                // 5xx: the relay refuses this message for good; anything else may pass later.
                let text = format!("SMTP: {e}");
                if e.is_permanent() { SendError::permanent(text) } else { SendError::retry(text) }
            }),
            Mailer::Files(files) => files
                .send(email)
                .await
                .map(drop)
                .map_err(|e| SendError::retry(format!("writing the .eml file: {e}"))),
        }
    }
}
