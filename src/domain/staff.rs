//! Staff roles and who may act on what: pure predicates, turned into 403 by the service.

/// What an account is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything.
    Admin,
    /// Queues and schedules of the clinics assigned to the account.
    Clinic,
    /// Counter registration and check-in, all clinics.
    Registration,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Clinic, Role::Registration];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Clinic => "clinic",
            Role::Registration => "registration",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A logged-in staff member, as every staff command sees them.
#[derive(Debug, Clone)]
pub struct StaffIdentity {
    pub id: i32,
    pub username: String,
    pub full_name: String,
    pub role: Role,
    /// Clinic ids a `clinic` account is assigned to (empty for the other roles).
    pub clinic_ids: Vec<i32>,
    /// Station ids the account is assigned to (any role).
    pub station_ids: Vec<i32>,
    pub csrf_token: String,
}

impl StaffIdentity {
    pub fn actor(&self) -> Actor {
        Actor::staff(self.id, &self.username)
    }
    pub fn has_role(&self, roles: &[Role]) -> bool {
        roles.contains(&self.role)
    }
    /// Admins and registration see every clinic; clinic accounts only their own.
    pub fn may_see_clinic(&self, clinic_id: i32) -> bool {
        self.role != Role::Clinic || self.clinic_ids.contains(&clinic_id)
    }
    /// Runs a clinic's queue and schedules: admins, and clinic accounts of that clinic.
    pub fn runs_clinic(&self, clinic_id: i32) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Clinic => self.clinic_ids.contains(&clinic_id),
            Role::Registration => false,
        }
    }
    /// Runs a station's desks: admins, and accounts assigned to that station.
    pub fn runs_station(&self, station_id: i32) -> bool {
        self.role == Role::Admin || self.station_ids.contains(&station_id)
    }
}

/// Who did something: shown in the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// "patient", "kiosk", "jkn", "system" or "staff:<username>".
    pub label: String,
    pub staff_id: Option<i32>,
}

impl Actor {
    pub fn patient() -> Self {
        Actor { label: "patient".into(), staff_id: None }
    }
    pub fn kiosk() -> Self {
        Actor { label: "kiosk".into(), staff_id: None }
    }
    pub fn system() -> Self {
        Actor { label: "system".into(), staff_id: None }
    }
    pub fn jkn() -> Self {
        Actor { label: "jkn".into(), staff_id: None }
    }
    pub fn staff(id: i32, username: &str) -> Self {
        Actor { label: format!("staff:{username}"), staff_id: Some(id) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(role: Role, clinics: &[i32]) -> StaffIdentity {
        StaffIdentity {
            id: 1,
            username: "u".into(),
            full_name: "U".into(),
            role,
            clinic_ids: clinics.to_vec(),
            station_ids: vec![7],
            csrf_token: String::new(),
        }
    }

    #[test]
    fn clinic_accounts_run_only_their_clinics() {
        let anak = member(Role::Clinic, &[3]);
        assert!(anak.runs_clinic(3) && anak.may_see_clinic(3));
        assert!(!anak.runs_clinic(4) && !anak.may_see_clinic(4));
        let loket = member(Role::Registration, &[]);
        assert!(loket.may_see_clinic(4) && !loket.runs_clinic(4));
        assert!(member(Role::Admin, &[]).runs_clinic(4));
        assert_eq!(Role::parse("clinic"), Some(Role::Clinic));
        assert_eq!(Role::parse("root"), None);
        assert!(anak.runs_station(7) && !anak.runs_station(8));
        assert!(member(Role::Admin, &[]).runs_station(8));
    }
}
