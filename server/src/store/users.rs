//! createUser, getUser, getOrCreateUser, updateUser, deleteUser.

use botpress_chat::api::UserFields;
use botpress_chat::model::validate_fid;
use botpress_chat::User;
use rusqlite::params;

use super::{Store, UserRow, BOT_ID};
use crate::error::{ApiError, ApiResult};
use crate::util::{new_id, now_iso};

impl Store {
    /// Stores a new user with an internal id and, when given, a caller-chosen one.
    fn insert_user(&self, fid: Option<&str>, f: UserFields) -> ApiResult<UserRow> {
        let row = UserRow {
            id: new_id("user"),
            fid: fid.map(str::to_string),
            name: f.name,
            picture_url: f.picture_url,
            profile: f.profile,
            created_at: now_iso(),
            updated_at: String::new(),
        };
        self.conn
            .prepare_cached(
                "INSERT INTO users(id, fid, name, picture_url, profile, created_at, updated_at)
                 VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            )?
            .execute(params![row.id, row.fid, row.name, row.picture_url, row.profile, row.created_at])?;
        Ok(UserRow { updated_at: row.created_at.clone(), ..row })
    }

    /// createUser: the new user, with the id its key must carry.
    pub fn create_user(&mut self, id: Option<&str>, f: UserFields) -> ApiResult<User> {
        if let Some(fid) = id {
            validate_fid(fid).map_err(ApiError::invalid)?;
            if self.user_by_ref(fid)?.is_some() {
                return Err(ApiError::exists(format!("User with id {fid} already exists")));
            }
        }
        let row = self.insert_user(id, f)?;
        Ok(row.to_user(row.canonical()))
    }

    /// getUser: the user the key names.
    pub fn get_user(&self, claim: &str) -> ApiResult<User> {
        Ok(self.require_user(claim)?.to_user(claim))
    }

    fn update_fields(&self, user: &mut UserRow, f: UserFields) -> ApiResult<()> {
        if f.name.is_none() && f.picture_url.is_none() && f.profile.is_none() {
            return Ok(());
        }
        let now = now_iso();
        self.conn
            .prepare_cached(
                "UPDATE users SET name = COALESCE(?2, name), picture_url = COALESCE(?3, picture_url),
                 profile = COALESCE(?4, profile), updated_at = ?5 WHERE id = ?1",
            )?
            .execute(params![user.id, f.name, f.picture_url, f.profile, now])?;
        if f.name.is_some() {
            user.name = f.name;
        }
        if f.picture_url.is_some() {
            user.picture_url = f.picture_url;
        }
        if f.profile.is_some() {
            user.profile = f.profile;
        }
        user.updated_at = now;
        Ok(())
    }

    /// getOrCreateUser: the key's user, updated with the given fields, or
    /// created with the key's id as its caller-chosen id.
    pub fn get_or_create_user(&mut self, claim: &str, f: UserFields) -> ApiResult<User> {
        let user = match self.user_by_ref(claim)? {
            Some(u) if u.id == BOT_ID => return Err(ApiError::bad_key()),
            Some(mut u) => {
                self.update_fields(&mut u, f)?;
                u
            }
            None => {
                validate_fid(claim).map_err(ApiError::invalid)?;
                self.insert_user(Some(claim), f)?
            }
        };
        Ok(user.to_user(claim))
    }

    /// updateUser: sets the given fields of the key's user.
    pub fn update_user(&mut self, claim: &str, f: UserFields) -> ApiResult<User> {
        let mut u = self.require_user(claim)?;
        self.update_fields(&mut u, f)?;
        Ok(u.to_user(claim))
    }

    /// deleteUser: the user and its memberships go (its messages stay), and
    /// its streams end.
    pub fn delete_user(&mut self, claim: &str) -> ApiResult<()> {
        let u = self.require_user(claim)?;
        self.conn.prepare_cached("DELETE FROM participants WHERE user = ?1")?.execute([&u.id])?;
        self.conn.prepare_cached("DELETE FROM users WHERE id = ?1")?.execute([&u.id])?;
        self.hub.close_user(&u.id, None);
        Ok(())
    }
}
