//! The antreanrs security scheme: request signature, and the encryption of answers
//! (AES-256-CBC with key SHA-256(consId + secret + timestamp), IV = the key's first 16
//! bytes, over LZ-string `compressToEncodedURIComponent` of the JSON text, in base64).
use aes::Aes256;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// `X-signature`: base64(HMAC-SHA256(secret, "consId&timestamp")).
pub fn signature(cons_id: &str, secret: &str, timestamp: i64) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(format!("{cons_id}&{timestamp}").as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

fn key_of(cons_id: &str, secret: &str, timestamp: i64) -> [u8; 32] {
    Sha256::digest(format!("{cons_id}{secret}{timestamp}").as_bytes()).into()
}

/// Why an answer could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecryptError {
    #[error("the answer is not base64")]
    Base64,
    #[error("the answer does not decrypt with our key (wrong secret or timestamp?)")]
    Cipher,
    #[error("the decrypted answer is not LZ-string data")]
    Lz,
}

/// Read an encrypted answer back into the JSON text it carries.
pub fn decrypt(
    cons_id: &str,
    secret: &str,
    timestamp: i64,
    encrypted: &str,
) -> Result<String, DecryptError> {
    let key = key_of(cons_id, secret, timestamp);
    let mut data = STANDARD.decode(encrypted.trim()).map_err(|_| DecryptError::Base64)?;
    let iv: [u8; 16] = key[..16].try_into().map_err(|_| DecryptError::Cipher)?;
    let plain = cbc::Decryptor::<Aes256>::new(&key.into(), &iv.into())
        .decrypt_padded_mut::<Pkcs7>(&mut data)
        .map_err(|_| DecryptError::Cipher)?;
    let compressed = std::str::from_utf8(plain).map_err(|_| DecryptError::Lz)?;
    let wide = lz_str::decompress_from_encoded_uri_component(compressed).ok_or(DecryptError::Lz)?;
    String::from_utf16(&wide).map_err(|_| DecryptError::Lz)
}

/// The other direction, as BPJS does it: used by the test stand-in of BPJS.
pub fn encrypt(cons_id: &str, secret: &str, timestamp: i64, json_text: &str) -> String {
    let key = key_of(cons_id, secret, timestamp);
    let compressed = lz_str::compress_to_encoded_uri_component(json_text);
    let len = compressed.len();
    let mut buf = compressed.into_bytes();
    buf.resize(len + 16, 0);
    let iv: [u8; 16] = std::array::from_fn(|i| key[i]);
    let sealed = cbc::Encryptor::<Aes256>::new(&key.into(), &iv.into())
        .encrypt_padded_mut::<Pkcs7>(&mut buf, len)
        .map(<[u8]>::to_vec)
        .unwrap_or_default();
    STANDARD.encode(sealed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_base64_hmac_sha256_of_cons_id_and_timestamp() {
        // Computed independently: printf '1234&1700000000' | openssl dgst -sha256 -hmac rahasia -binary | base64
        assert_eq!(
            signature("1234", "rahasia", 1_700_000_000),
            "KPRS9TtuHrVFuDkmpci6eMlvW4INEXDsL4Hh+T+auLo="
        );
        assert_ne!(
            signature("1234", "rahasia", 1_700_000_001),
            signature("1234", "rahasia", 1_700_000_000)
        );
    }

    #[test]
    fn encrypted_answers_round_trip() {
        let text = r#"{"list":[{"kodepoli":"ANA","namapoli":"Poli Anak – ümlaut"}]}"#;
        let sealed = encrypt("1234", "rahasia", 1_700_000_000, text);
        assert_ne!(sealed, text);
        assert_eq!(decrypt("1234", "rahasia", 1_700_000_000, &sealed).as_deref(), Ok(text));
        // Another timestamp is another key.
        assert!(decrypt("1234", "rahasia", 1_700_000_001, &sealed) != Ok(text.to_string()));
        assert_eq!(decrypt("1234", "rahasia", 1_700_000_000, "%%%"), Err(DecryptError::Base64));
    }
}
