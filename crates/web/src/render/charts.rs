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

/// The smallest text in a chart, in viewBox units. Charts are drawn about as wide as a 375 px
/// phone's content (360 units) and never shown much wider (see `.chart` in app.css), so text
/// stays at least 12 px on a phone.
const TEXT: f64 = 13.0;
/// The chart's width in viewBox units.
const WIDTH: f64 = 360.0;

/// Horizontal bars of rates with a dashed line at `average`, each label above its bar.
/// `title` and `desc` become the chart's accessible name and description.
pub fn rate_bars(title: &str, desc: &str, bars: &[Bar], average: f64) -> String {
    let row = 40.0;
    let plot_w = WIDTH - 56.0;
    let height = 34.0 + row * bars.len() as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-labelledby="chart-t chart-d" class="chart"><title id="chart-t">{}</title><desc id="chart-d">{}</desc>"#,
        esc(title),
        esc(desc)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = 6.0 + row * i as f64;
        let v = b.value.clamp(0.0, 1.0);
        let w = (plot_w * v).max(1.0);
        let fill = if b.flagged { "#b42318" } else { "#1f5fa8" };
        let label: String = b.label.chars().take(24).collect();
        let _ = write!(
            s,
            r##"<text x="0" y="{ty}" font-size="{TEXT}" fill="#1b1b1b">{label}</text><rect x="0" y="{by}" width="{w:.1}" height="16" fill="{fill}"/><text x="{vx:.1}" y="{py}" font-size="{TEXT}" fill="#1b1b1b">{pct:.1}%</text>"##,
            ty = y + 12.0,
            by = y + 17.0,
            py = y + 30.0,
            label = esc(&label),
            vx = w + 4.0,
            pct = v * 100.0
        );
    }
    let ax = plot_w * average.clamp(0.0, 1.0);
    let anchor = if ax < 50.0 {
        "start"
    } else if ax > plot_w - 10.0 {
        "end"
    } else {
        "middle"
    };
    let _ = write!(
        s,
        r##"<line x1="{ax:.1}" y1="4" x2="{ax:.1}" y2="{y2}" stroke="#1b1b1b" stroke-width="2" stroke-dasharray="5 4"/><text x="{ax:.1}" y="{ty}" font-size="{TEXT}" text-anchor="{anchor}" fill="#1b1b1b">平均 {pct:.1}%</text></svg>"##,
        y2 = height - 18.0,
        ty = height - 3.0,
        pct = average * 100.0
    );
    s
}

/// A rising line of cumulative rates over weeks (points: label, value in [0, 1]).
pub fn progress_line(title: &str, desc: &str, points: &[(String, f64)]) -> String {
    let (w, h, left, bottom, top) = (WIDTH, 220.0, 42.0, 30.0, 12.0);
    let plot_w = w - left - 22.0;
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
            r##"<line x1="{left}" y1="{y:.1}" x2="{x2:.1}" y2="{y:.1}" stroke="#d0d4da"/><text x="{tx}" y="{ty:.1}" font-size="{TEXT}" text-anchor="end" fill="#4a4a4a">{pct}%</text>"##,
            x2 = left + plot_w,
            tx = left - 4.0,
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
    // At most five dates under the axis, so they never overlap.
    let step = points.len().div_ceil(5).max(1);
    for (i, ((label, _), (x, _))) in points.iter().zip(&coords).enumerate() {
        let last = i + 1 == points.len();
        if last || (i % step == 0 && i + step / 2 < points.len()) {
            let _ = write!(
                s,
                r##"<text x="{x:.1}" y="{ty}" font-size="{TEXT}" text-anchor="middle" fill="#1b1b1b">{}</text>"##,
                esc(label),
                ty = h - bottom + 18.0
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

    /// Drawn 360 units wide and shown at most about that wide on a 375 px phone, no text may be
    /// smaller than 12 units (the issue: labels of about 7 px).
    #[test]
    fn chart_text_is_legible_on_a_phone() {
        let bars = [Bar { label: "计算机科学与技术学院".into(), value: 0.4, flagged: false }];
        let points: Vec<(String, f64)> = (0..20).map(|i| (format!("03-{i:02}"), f64::from(i) / 20.0)).collect();
        for svg in [rate_bars("t", "d", &bars, 0.5), progress_line("t", "d", &points)] {
            assert!(svg.contains("viewBox=\"0 0 360 "), "{svg}");
            for size in svg.split("font-size=\"").skip(1) {
                let n: f64 = size.split('"').next().unwrap_or("0").parse().unwrap_or(0.0);
                assert!(n >= 12.0, "font-size {n} in {svg}");
            }
        }
        let dates = progress_line("t", "d", &points).matches("text-anchor=\"middle\"").count();
        assert!(dates <= 6, "{dates} date labels");
    }
}
