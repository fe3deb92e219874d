//! Small wording helpers for pages: a field's length limit, "no data" instead of zeros.

use crate::render::page::Base;

impl Base {
    /// "最多 500 字": the limit of a free-text field, stated next to it.
    pub fn max_chars(&self, n: usize) -> String {
        self.t("common.max_chars").replace("{n}", &crate::render::page::group_digits(n as i64))
    }

    /// "暂无数据".
    pub fn no_data(&self) -> &str {
        self.t("common.no_data")
    }
}
