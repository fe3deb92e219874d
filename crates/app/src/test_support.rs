//! What the use-case tests share: organisations below a real one, and accounts with one grant,
//! written straight into a store.

use jiuye_domain::access::{Actor, Role};
use jiuye_domain::{Org, OrgCode, OrgKind};
use jiuye_store::Repository;
use jiuye_store::accounts::{NewGrant, NewUser};
use jiuye_store::well_known_org_id;
use uuid::Uuid;

/// A password hash for accounts that never sign in.
pub const NO_PASSWORD: &str = "$argon2id$v=19$placeholder";

/// A new organisation under `parent`.
pub fn child(node: Uuid, parent: &Org, code: OrgCode, kind: OrgKind, name: &str, major: Option<&str>) -> Org {
    let now = chrono::Utc::now();
    Org {
        id: well_known_org_id(&code),
        path: format!("{}/{code}", parent.path),
        code,
        kind,
        name: name.to_owned(),
        parent_id: Some(parent.id),
        province_code: parent.province_code.clone(),
        school_level: None,
        newly_built: false,
        private: false,
        authority: None,
        region_code: parent.region_code.clone(),
        major_code: major.map(str::to_owned),
        origin_node: node,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

/// An account with one grant (for `subject`, when the role acts for a record), as its actor.
pub async fn account(
    s: &dyn Repository,
    username: &str,
    org: &Org,
    role: Role,
    subject: Option<Uuid>,
    password_hash: &str,
) -> Actor {
    let user = NewUser {
        id: Uuid::now_v7(),
        username: username.into(),
        display_name: username.into(),
        org_id: org.id,
        password_hash: password_hash.into(),
        must_change_password: false,
    };
    let grant =
        NewGrant { id: Uuid::now_v7(), user_id: user.id, role, org_id: org.id, subject_id: subject, created_by: None };
    assert!(s.create_user(&user, &[grant]).await.unwrap());
    let grants = s.grants_of(user.id).await.unwrap().into_iter().map(|g| g.grant).collect();
    Actor { user_id: user.id, username: username.into(), grants }
}

/// A graduate of the 2023 cohort with no destination yet, of `programme` in `college` of
/// `university`.
pub fn graduate(
    node: Uuid,
    university: &Org,
    college: &Org,
    programme: &Org,
    student_no: &str,
    name: &str,
) -> jiuye_domain::Graduate {
    jiuye_domain::Graduate {
        id: Uuid::now_v7(),
        org_id: university.id,
        college_id: college.id,
        programme_id: programme.id,
        student_no: student_no.into(),
        name: name.into(),
        gender: jiuye_domain::Gender::Male,
        education_level: jiuye_domain::EducationLevel::Bachelor,
        cohort: 2023,
        origin_region: "510104".into(),
        dest_code: None,
        dest_status: jiuye_domain::destination::DestStatus::None,
        dest_updated_at: None,
        origin_node: node,
        version: 1,
    }
}
