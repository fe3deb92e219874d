//! The safety quiz (求职安全小测验): questions with one right option each, shipped as
//! `data/policy/safety_quiz.toml`. A graduate completes it by answering at least `pass` right.

use std::sync::OnceLock;

use serde::Deserialize;

const SHIPPED: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/policy/safety_quiz.toml"));

/// One question.
#[derive(Clone, Debug, Deserialize)]
pub struct Question {
    pub id: String,
    pub text: String,
    pub options: Vec<String>,
    /// The index of the right option.
    pub answer: usize,
    /// What to learn from it (shown after answering).
    pub explain: String,
}

/// The quiz.
#[derive(Clone, Debug, Deserialize)]
pub struct Quiz {
    /// How many right answers complete it.
    pub pass: usize,
    #[serde(rename = "question")]
    pub questions: Vec<Question>,
}

/// How a set of answers went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Graded {
    pub right: usize,
    pub total: usize,
    pub passed: bool,
    /// Per question: the option chosen (none when unanswered) and whether it was right.
    pub answers: Vec<(Option<usize>, bool)>,
}

impl Quiz {
    /// Reads a quiz; every question needs at least two options and an answer among them, ids
    /// are unique, and `pass` is at most the number of questions.
    pub fn parse(text: &str) -> Result<Quiz, String> {
        let q: Quiz = toml::from_str(text).map_err(|e| e.to_string())?;
        for (i, x) in q.questions.iter().enumerate() {
            if x.options.len() < 2 || x.answer >= x.options.len() {
                return Err(format!("第 {} 题（{}）的选项或答案有误", i + 1, x.id));
            }
            if q.questions[..i].iter().any(|y| y.id == x.id) {
                return Err(format!("题目 id“{}”重复", x.id));
            }
        }
        if q.pass == 0 || q.pass > q.questions.len() {
            return Err(format!("及格题数 {} 应在 1 到 {} 之间", q.pass, q.questions.len()));
        }
        Ok(q)
    }

    /// The shipped quiz.
    pub fn shipped() -> &'static Quiz {
        static QUIZ: OnceLock<Quiz> = OnceLock::new();
        QUIZ.get_or_init(|| Quiz::parse(SHIPPED).unwrap_or_else(|e| panic!("safety_quiz.toml: {e}")))
    }

    /// Grades answers given as (question id, option index); unknown ids and options out of
    /// range count as wrong.
    pub fn grade(&self, given: &[(String, usize)]) -> Graded {
        let answers: Vec<(Option<usize>, bool)> = self
            .questions
            .iter()
            .map(|q| {
                let chosen = given.iter().find(|(id, _)| *id == q.id).map(|(_, o)| *o);
                (chosen, chosen == Some(q.answer))
            })
            .collect();
        let right = answers.iter().filter(|(_, ok)| *ok).count();
        Graded { right, total: self.questions.len(), passed: right >= self.pass, answers }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_quiz_grades_right_and_wrong_answers() {
        let q = Quiz::shipped();
        assert!(q.questions.len() >= q.pass);
        let all: Vec<(String, usize)> = q.questions.iter().map(|x| (x.id.clone(), x.answer)).collect();
        let g = q.grade(&all);
        assert!(g.passed && g.right == g.total);
        let none = q.grade(&[]);
        assert!(!none.passed && none.right == 0);
        let wrong: Vec<(String, usize)> =
            q.questions.iter().map(|x| (x.id.clone(), (x.answer + 1) % x.options.len())).collect();
        assert_eq!(q.grade(&wrong).right, 0);
        assert!(Quiz::parse("pass = 3\n[[question]]\nid = \"a\"\ntext = \"t\"\noptions = [\"x\", \"y\"]\nanswer = 2\nexplain = \"e\"\n").is_err());
    }
}
