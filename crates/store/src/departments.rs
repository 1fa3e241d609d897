use diesel::prelude::*;

use super::schema::departments;
use super::{with_conn, write_tx, Store, StoreError, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = departments)]
pub struct DepartmentRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub category: String,
    pub parent_code: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = departments)]
pub struct NewDepartment {
    pub code: String,
    pub name: String,
    pub category: String,
    pub parent_code: Option<String>,
    pub created_at: i64,
}

impl Store {
    pub fn create_department(&self, new: NewDepartment) -> StoreResult<DepartmentRow> {
        write_tx!(self, |c| {
            let taken: i64 = departments::table
                .filter(departments::code.eq(&new.code))
                .count()
                .get_result(c)?;
            if taken > 0 {
                return Err(StoreError::Conflict(format!(
                    "department {} already exists",
                    new.code
                )));
            }
            if let Some(parent) = &new.parent_code {
                let found: i64 = departments::table
                    .filter(departments::code.eq(parent))
                    .count()
                    .get_result(c)?;
                if found == 0 {
                    return Err(StoreError::Missing(format!(
                        "parent department {parent} does not exist"
                    )));
                }
            }
            diesel::insert_into(departments::table)
                .values(&new)
                .execute(c)?;
            Ok(departments::table
                .filter(departments::code.eq(&new.code))
                .select(DepartmentRow::as_select())
                .first(c)?)
        })
    }

    pub fn departments(&self) -> StoreResult<Vec<DepartmentRow>> {
        with_conn!(self, |c| Ok(departments::table
            .order(departments::code)
            .select(DepartmentRow::as_select())
            .load(c)?))
    }

    pub fn department(&self, code: &str) -> StoreResult<Option<DepartmentRow>> {
        with_conn!(self, |c| Ok(departments::table
            .filter(departments::code.eq(code))
            .select(DepartmentRow::as_select())
            .first(c)
            .optional()?))
    }
}
