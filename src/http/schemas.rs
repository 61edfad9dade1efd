//! The OpenAPI schemas of the domain's text enums (`text_enum!`): a string with its
//! values, from the enum's own `ALL` list. Written here, in the adapter layer, so that the
//! domain does not depend on `utoipa`.
use std::borrow::Cow;

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

macro_rules! enum_schemas {
    ($($path:path => $name:literal),+ $(,)?) => {
        $(
            impl utoipa::PartialSchema for $path {
                fn schema() -> RefOr<Schema> {
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .enum_values(Some(<$path>::ALL.iter().map(|v| v.as_str())))
                        .into()
                }
            }

            impl utoipa::ToSchema for $path {
                fn name() -> Cow<'static, str> {
                    Cow::Borrowed($name)
                }
            }
        )+
    };
}

enum_schemas! {
    crate::domain::kinds::Payer => "Payer",
    crate::domain::kinds::Channel => "Channel",
    crate::domain::kinds::SessionStatus => "SessionStatus",
    crate::domain::kinds::ExceptionKind => "ExceptionKind",
    crate::domain::kinds::JobStatus => "JobStatus",
    crate::domain::kinds::PriorityCategory => "PriorityCategory",
    crate::domain::kinds::HfisStatus => "HfisStatus",
    crate::domain::visit_status::VisitStatus => "VisitStatus",
    crate::domain::journey::StationKind => "StationKind",
    crate::domain::journey::Lane => "Lane",
    crate::domain::journey::StepStatus => "StepStatus",
    crate::domain::complaints::ComplaintCategory => "ComplaintCategory",
    crate::domain::complaints::ComplaintStatus => "ComplaintStatus",
    crate::domain::complaints::ComplaintChannel => "ComplaintChannel",
    crate::domain::complaints::FeedbackCategory => "FeedbackCategory",
    crate::domain::staff::Role => "Role",
    crate::domain::printer::PrinterProblem => "PrinterProblem",
}
