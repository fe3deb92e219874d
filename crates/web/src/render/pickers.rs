//! Pickers, so that nobody types a code: selects filled from the shipped code lists (region,
//! position category, industry), the organisations a person may choose, and search pickers
//! (majors, employers) that work as plain form submissions and are enhanced by
//! `static/pickers.js`. This module only renders; the pages decide what is offered and the use
//! cases still check every value.

use askama::Template;
use jiuye_domain::access::{self, Action, Actor};
use jiuye_domain::{Catalogue, OrgCode, OrgKind, RefData};
use jiuye_store::{OrgQuery, Repository};

use crate::error::AppError;
use crate::render::page::Base;

/// One option: the value submitted and the text shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

impl Choice {
    fn new(value: impl Into<String>, label: impl Into<String>) -> Choice {
        Choice { value: value.into(), label: label.into() }
    }
}

/// Options under one heading (`<optgroup>`); an empty label means no group element.
#[derive(Clone, Debug)]
pub struct Group {
    pub label: String,
    /// A code the script reads (the province of a region group).
    pub code: String,
    pub choices: Vec<Choice>,
}

/// A labelled `<select>` with optional groups, e.g. position category, industry, scope; with
/// `kind = "region"` the script turns it into a province → city → county cascade.
#[derive(Template, Clone, Debug)]
#[template(path = "pickers/select.html")]
pub struct SelectPicker {
    pub id: String,
    pub name: String,
    pub label: String,
    pub hint: Option<String>,
    pub required: bool,
    pub value: String,
    /// The first option (value ""), if any.
    pub empty: Option<String>,
    pub groups: Vec<Group>,
    /// `region` for the cascade, else empty.
    pub kind: &'static str,
    /// Labels of the cascade's selects (province, city, county) and of its loading failure.
    pub levels: Vec<String>,
}

impl SelectPicker {
    /// A select over `groups`.
    pub fn new(base: &Base, id: &str, name: &str, label_key: &str, value: &str, groups: Vec<Group>) -> SelectPicker {
        SelectPicker {
            id: id.to_owned(),
            name: name.to_owned(),
            label: base.t(label_key).to_owned(),
            hint: None,
            required: false,
            value: value.trim().to_owned(),
            empty: None,
            groups,
            kind: "",
            levels: Vec::new(),
        }
    }

    pub fn required(mut self) -> SelectPicker {
        self.required = true;
        self
    }

    /// A first option with no value ("请选择", "不限" …).
    pub fn empty(mut self, base: &Base, key: &str) -> SelectPicker {
        self.empty = Some(base.t(key).to_owned());
        self
    }

    pub fn hint(mut self, base: &Base, key: &str) -> SelectPicker {
        self.hint = Some(base.t(key).to_owned());
        self
    }

    /// Whether `value` is one of the options (the form sends back only what it offered).
    pub fn offers(&self, value: &str) -> bool {
        self.groups.iter().flat_map(|g| &g.choices).any(|c| c.value == value)
    }

    /// The HTML, to place in a page with `|safe`.
    pub fn html(&self) -> Result<String, AppError> {
        self.render().map_err(failed)
    }
}

fn failed(e: askama::Error) -> AppError {
    tracing::error!(error = %e, "picker template failed");
    AppError::new(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        jiuye_domain::ErrorCode::InternalError,
        "页面生成失败，已记录",
    )
}

/// The place picker (GB/T 2260): one select of the prefecture-level cities (and the districts
/// of municipalities and counties directly under a province) grouped by province, the chosen
/// county kept as an option; the script adds the province → city → county cascade.
pub fn region(base: &Base, rd: &RefData, id: &str, name: &str, label_key: &str, value: &str) -> SelectPicker {
    let value = value.trim();
    let chosen = rd.region(value);
    let groups = rd
        .provinces()
        .map(|p| {
            let mut choices = Vec::new();
            for r in rd.regions.iter().filter(|r| r.parent.as_ref() == Some(&p.code)) {
                choices.push(Choice::new(r.code.as_str(), r.name.clone()));
                // A county chosen earlier stays on offer, after its city.
                if let Some(c) = chosen.filter(|c| c.level == 3 && c.parent.as_ref() == Some(&r.code)) {
                    choices.push(Choice::new(c.code.as_str(), format!("{} · {}", r.name, c.name)));
                }
            }
            Group { label: p.name.clone(), code: p.code.as_str().to_owned(), choices }
        })
        .filter(|g| !g.choices.is_empty())
        .collect();
    let mut s = SelectPicker::new(base, id, name, label_key, value, groups).empty(base, "picker.choose_region");
    s.kind = "region";
    s.levels = ["picker.province", "picker.city", "picker.county", "picker.county_any", "picker.load_failed"]
        .iter()
        .map(|k| base.t(k).to_owned())
        .collect();
    s
}

