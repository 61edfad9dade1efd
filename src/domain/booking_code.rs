//! Booking codes: 8 characters of Crockford base32 drawn from the operating system's CSPRNG.
//! The alphabet leaves out I, L, O and U, so a code read aloud or typed from paper is not
//! misread; when typed, those letters are mapped back (O → 0, I/L → 1) and hyphens ignored.
use rand::Rng;

use super::Invalid;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
pub const LEN: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BookingCode(String);

impl BookingCode {
    /// A fresh random code (40 bits). Uniqueness is the database's job: a collision is retried.
    pub fn generate() -> Self {
        let mut rng = rand::rng();
        let code =
            (0..LEN).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])).collect();
        BookingCode(code)
    }

    /// Read a code as a person typed it: case, spaces and hyphens do not matter.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let mut code = String::with_capacity(LEN);
        for c in input.chars().filter(|c| !matches!(c, '-' | ' ')) {
            let c = match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
                return Err(invalid());
            }
            code.push(c);
        }
        if code.len() != LEN {
            return Err(invalid());
        }
        Ok(BookingCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn invalid() -> Invalid {
    Invalid::new(
        "invalid_booking_code",
        "Kode booking terdiri dari 8 huruf/angka.",
        "A booking code has 8 letters or digits.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_parse_and_differ() {
        let a = BookingCode::generate();
        let b = BookingCode::generate();
        assert_eq!(a.as_str().len(), LEN);
        assert_ne!(a, b);
        assert_eq!(BookingCode::parse(a.as_str()), Ok(a));
    }

    #[test]
    fn typing_mistakes_are_forgiven() {
        let code = BookingCode::parse("ab1o-xy2l").expect("readable");
        assert_eq!(code.as_str(), "AB10XY21");
    }

    #[test]
    fn wrong_length_or_letters_are_refused() {
        assert!(BookingCode::parse("ABC").is_err());
        assert!(BookingCode::parse("ABCDEFGHJ").is_err());
        assert!(BookingCode::parse("ABCD*FGH").is_err());
        assert!(BookingCode::parse("ABCDUFGH").is_err());
    }
}
