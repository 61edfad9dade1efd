//! TEMPORARY stub until the managed-cluster module lands.
use std::path::Path;
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LocalPgError(String);
pub struct LocalPg;
impl LocalPg {
    pub fn new(_root: &Path) -> Result<LocalPg, LocalPgError> { Ok(LocalPg) }
    pub fn ensure_running(&self) -> Result<String, LocalPgError> { Err(LocalPgError("stub".into())) }
    pub fn stop(&self) -> Result<(), LocalPgError> { Ok(()) }
    pub fn status(&self) -> Result<bool, LocalPgError> { Ok(false) }
    pub fn url(&self, _d: &str) -> String { String::new() }
}
