//! 人岗匹配 (person–job matching): the rules that put graduates and postings together. Plain
//! functions over plain types; no I/O. `titles` maps a posting's title to an occupation of the
//! 职业分类大典 2022; `text` scores how well a résumé's text fits a posting's text; `recommend`
//! holds the explainable scoring model and its reasons.

pub mod recommend;
pub mod text;
pub mod title_examples;
pub mod titles;