/// One flat group of a catalogue's entries at `level` (all levels when `None`), by code.
fn catalogue_group(rd: &RefData, c: Catalogue, level: Option<u8>) -> Group {
    Group {
        label: String::new(),
        code: String::new(),
        choices: rd
            .entries_of(c)
            .filter(|e| level.is_none_or(|l| e.level == l))
            .map(|e| Choice::new(e.code.clone(), e.name.clone()))
            .collect(),
    }
}

/// 工作职位类别 by name.
pub fn position(base: &Base, rd: &RefData, id: &str, name: &str, label_key: &str, value: &str) -> SelectPicker {
    SelectPicker::new(base, id, name, label_key, value, vec![catalogue_group(rd, Catalogue::Positions, None)])
        .empty(base, "picker.choose")
}

/// GB/T 4754 industry: the divisions (大类) grouped by section (门类).
pub fn industry(base: &Base, rd: &RefData, id: &str, name: &str, label_key: &str, value: &str) -> SelectPicker {
    let groups = rd
        .entries_of(Catalogue::Industries)
        .filter(|e| e.level == 1)
        .map(|s| Group {
            label: s.name.clone(),
            code: s.code.clone(),
            choices: rd
                .entries_of(Catalogue::Industries)
                .filter(|d| d.level == 2 && d.parent_code.as_deref() == Some(s.code.as_str()))
                .map(|d| Choice::new(d.code.clone(), d.name.clone()))
                .collect(),
        })
        .collect();
    SelectPicker::new(base, id, name, label_key, value, groups).empty(base, "picker.choose")
}

/// A major or major class of either catalogue, as shown: "计算机科学与技术（本科 080901）".
pub fn major_label(rd: &RefData, code: &str) -> Option<String> {
    let code = code.trim();
    [(Catalogue::UndergraduateMajors, "本科"), (Catalogue::VocationalMajors, "高职专科")]
        .into_iter()
        .find_map(|(c, which)| rd.entry(c, code).map(|e| format!("{}（{which} {}）", e.name, e.code)))
}

/// Majors and major classes of either catalogue whose name contains `q` or whose code starts
/// with it, classes first, at most `limit`.
pub fn major_matches(rd: &RefData, q: &str, limit: usize) -> Vec<Choice> {
    let q = q.trim();
    if q.is_empty() {
        return Vec::new();
    }
    let mut found: Vec<(u8, Choice)> = [Catalogue::UndergraduateMajors, Catalogue::VocationalMajors]
        .into_iter()
        .flat_map(|c| rd.entries_of(c))
        .filter(|e| e.level >= 2 && (e.name.contains(q) || e.code.starts_with(q)))
        .filter_map(|e| Some((e.level, Choice::new(e.code.clone(), major_label(rd, &e.code)?))))
        .collect();
    found.sort_by_key(|(level, _)| *level);
    found.into_iter().take(limit).map(|(_, c)| c).collect()
}

/// A search picker: a hidden field with the chosen code(s), the chosen shown by name with a
/// button to drop each, a search box and the matches as buttons. Without the script every
/// button submits the form (`picker=<verb>:<field>[:<code>]`) and the page comes back with the
/// choice; with it the same box becomes a combobox.
#[derive(Template, Clone, Debug)]
#[template(path = "pickers/search.html")]
pub struct SearchPicker {
    /// `majors` or `employer`: which source the script asks.
    pub kind: &'static str,
    pub id: String,
    /// The hidden field's name (the query box is `<name>_q`).
    pub name: String,
    pub legend: String,
    pub search_label: String,
    pub help: String,
    pub multiple: bool,
    pub chosen: Vec<Choice>,
    pub q: String,
    /// Whether a search ran (to say "nothing found").
    pub searched: bool,
    pub matches: Vec<Choice>,
    pub find: String,
    pub add: String,
    pub remove: String,
    pub none_chosen: String,
    pub no_match: String,
    pub results_label: String,
}

