//! The submission package and the score sheet as plain serde types.
//!
//! Input types refuse unknown fields so a misspelt key is an error, not a silently empty value.
//! Amounts (万元), percentages and scores are exact decimals, written as strings on the wire.

mod package;
pub mod plain;
mod report;
mod score_sheet;
mod tables;

pub use package::*;
pub use report::*;
pub use score_sheet::*;
pub use tables::*;

#[cfg(test)]
mod tests {
    use utoipa::openapi::{ComponentsBuilder, RefOr, Schema};
    use utoipa::{PartialSchema, ToSchema};

    use super::*;

    fn properties<T: ToSchema + PartialSchema>() -> Vec<String> {
        let mut schemas = Vec::new();
        T::schemas(&mut schemas);
        let components = ComponentsBuilder::new()
            .schemas_from_iter(schemas)
            .schema(T::name(), T::schema())
            .build();
        match components.schemas.get(T::name().as_ref()) {
            Some(RefOr::T(Schema::Object(o))) => o.properties.keys().cloned().collect(),
            _ => panic!("{} is not an object schema", T::name()),
        }
    }

    #[test]
    fn package_and_score_sheet_have_schemas_with_their_fields() {
        let package = properties::<Package>();
        for field in [
            "department",
            "year",
            "notice",
            "working_group",
            "self_check",
            "report",
            "submitted_at",
        ] {
            assert!(package.contains(&field.to_string()), "Package.{field}");
        }
        let sheet = properties::<ScoreSheet>();
        for field in ["rubric", "total", "complete", "grade", "items", "findings"] {
            assert!(sheet.contains(&field.to_string()), "ScoreSheet.{field}");
        }
        assert!(properties::<ItemScore>().contains(&"override".to_string()));
    }

    #[test]
    fn decimals_are_strings_in_the_schema_and_on_the_wire() {
        let json = serde_json::to_value(FundsLine {
            label: "年度资金总额".into(),
            executed: Some(rust_decimal::Decimal::new(188544, 2)),
            ..FundsLine::default()
        })
        .expect("json");
        assert_eq!(json["executed"], "1885.44");
        let schema = serde_json::to_value(<FundsLine as PartialSchema>::schema()).expect("schema");
        let executed = &schema["properties"]["executed"];
        assert!(executed.to_string().contains("\"string\""), "{executed}");
        let number: Result<FundsLine, _> =
            serde_json::from_str(r#"{"label": "x", "executed": 1885.44}"#);
        assert!(
            number.is_err(),
            "a JSON number is refused: amounts must be exact"
        );
    }
}
