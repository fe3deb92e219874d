//! The safety quiz (求职安全小测验): a graduate answers it (as often as they like; the best result
//! is kept) and staff who see a unit's statistics see completion by college.

use jiuye_domain::access::{self, Action, Actor};
use jiuye_domain::safety::quiz::{Graded, Quiz};
use jiuye_store::Repository;
use jiuye_store::safety::QuizCompletion;

use crate::Error;
use crate::safety::rights::reporter;

/// Grades the caller's answers and keeps the best result (graduates only: `403` otherwise).
pub async fn take(
    store: &dyn Repository,
    quiz: &Quiz,
    actor: &Actor,
    answers: &[(String, usize)],
) -> Result<Graded, Error> {
    let me = reporter(actor).ok_or_else(Error::forbidden)?;
    let graded = quiz.grade(answers);
    store.record_quiz(me, graded.right as i64, graded.total as i64, graded.passed).await?;
    Ok(graded)
}

/// The caller's best result: (right, total, passed); `None` before a first try or for
/// anyone who is not a graduate.
pub async fn mine(store: &dyn Repository, actor: &Actor) -> Result<Option<(i64, i64, bool)>, Error> {
    let Some(me) = reporter(actor) else { return Ok(None) };
    Ok(store.quiz_result(me).await?.map(|(r, t, p, _)| (r, t, p)))
}

/// Completion by college among `cohort`'s graduates (the newest cohort the caller sees when
/// none is given) within where the caller sees statistics (`403` for anyone who sees none).
/// Answers the cohort shown (none when the scope holds no graduates).
pub async fn completion(
    store: &dyn Repository,
    actor: &Actor,
    cohort: Option<i32>,
) -> Result<(Option<i32>, Vec<QuizCompletion>), Error> {
    let paths = access::scope_paths(actor, Action::ViewStatistics);
    if paths.is_empty() {
        return Err(Error::forbidden());
    }
    let cohort = match cohort {
        Some(c) => Some(c),
        None => crate::destinations::graduates::newest_cohort(store, actor, None).await.unwrap_or(None),
    };
    let Some(c) = cohort else { return Ok((None, Vec::new())) };
    Ok((Some(c), store.quiz_completion(&paths, c).await?))
}
