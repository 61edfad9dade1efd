//! Pure domain rules: no database, no clock of their own.
