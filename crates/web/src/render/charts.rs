//! Charts drawn as SVG on the server: they work without JavaScript, print, and carry a text
//! alternative (`<title>` and `<desc>`) for screen readers. All text is escaped.

use std::fmt::Write;

/// Escapes text for XML.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One bar: label, a rate in [0, 1], and whether it is flagged (drawn in the warning colour).
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub flagged: bool,
}

/// Horizontal bars of rates with a dashed line at `average`. `title` and `desc` become the
/// chart's accessible name and description.
pub fn rate_bars(title: &str, desc: &str, bars: &[Bar], average: f64) -> String {
    let row = 26.0;
    let label_w = 190.0;
    let plot_w = 420.0;
    let height = 30.0 + row * bars.len() as f64;
    let width = label_w + plot_w + 70.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" aria-labelledby="chart-t chart-d" class="chart"><title id="chart-t">{}</title><desc id="chart-d">{}</desc>"#,
        esc(title),
        esc(desc)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = 10.0 + row * i as f64;
        let v = b.value.clamp(0.0, 1.0);
        let w = (plot_w * v).max(1.0);
        let fill = if b.flagged { "#b42318" } else { "#1f5fa8" };
        let label: String = b.label.chars().take(14).collect();
        let _ = write!(
            s,
            r##"<text x="{lx}" y="{ty}" text-anchor="end" font-size="13" fill="#1b1b1b">{label}</text><rect x="{label_w}" y="{y}" width="{w:.1}" height="18" fill="{fill}"/><text x="{vx:.1}" y="{ty}" font-size="12" fill="#1b1b1b">{pct:.1}%</text>"##,
            lx = label_w - 8.0,
            ty = y + 14.0,
            label = esc(&label),
            vx = label_w + w + 6.0,
            pct = v * 100.0
        );
    }
    let ax = label_w + plot_w * average.clamp(0.0, 1.0);
    let _ = write!(
        s,
        r##"<line x1="{ax:.1}" y1="4" x2="{ax:.1}" y2="{y2}" stroke="#1b1b1b" stroke-width="2" stroke-dasharray="5 4"/><text x="{ax:.1}" y="{ty}" font-size="12" text-anchor="middle" fill="#1b1b1b">平均 {pct:.1}%</text></svg>"##,
        y2 = height - 16.0,
        ty = height - 2.0,
        pct = average * 100.0
    );
    s
}

/// A rising line of cumulative rates over weeks (points: label, value in [0, 1]).
pub fn progress_line(title: &str, desc: &str, points: &[(String, f64)]) -> String {
    let (w, h, left, bottom, top) = (640.0, 240.0, 48.0, 40.0, 12.0);
    let plot_w = w - left - 16.0;
    let plot_h = h - bottom - top;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" role="img" aria-labelledby="line-t line-d" class="chart"><title id="line-t">{}</title><desc id="line-d">{}</desc>"#,
        esc(title),
        esc(desc)
    );
    for pct in [0, 25, 50, 75, 100] {
        let y = top + plot_h * (1.0 - f64::from(pct) / 100.0);
        let _ = write!(
            s,
            r##"<line x1="{left}" y1="{y:.1}" x2="{x2:.1}" y2="{y:.1}" stroke="#d0d4da"/><text x="{tx}" y="{ty:.1}" font-size="11" text-anchor="end" fill="#4a4a4a">{pct}%</text>"##,
            x2 = left + plot_w,
            tx = left - 6.0,
            ty = y + 4.0
        );
    }
    let n = points.len().max(2) - 1;
    let coords: Vec<(f64, f64)> = points
        .iter()
        .enumerate()
        .map(|(i, (_, v))| (left + plot_w * i as f64 / n as f64, top + plot_h * (1.0 - v.clamp(0.0, 1.0))))
        .collect();
    if !coords.is_empty() {
        let path: Vec<String> = coords.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
        let _ = write!(s, r##"<polyline points="{}" fill="none" stroke="#1f5fa8" stroke-width="3"/>"##, path.join(" "));
    }
    let step = (points.len() / 6).max(1);
    for (i, ((label, _), (x, _))) in points.iter().zip(&coords).enumerate() {
        if i % step == 0 || i + 1 == points.len() {
            let _ = write!(
                s,
                r##"<text x="{x:.1}" y="{ty}" font-size="11" text-anchor="middle" fill="#1b1b1b">{}</text>"##,
                esc(label),
                ty = h - bottom + 16.0
            );
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_escapes_labels_and_has_text_alternatives() {
        let svg = rate_bars(
            "落实率",
            "各院系落实率",
            &[
                Bar { label: "<script>".into(), value: 0.5, flagged: true },
                Bar { label: "文学院".into(), value: 1.2, flagged: false },
            ],
            0.75,
        );
        assert!(svg.contains("<title id=\"chart-t\">落实率</title>") && svg.contains("<desc"));
        assert!(!svg.contains("<script>") && svg.contains("&lt;script&gt;"));
        assert!(svg.contains("100.0%"), "values are clamped to 100%");
    }
}
