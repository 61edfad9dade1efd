//! Ticket numbers as shown to patients: the clinic's prefix and a three-digit number.

/// `("B", 7)` → `"B-007"`; numbers past 999 keep all their digits.
pub fn format_ticket(prefix: &str, number: i32) -> String {
    format!("{prefix}-{number:03}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_to_three_digits() {
        assert_eq!(format_ticket("B", 7), "B-007");
        assert_eq!(format_ticket("ANA", 42), "ANA-042");
        assert_eq!(format_ticket("A", 1234), "A-1234");
    }
}