impl SearchPicker {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        base: &Base,
        kind: &'static str,
        id: &str,
        name: &str,
        legend_key: &str,
        help_key: &str,
        multiple: bool,
        chosen: Vec<Choice>,
    ) -> SearchPicker {
        SearchPicker {
            kind,
            id: id.to_owned(),
            name: name.to_owned(),
            legend: base.t(legend_key).to_owned(),
            search_label: base.t(&format!("picker.search_{kind}")).to_owned(),
            help: base.t(help_key).to_owned(),
            multiple,
            chosen,
            q: String::new(),
            searched: false,
            matches: Vec::new(),
            find: base.t("picker.find").to_owned(),
            add: base.t("picker.add").to_owned(),
            remove: base.t("picker.remove").to_owned(),
            none_chosen: base.t(&format!("picker.none_{kind}")).to_owned(),
            no_match: base.t("picker.no_match").to_owned(),
            results_label: base.t("picker.results").to_owned(),
        }
    }

    /// The chosen codes as the hidden field carries them.
    pub fn value(&self) -> String {
        self.chosen.iter().map(|c| c.value.as_str()).collect::<Vec<_>>().join(",")
    }

    /// With the results of a search for `q`.
    pub fn searched(mut self, q: &str, matches: Vec<Choice>) -> SearchPicker {
        self.q = q.trim().to_owned();
        self.searched = true;
        self.matches = matches;
        self
    }

    pub fn html(&self) -> Result<String, AppError> {
        self.render().map_err(failed)
    }
}

/// The occupation picker (职业分类大典 2022, one occupation): the chosen one, and when asked,
/// the occupations found for `typed` (a job title or an occupation's name) as this node labels
/// titles.
pub fn occupation(
    state: &crate::AppState,
    base: &Base,
    id: &str,
    chosen: &str,
    typed: &str,
    searched: bool,
) -> Result<String, AppError> {
    let occ = jiuye_domain::matching::titles::Occupations::shipped();
    let label = |code: &str, name: &str| format!("{name}（{code}）");
    let chosen = split_codes(chosen)
        .into_iter()
        .map(|c| Choice { label: occ.get(&c).map_or_else(|| c.clone(), |o| label(&o.code, &o.name)), value: c })
        .collect();
    let mut picker = SearchPicker::new(
        base,
        "occupation",
        id,
        "occupation",
        "posting.occupation",
        "picker.occupation_help",
        false,
        chosen,
    );
    if searched {
        let words: String = typed.trim().chars().take(jiuye_domain::text::TITLE).collect();
        let found = if words.is_empty() {
            Vec::new()
        } else {
            crate::api::occupations::suggestions(state, &words, 10)
                .into_iter()
                .filter(|s| s.level == 4)
                .map(|s| Choice { label: label(&s.code, &s.name), value: s.code })
                .collect()
        };
        picker = picker.searched(&words, found);
    }
    picker.html()
}

/// What a picker button asked for: `find:<field>`, `add:<field>:<code>`, `drop:<field>:<code>`
/// or `new:<field>` (add a new employer to the directory).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PickerAction {
    Find(String),
    Add(String, String),
    Drop(String, String),
    New(String),
}

impl PickerAction {
    pub fn parse(s: &str) -> Option<PickerAction> {
        let mut parts = s.splitn(3, ':');
        let verb = parts.next()?;
        let field = parts.next()?.to_owned();
        let code = parts.next().map(|c| c.trim().to_owned());
        match (verb, code) {
            ("find", None) => Some(PickerAction::Find(field)),
            ("new", None) => Some(PickerAction::New(field)),
            ("add", Some(c)) if !c.is_empty() => Some(PickerAction::Add(field, c)),
            ("drop", Some(c)) if !c.is_empty() => Some(PickerAction::Drop(field, c)),
            _ => None,
        }
    }
}

/// Codes as a form carries them (comma, 、, space or 全角 comma between), trimmed, without repeats.
pub fn split_codes(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in s.split([',', '，', ' ', '、']).map(str::trim).filter(|c| !c.is_empty()) {
        if !out.iter().any(|o| o == c) {
            out.push(c.to_owned());
        }
    }
    out
}

/// `codes` after an add or drop of `field`'s picker (other actions leave them as they are).
pub fn apply_to_codes(codes: &str, action: &PickerAction, field: &str, multiple: bool) -> String {
    let mut list = split_codes(codes);
    match action {
        PickerAction::Add(f, c) if f == field => {
            if !multiple {
                list.clear();
            }
            if !list.contains(c) {
                list.push(c.clone());
            }
        }
        PickerAction::Drop(f, c) if f == field => list.retain(|x| x != c),
        _ => {}
    }
    list.join(",")
}

