//! Safety education over JSON: the warnings (from the same file as the screening rules), the
//! quiz, a graduate's answers, and completion by college for staff.

use axum::Json;
use axum::extract::State;
use jiuye_domain::safety::quiz::Quiz;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Signed;
use crate::error::{AppError, ErrorBody};
use crate::extract::query::ApiQuery;

/// What one screening code warns about.
#[derive(Debug, Serialize, ToSchema)]
pub struct WarningDto {
    /// The code screening gives (a posting's reason links to `/safety#code`).
    pub code: String,
    pub title: String,
    /// What the trick is, with the law it breaks.
    pub explain: String,
    /// How it is typically worded.
    pub example: String,
    /// What to do.
    pub advice: String,
}

/// The current warnings, in the order of the node's rules file (anyone, signed in or not).
#[utoipa::path(get, path = "/api/v1/safety/warnings", tag = "safety",
    responses((status = 200, description = "The warnings", body = [WarningDto])))]
pub async fn warnings(State(state): State<AppState>) -> Json<Vec<WarningDto>> {
    Json(warning_list(&state))
}

pub(crate) fn warning_list(state: &AppState) -> Vec<WarningDto> {
    state
        .settings
        .scam_rules
        .current()
        .warnings()
        .iter()
        .map(|w| WarningDto {
            code: w.code.clone(),
            title: w.title.clone(),
            explain: w.explain.clone(),
            example: w.example.clone(),
            advice: w.advice.clone(),
        })
        .collect()
}

/// A question without its answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionDto {
    pub id: String,
    pub text: String,
    pub options: Vec<String>,
}

/// The quiz.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuizDto {
    /// How many right answers complete it.
    pub pass: usize,
    pub questions: Vec<QuestionDto>,
}

/// The safety quiz's questions (anyone).
#[utoipa::path(get, path = "/api/v1/safety/quiz", tag = "safety",
    responses((status = 200, description = "The questions", body = QuizDto)))]
pub async fn quiz() -> Json<QuizDto> {
    let q = Quiz::shipped();
    Json(QuizDto {
        pass: q.pass,
        questions: q
            .questions
            .iter()
            .map(|x| QuestionDto { id: x.id.clone(), text: x.text.clone(), options: x.options.clone() })
            .collect(),
    })
}

/// One answer: the question's id and the index (from 0) of the option chosen.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Answer {
    pub id: String,
    pub option: usize,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AnswersInput {
    pub answers: Vec<Answer>,
}

/// How one question went.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionResult {
    pub id: String,
    pub chosen: Option<usize>,
    pub right: bool,
    /// The right option.
    pub answer: usize,
    pub explain: String,
}

/// A graded try.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuizResult {
    pub right: usize,
    pub total: usize,
    /// Enough right answers to complete the quiz.
    pub passed: bool,
    pub questions: Vec<QuestionResult>,
}

pub(crate) async fn grade(
    state: &AppState,
    actor: &jiuye_domain::access::Actor,
    answers: &[(String, usize)],
) -> Result<QuizResult, AppError> {
    let q = Quiz::shipped();
    let g = jiuye_app::safety::quiz::take(state.store.as_ref(), q, actor, answers).await?;
    let questions = q
        .questions
        .iter()
        .zip(&g.answers)
        .map(|(x, (chosen, right))| QuestionResult {
            id: x.id.clone(),
            chosen: *chosen,
            right: *right,
            answer: x.answer,
            explain: x.explain.clone(),
        })
        .collect();
    Ok(QuizResult { right: g.right, total: g.total, passed: g.passed, questions })
}

/// Answers the quiz (graduates; the best result is kept and counts for their college).
#[utoipa::path(post, path = "/api/v1/safety/quiz", tag = "safety", request_body = AnswersInput,
    responses((status = 200, description = "Graded, with the right answers and why", body = QuizResult),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: graduates only", body = ErrorBody)))]
pub async fn answer_quiz(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Json(input): Json<AnswersInput>,
) -> Result<Json<QuizResult>, AppError> {
    let answers: Vec<(String, usize)> = input.answers.into_iter().map(|a| (a.id, a.option)).collect();
    Ok(Json(grade(&state, &caller.actor, &answers).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompletionParams {
    /// The cohort (届); the newest the caller sees by default.
    pub cohort: Option<i32>,
}

/// One college's completion.
#[derive(Debug, Serialize, ToSchema)]
pub struct CollegeCompletion {
    pub code: String,
    pub name: String,
    pub graduates: i64,
    pub completed: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Completion {
    /// The cohort counted (none when the caller's scope holds no graduates).
    pub cohort: Option<i32>,
    pub colleges: Vec<CollegeCompletion>,
}

pub(crate) async fn completion(
    state: &AppState,
    actor: &jiuye_domain::access::Actor,
    cohort: Option<i32>,
) -> Result<Completion, AppError> {
    let (cohort, rows) = jiuye_app::safety::quiz::completion(state.store.as_ref(), actor, cohort).await?;
    Ok(Completion {
        cohort,
        colleges: rows
            .into_iter()
            .map(|r| CollegeCompletion {
                code: r.college_code,
                name: r.college_name,
                graduates: r.graduates,
                completed: r.completed,
            })
            .collect(),
    })
}

/// How many graduates of each college completed the quiz (staff who see the college's
/// statistics: counselors, college and university leaders, the career centre, the province).
#[utoipa::path(get, path = "/api/v1/safety/quiz/completion", tag = "safety", params(CompletionParams),
    responses((status = 200, description = "Completion by college", body = Completion),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn quiz_completion(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<CompletionParams>,
) -> Result<Json<Completion>, AppError> {
    Ok(Json(completion(&state, &caller.actor, p.cohort).await?))
}
