//! The domain's state and kind enums as text columns: diesel `ToSql`/`FromSql` over the
//! enums' one textual form. The CHECK constraints of the migrations stay the guard.
use diesel::deserialize::{self, FromSql};
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

use crate::domain::complaints::{ComplaintCategory, ComplaintChannel, ComplaintStatus};
use crate::domain::journey::{Lane, StationKind, StepStatus};
use crate::domain::kinds::HfisStatus;
use crate::domain::kinds::{
    Channel, ExceptionKind, GuessScope, JobStatus, Payer, PriorityCategory, SessionStatus,
};
use crate::domain::visit_status::VisitStatus;

macro_rules! text_column {
    ($($name:ty),+ $(,)?) => {$(
        impl ToSql<Text, Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
            }
        }

        impl FromSql<Text, Pg> for $name {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
                <$name>::parse(&text).ok_or_else(|| {
                    format!("unexpected {} in the database: {text:?}", stringify!($name)).into()
                })
            }
        }

    )+};
}

text_column!(
    VisitStatus,
    Payer,
    Channel,
    SessionStatus,
    ExceptionKind,
    JobStatus,
    GuessScope,
    StationKind,
    Lane,
    StepStatus,
    PriorityCategory,
    ComplaintCategory,
    ComplaintStatus,
    ComplaintChannel,
    HfisStatus
);
