use diesel::prelude::*;

use super::schema::tokens;
use super::{with_conn, write_tx, Store, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = tokens)]
pub struct TokenRow {
    pub id: i64,
    /// SHA-256 of the token, hex: the token itself is never stored.
    pub token_hash: String,
    pub role: String,
    pub department_code: Option<String>,
    pub label: Option<String>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    /// The reviewer a reviewer token stands for.
    pub reviewer_id: Option<i64>,
}

impl Store {
    pub fn insert_token(
        &self,
        token_hash: &str,
        role: &str,
        department_code: Option<&str>,
        label: Option<&str>,
        now: i64,
    ) -> StoreResult<TokenRow> {
        write_tx!(self, |c| {
            let id: i64 = diesel::insert_into(tokens::table)
                .values((
                    tokens::token_hash.eq(token_hash),
                    tokens::role.eq(role),
                    tokens::department_code.eq(department_code),
                    tokens::label.eq(label),
                    tokens::created_at.eq(now),
                ))
                .returning(tokens::id)
                .get_result(c)?;
            Ok(tokens::table
                .find(id)
                .select(TokenRow::as_select())
                .first(c)?)
        })
    }

    /// A reviewer token, bound to its reviewer.
    pub fn insert_reviewer_token(
        &self,
        token_hash: &str,
        reviewer_id: i64,
        label: Option<&str>,
        now: i64,
    ) -> StoreResult<TokenRow> {
        write_tx!(self, |c| {
            let id: i64 = diesel::insert_into(tokens::table)
                .values((
                    tokens::token_hash.eq(token_hash),
                    tokens::role.eq("reviewer"),
                    tokens::reviewer_id.eq(reviewer_id),
                    tokens::label.eq(label),
                    tokens::created_at.eq(now),
                ))
                .returning(tokens::id)
                .get_result(c)?;
            Ok(tokens::table
                .find(id)
                .select(TokenRow::as_select())
                .first(c)?)
        })
    }

    /// The live (not revoked) token with this hash.
    pub fn token_by_hash(&self, token_hash: &str) -> StoreResult<Option<TokenRow>> {
        with_conn!(self, |c| Ok(tokens::table
            .filter(tokens::token_hash.eq(token_hash))
            .filter(tokens::revoked_at.is_null())
            .select(TokenRow::as_select())
            .first(c)
            .optional()?))
    }

    /// The token with this hash, live or revoked.
    pub fn token_by_hash_any(&self, token_hash: &str) -> StoreResult<Option<TokenRow>> {
        with_conn!(self, |c| Ok(tokens::table
            .filter(tokens::token_hash.eq(token_hash))
            .select(TokenRow::as_select())
            .first(c)
            .optional()?))
    }

    /// Revokes a token; false when there is no live token with that id.
    pub fn revoke_token(&self, id: i64, now: i64) -> StoreResult<bool> {
        write_tx!(self, |c| {
            let n = diesel::update(tokens::table.find(id).filter(tokens::revoked_at.is_null()))
                .set(tokens::revoked_at.eq(now))
                .execute(c)?;
            Ok(n == 1)
        })
    }

    pub fn live_admin_tokens(&self) -> StoreResult<i64> {
        with_conn!(self, |c| Ok(tokens::table
            .filter(tokens::role.eq("admin"))
            .filter(tokens::revoked_at.is_null())
            .count()
            .get_result(c)?))
    }
}