/// The organisations `actor` may pick for `action`, grouped: each node its grants give and the
/// nodes below it down to `depth` levels (at most `limit` in all), by code. An employer's
/// postings (`PostJob`) get its province and the universities in it.
pub async fn scope_groups(
    store: &dyn Repository,
    base: &Base,
    actor: &Actor,
    action: Action,
    depth: usize,
    limit: usize,
) -> Result<Vec<Group>, AppError> {
    let mut groups: Vec<Group> = Vec::new();
    let mut count = 0usize;
    let label = |o: &jiuye_domain::Org| format!("{}（{}）", o.name, base.zh_en(o.kind.zh(), o.kind.id()));
    for path in access::choosable_scopes(actor, action) {
        let Some(code) = path.rsplit('/').next().and_then(|c| OrgCode::parse(c).ok()) else { continue };
        let Some(top) = store.org_by_code(&code).await? else { continue };
        let mut first = Group { label: String::new(), code: String::new(), choices: vec![] };
        first.choices.push(Choice::new(top.code.to_string(), label(&top)));
        count += 1;
        if action == Action::PostJob && top.kind == OrgKind::Province {
            let (unis, _) = store
                .search_orgs(&OrgQuery {
                    kind: Some(OrgKind::University),
                    province_code: top.province_code.clone(),
                    limit: limit as i64,
                    ..OrgQuery::default()
                })
                .await?;
            groups.push(first);
            groups.push(Group {
                label: base.zh_en("高校", "Universities").to_owned(),
                code: String::new(),
                choices: unis.iter().map(|u| Choice::new(u.code.to_string(), u.name.clone())).collect(),
            });
            continue;
        }
        groups.push(first);
        if depth == 0 {
            continue;
        }
        for child in store.org_children(&top).await? {
            if count >= limit {
                break;
            }
            let c = child.org;
            let mut g = Group { label: c.name.clone(), code: c.code.to_string(), choices: vec![] };
            g.choices.push(Choice::new(c.code.to_string(), label(&c)));
            count += 1;
            if depth > 1 {
                for grand in store.org_children(&c).await? {
                    if count >= limit {
                        break;
                    }
                    g.choices.push(Choice::new(grand.org.code.to_string(), label(&grand.org)));
                    count += 1;
                }
            }
            groups.push(g);
        }
    }
    Ok(groups)
}

/// A scope select for `action`; a value not on offer (typed into an old link) stays as an option
/// so that the page shows what it filters by.
#[allow(clippy::too_many_arguments)]
pub async fn scope(
    store: &dyn Repository,
    base: &Base,
    actor: &Actor,
    action: Action,
    depth: usize,
    id: &str,
    name: &str,
    label_key: &str,
    value: &str,
) -> Result<SelectPicker, AppError> {
    let mut groups = scope_groups(store, base, actor, action, depth, 400).await?;
    let mut s = SelectPicker::new(base, id, name, label_key, value, Vec::new());
    let v = value.trim();
    let offered = groups.iter().flat_map(|g| &g.choices).any(|c| c.value == v);
    if !v.is_empty() && !offered {
        let shown = match OrgCode::parse(v) {
            Ok(code) => store.org_by_code(&code).await?.map(|o| o.name).unwrap_or_else(|| v.to_owned()),
            Err(_) => v.to_owned(),
        };
        groups.insert(0, Group { label: String::new(), code: String::new(), choices: vec![Choice::new(v, shown)] });
    }
    s.groups = groups;
    Ok(s)
}

/// The unit of a list's filter or a form (field `org`): the organisations `actor` may choose for
/// the first of `actions` they hold anywhere, with one level below each, and a first option
/// with no value labelled `empty_key` (everything one may see, or one's own unit).
#[allow(clippy::too_many_arguments)]
pub async fn org_field(
    store: &dyn Repository,
    base: &Base,
    actor: &Actor,
    actions: &[Action],
    id: &str,
    label_key: &str,
    empty_key: &str,
    value: &str,
) -> Result<String, AppError> {
    let action =
        actions.iter().copied().find(|a| !access::scope_paths(actor, *a).is_empty()).unwrap_or(Action::ViewStatistics);
    let picker = scope(store, base, actor, action, 1, id, "org", label_key, value).await?.empty(base, empty_key);
    if empty_key == "picker.scope_choose" { picker.required() } else { picker }.html()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picker_actions_parse_and_apply() {
        let add = PickerAction::parse("add:majors:080901").unwrap();
        assert_eq!(apply_to_codes("0809, 0809", &add, "majors", true), "0809,080901");
        assert_eq!(apply_to_codes("0809", &add, "employer", true), "0809");
        let drop = PickerAction::parse("drop:majors:0809").unwrap();
        assert_eq!(apply_to_codes("0809,080901", &drop, "majors", true), "080901");
        assert_eq!(apply_to_codes("X", &add, "majors", false), "080901");
        assert_eq!(PickerAction::parse("find:majors"), Some(PickerAction::Find("majors".into())));
        assert_eq!(PickerAction::parse("add:majors:"), None);
        assert_eq!(PickerAction::parse("junk"), None);
    }

    #[test]
    fn majors_are_found_by_name_in_either_catalogue() {
        let rd = RefData::load().unwrap();
        let found = major_matches(&rd, "计算机", 50);
        assert!(found.iter().any(|c| c.value == "080901"), "{found:?}");
        assert!(found.iter().any(|c| c.label.contains("高职专科")), "{found:?}");
        assert!(major_matches(&rd, "  ", 5).is_empty());
    }
}
