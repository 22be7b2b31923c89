//! Plans as pictures: a timeline with one lane per party (each move a
//! labelled bar over the rounds it is in progress) above one chart per
//! meter (its trajectory, its red-line floors and ceilings, its expected
//! levels), all on one round axis. The SVG is self-contained (no fonts,
//! scripts or images), deterministic, and laid out so no two labels
//! overlap: every text is monospaced and its width is known.

use std::fmt::Write as _;

use crate::chance::{Band, Odds};
use crate::model::MadeOutcome;
use crate::model::{ExpectationKind, Instance, RedLineKind};
use crate::numbers::{fmt_meter, fmt_num};
use crate::plan::Moves;
use crate::report::PlanReport;
use crate::simulate::Evaluation;

/// Width of the whole picture in pixels.
pub const WIDTH: f64 = 1200.0;
/// Font size of every label, in pixels.
pub const FONT_SIZE: f64 = 11.0;
/// Advance of one character of a monospaced font, as a share of its size
/// (0.6 for `DejaVu` Sans Mono, Menlo, Consolas and Courier).
pub const CHAR_WIDTH: f64 = 0.6;
/// The font stack of every label: monospaced, so widths are predictable.
const FONT_FAMILY: &str = "DejaVu Sans Mono, Menlo, Consolas, Liberation Mono, monospace";

const LEFT: f64 = 230.0;
const RIGHT_MARGIN: f64 = 16.0;
const BAR_HEIGHT: f64 = 16.0;
const ROW_HEIGHT: f64 = 20.0;
const METER_HEIGHT: f64 = 110.0;
/// Height of the row of round numbers above the lanes.
const AXIS_HEIGHT: f64 = 20.0;
/// Line spacing of a lane's name when it takes several lines.
const NAME_LINE: f64 = 13.0;

/// Colours of the party lanes, in party order (repeating).
const PALETTE: [&str; 8] = [
    "#cfe2f3", "#fce5cd", "#d9ead3", "#ead1dc", "#fff2cc", "#d0e0e3", "#e6d5f5", "#f4cccc",
];

/// Width in pixels of `text` in the label font.
pub fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * FONT_SIZE * CHAR_WIDTH
}

/// Escapes text for XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The shared round axis: rounds 1..=rounds across the plotting width.
#[derive(Debug, Clone, Copy)]
struct Axis {
    rounds: u32,
}

impl Axis {
    fn cell(self) -> f64 {
        (WIDTH - LEFT - RIGHT_MARGIN) / f64::from(self.rounds.max(1))
    }
    /// x of the start of round `r` (the end of round r − 1).
    fn x(self, r: u32) -> f64 {
        LEFT + f64::from(r.saturating_sub(1)) * self.cell()
    }
    fn right() -> f64 {
        WIDTH - RIGHT_MARGIN
    }
    /// Every how many rounds a tick label fits.
    fn label_step(self) -> u32 {
        let widest = text_width(&self.rounds.to_string()) + 4.0;
        (1..=self.rounds.max(1))
            .find(|step| f64::from(*step) * self.cell() >= widest)
            .unwrap_or(1)
    }
}

/// An SVG document being written, with a running vertical position.
struct Canvas {
    body: String,
    y: f64,
}

impl Canvas {
    fn text(&mut self, x: f64, y: f64, anchor: &str, class: &str, content: &str) {
        let _ = writeln!(
            self.body,
            r#"<text x="{}" y="{}" text-anchor="{anchor}" class="{class}">{}</text>"#,
            px(x),
            px(y),
            escape(content)
        );
    }
    fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), class: &str) {
        let _ = writeln!(
            self.body,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" class="{class}"/>"#,
            px(x1),
            px(y1),
            px(x2),
            px(y2)
        );
    }
}

/// Pixels with at most one decimal, so output is stable.
fn px(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    fmt_num(rounded)
}

/// An item placed on a lane: a span of rounds with a label.
struct Span {
    first: u32,
    last: u32,
    label: String,
    title: String,
}

/// Where a span's label starts, and whether it lies outside its bar:
/// inside when it fits there, else beside it (after the bar, or before it
/// near the right edge), else over it, pulled left to end at the edge.
fn label_x(span: &Span, axis: Axis) -> (f64, bool) {
    let (x0, x1) = (axis.x(span.first), axis.x(span.last + 1));
    let width = text_width(&span.label);
    if width + 8.0 <= x1 - x0 {
        (x0 + 4.0, false)
    } else if x1 + 3.0 + width <= Axis::right() - 2.0 {
        (x1 + 3.0, true)
    } else if x0 - 3.0 - width >= LEFT + 2.0 {
        (x0 - 3.0 - width, true)
    } else {
        ((x0 + 4.0).min(Axis::right() - 2.0 - width), false)
    }
}

/// Packs spans into rows so that neither bars nor labels overlap; returns
/// the row of each span and the number of rows.
fn pack(spans: &[Span], axis: Axis) -> (Vec<usize>, usize) {
    let mut row_ends: Vec<f64> = Vec::new();
    let mut rows = Vec::with_capacity(spans.len());
    for span in spans {
        let (label, _) = label_x(span, axis);
        let x0 = axis.x(span.first).min(label - 1.0);
        let end = axis
            .x(span.last + 1)
            .max(label + text_width(&span.label) + 3.0);
        let row = if let Some(row) = row_ends.iter().position(|&e| e + 2.0 <= x0) {
            row
        } else {
            row_ends.push(f64::NEG_INFINITY);
            row_ends.len() - 1
        };
        row_ends[row] = end;
        rows.push(row);
    }
    let count = row_ends.len().max(1);
    (rows, count)
}

/// Draws one lane (a party's moves, or the events) and returns its height.
/// `kind` is the class of each item's group: `move` or `event`.
fn lane(
    canvas: &mut Canvas,
    axis: Axis,
    name: &str,
    spans: &[Span],
    (kind, fill): (&str, &str),
) -> f64 {
    named_lane(canvas, axis, (name, "lane"), spans, (kind, fill))
}

/// [`lane`], its name in the class given (a plan's sub-lane of a party is
/// named plainly, under the party's name).
fn named_lane(
    canvas: &mut Canvas,
    axis: Axis,
    (name, class): (&str, &str),
    spans: &[Span],
    (kind, fill): (&str, &str),
) -> f64 {
    let top = canvas.y;
    let (rows, count) = pack(spans, axis);
    // The name over as many lines as it needs (three at most).
    let lines = wrap(name, LEFT - 12.0, 3);
    let height = (count as f64 * ROW_HEIGHT).max(lines.len() as f64 * NAME_LINE + 6.0) + 4.0;
    for (i, line) in lines.iter().enumerate() {
        canvas.text(8.0, top + 14.0 + i as f64 * NAME_LINE, "start", class, line);
    }
    for (span, row) in spans.iter().zip(rows) {
        let x0 = axis.x(span.first);
        let x1 = axis.x(span.last + 1);
        let y = top + 2.0 + row as f64 * ROW_HEIGHT;
        let _ = writeln!(
            canvas.body,
            r#"<g class="{kind}"><title>{}</title><rect x="{}" y="{}" width="{}" height="{BAR_HEIGHT}" rx="3" fill="{fill}" class="bar"/>"#,
            escape(&span.title),
            px(x0 + 1.0),
            px(y),
            px((x1 - x0 - 2.0).max(2.0)),
        );
        let (x, outside) = label_x(span, axis);
        let class = if outside { "label outside" } else { "label" };
        canvas.text(x, y + 12.0, "start", class, &span.label);
        canvas.body.push_str("</g>\n");
    }
    canvas.line(
        (8.0, top + height),
        (Axis::right(), top + height),
        "lane-rule",
    );
    canvas.y = top + height;
    height
}

/// What a bar says of a move that may fail or an event that may not
/// happen: nothing when it is certain.
struct ChanceNote {
    label: String,
    title: String,
}

fn chance_note(probability: f64) -> ChanceNote {
    if probability >= 1.0 {
        return ChanceNote {
            label: String::new(),
            title: String::new(),
        };
    }
    let shown = super::chance::percent(probability);
    ChanceNote {
        label: format!(" ({shown})"),
        title: format!(", {shown} likely"),
    }
}

/// Shortens `text` with an ellipsis so it fits in `width` pixels.
/// `text` in lines no wider than `width`, broken between words (a word
/// too long for a line is cut), at most `most` lines, the last ending in
/// an ellipsis if the text goes on.
fn wrap(text: &str, width: f64, most: usize) -> Vec<String> {
    let max = (width / (FONT_SIZE * CHAR_WIDTH)).floor() as usize;
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let joined = if current.is_empty() {
            word.to_owned()
        } else {
            format!("{current} {word}")
        };
        if joined.chars().count() <= max || current.is_empty() {
            current = joined;
        } else {
            lines.push(std::mem::take(&mut current));
            word.clone_into(&mut current);
        }
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    if lines.len() > most {
        let rest = lines[most - 1..].join(" ");
        lines.truncate(most - 1);
        lines.push(rest);
        let last = lines.len() - 1;
        lines[last] = fit(&format!("{}…", lines[last]), width);
    }
    lines.iter().map(|line| fit(line, width)).collect()
}

fn fit(text: &str, width: f64) -> String {
    let max = (width / (FONT_SIZE * CHAR_WIDTH)).floor() as usize;
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let kept: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{kept}…")
    }
}

/// The round numbers along the top, and light gridlines down to `bottom`.
fn round_axis(canvas: &mut Canvas, axis: Axis, unit: &str, bottom: f64) {
    let y = canvas.y + 14.0;
    canvas.text(8.0, y, "start", "axis", &crate::render::capitalise(unit));
    let step = axis.label_step();
    for r in 1..=axis.rounds {
        let x = axis.x(r);
        canvas.line((x, y + 4.0), (x, bottom), "grid");
        if (r - 1) % step == 0 {
            canvas.text(x + axis.cell() / 2.0, y, "middle", "axis", &r.to_string());
        }
    }
    canvas.line((Axis::right(), y + 4.0), (Axis::right(), bottom), "grid");
    canvas.y = y + AXIS_HEIGHT - 14.0;
}

/// Spreads label positions (sorted by wish) at least `gap` apart within
/// `lo..=hi`, keeping each as near its wish as the others allow.
fn spread(wishes: &[f64], gap: f64, lo: f64, hi: f64) -> Vec<f64> {
    let mut order: Vec<usize> = (0..wishes.len()).collect();
    order.sort_by(|&a, &b| wishes[a].total_cmp(&wishes[b]).then(a.cmp(&b)));
    let mut placed = vec![0.0; wishes.len()];
    let mut previous = f64::NEG_INFINITY;
    for &i in &order {
        let y = wishes[i].max(lo).max(previous + gap);
        placed[i] = y;
        previous = y;
    }
    // Pushed past the bottom: shift the tail back up.
    let mut limit = hi;
    for &i in order.iter().rev() {
        if placed[i] > limit {
            placed[i] = limit;
        }
        limit = placed[i] - gap;
    }
    placed
}

/// A horizontal reference level on a meter chart.
struct Level {
    value: f64,
    /// The first round whose value it constrains (0: drawn across).
    from_round: u32,
    label: String,
    class: &'static str,
}

/// One meter's chart: trajectory, red lines and expectations.
fn meter_chart(
    canvas: &mut Canvas,
    axis: Axis,
    instance: &Instance,
    trajectories: &[&Evaluation],
    m: usize,
    band: Option<&Band>,
) {
    let model = instance.model;
    let rounds = axis.rounds as usize + 1;
    // A meter that chance does not move gets no band.
    let band = band.filter(|band| {
        band.low
            .iter()
            .zip(&band.high)
            .take(rounds)
            .any(|(low, high)| high - low > 1e-9)
    });
    let mut levels = Vec::new();
    for line in &model.red_lines {
        match line.kind {
            RedLineKind::NeverBelow { meter, level } if meter == m => levels.push(Level {
                value: level,
                from_round: 0,
                label: format!("red line ≥ {}", fmt_num(level)),
                class: "red-line",
            }),
            RedLineKind::NeverAbove { meter, level } if meter == m => levels.push(Level {
                value: level,
                from_round: 0,
                label: format!("red line ≤ {}", fmt_num(level)),
                class: "red-line",
            }),
            _ => {}
        }
    }
    for (e, expectation) in model.expectations.iter().enumerate() {
        if let ExpectationKind::Meter { meter, band } = expectation.kind {
            if meter == m {
                let by = instance.by[e];
                for (level, sign) in [(band.at_least, "≥"), (band.at_most, "≤")] {
                    if let Some(value) = level {
                        levels.push(Level {
                            value,
                            from_round: by,
                            label: format!("expected {sign} {} from {by}", fmt_num(value)),
                            class: "expectation",
                        });
                    }
                }
            }
        }
    }
    let every = trajectories
        .iter()
        .flat_map(|e| e.meters[m].iter().copied());
    let mut lo = every.clone().fold(f64::INFINITY, f64::min);
    let mut hi = every.fold(f64::NEG_INFINITY, f64::max);
    for level in &levels {
        lo = lo.min(level.value);
        hi = hi.max(level.value);
    }
    if let Some(band) = band {
        lo = band.low.iter().take(rounds).copied().fold(lo, f64::min);
        hi = band.high.iter().take(rounds).copied().fold(hi, f64::max);
    }
    if !lo.is_finite() || !hi.is_finite() {
        return;
    }
    if hi - lo < 1e-9 {
        lo -= 1.0;
        hi += 1.0;
    }
    let pad = (hi - lo) * 0.08;
    let (lo, hi) = (lo - pad, hi + pad);

    let top = canvas.y + 8.0;
    let plot_top = top + 16.0;
    let plot_bottom = top + METER_HEIGHT - 8.0;
    let y_of = |v: f64| plot_bottom - (v - lo) / (hi - lo) * (plot_bottom - plot_top);
    let meter = &model.meters[m];
    let title = if meter.name == meter.id {
        meter.id.clone()
    } else {
        format!("{} ({})", meter.name, meter.id)
    };
    canvas.text(
        8.0,
        top + 10.0,
        "start",
        "meter-name",
        &fit(&title, Axis::right() - 8.0),
    );
    let _ = writeln!(
        canvas.body,
        r#"<rect x="{}" y="{}" width="{}" height="{}" class="plot"/>"#,
        px(LEFT),
        px(plot_top),
        px(Axis::right() - LEFT),
        px(plot_bottom - plot_top)
    );
    if let Some(band) = band {
        fan(canvas, axis, band, &y_of, top);
    }

    // Reference levels, labelled in the left gutter and spread apart; each
    // line starts where its first constrained value is drawn.
    let wishes: Vec<f64> = levels.iter().map(|l| y_of(l.value) + 4.0).collect();
    let placed = spread(
        &wishes,
        FONT_SIZE + 1.0,
        top + 12.0 + FONT_SIZE,
        plot_bottom + 6.0,
    );
    for (level, y_label) in levels.iter().zip(&placed) {
        let y = y_of(level.value);
        let x0 = (LEFT + f64::from(level.from_round) * axis.cell()).min(Axis::right() - 8.0);
        // An expected level shows from the start, faint until it is due.
        if x0 > LEFT {
            let class = format!("{} before", level.class);
            canvas.line((LEFT, y), (x0, y), &class);
        }
        canvas.line((x0, y), (Axis::right(), y), level.class);
        canvas.text(
            LEFT - 6.0,
            *y_label,
            "end",
            level.class,
            &fit(&level.label, LEFT - 20.0),
        );
    }
    // A readable scale: round values with faint lines across, each
    // labelled unless a level's label is there.
    let mut taken: Vec<f64> = placed.clone();
    for value in ticks(lo + pad, hi - pad) {
        let y = y_of(value);
        canvas.line((LEFT, y), (Axis::right(), y), "grid");
        let at = y + 4.0;
        if taken.iter().all(|p| (p - at).abs() >= FONT_SIZE + 1.0) {
            canvas.text(LEFT - 6.0, at, "end", "scale", &fmt_meter(value));
            taken.push(at);
        }
    }

    // Each trajectory: m[0] at the start of round 1, m[t] at its end; the
    // plans compared each in a style of their own.
    for (i, evaluation) in trajectories.iter().enumerate() {
        let points: Vec<String> = evaluation.meters[m]
            .iter()
            .enumerate()
            .take(axis.rounds as usize + 1)
            .map(|(t, &v)| {
                let x = LEFT + t as f64 * axis.cell();
                format!("{},{}", px(x), px(y_of(v)))
            })
            .collect();
        let _ = writeln!(
            canvas.body,
            r#"<polyline points="{}" class="{}"><title>{}</title></polyline>"#,
            points.join(" "),
            trajectory_class(i),
            escape(&meter.id)
        );
    }
    canvas.y = top + METER_HEIGHT;
}

/// The style of the i-th plan's trajectories (and its mark of `all met`).
fn trajectory_class(i: usize) -> String {
    match i % TRAJECTORY_STYLES {
        0 => "trajectory".to_owned(),
        k => format!("trajectory p{k}"),
    }
}

/// How many plans' trajectories are told apart by their style.
const TRAJECTORY_STYLES: usize = 4;

/// Round values from `lo` to `hi` for a meter's scale: two to five of
/// them, a step of 1, 2, 2.5 or 5 times a power of ten apart.
fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = hi - lo;
    if !(span > 0.0 && span.is_finite()) {
        return vec![lo];
    }
    // The power of ten just under a fourth of the span, found without
    // logarithms so that every machine finds the same.
    let wanted = span / 4.0;
    let mut power = 1.0;
    while power > wanted {
        power /= 10.0;
    }
    while power * 10.0 <= wanted {
        power *= 10.0;
    }
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|&step| span / step <= 4.0)
        .unwrap_or(10.0 * power);
    let first = (lo / step).ceil();
    let last = (hi / step).floor();
    let mut out = Vec::new();
    let mut k = first;
    while k <= last + 1e-9 && out.len() < 12 {
        // Exact multiples: 0.1 · 3 shown as 0.3.
        out.push((k * step * 1e9).round() / 1e9);
        k += 1.0;
    }
    out
}

/// A meter's 10–90 % band, shaded under its trajectory, with a legend at
/// the chart's top right. Styled inline, so that pictures of models
/// without chance stay as they were.
fn fan(canvas: &mut Canvas, axis: Axis, band: &Band, y_of: &dyn Fn(f64) -> f64, top: f64) {
    let rounds = axis.rounds as usize + 1;
    let x_of = |t: usize| px(LEFT + t as f64 * axis.cell());
    let upper = band.high.iter().enumerate().take(rounds);
    let lower = band.low.iter().enumerate().take(rounds).rev();
    let points: Vec<String> = upper
        .chain(lower)
        .map(|(t, &v)| format!("{},{}", x_of(t), px(y_of(v))))
        .collect();
    let _ = writeln!(
        canvas.body,
        r##"<polygon points="{}" fill="#1f4e79" fill-opacity="0.15" stroke="none" class="band"><title>10–90 % of the sampled futures</title></polygon>"##,
        points.join(" ")
    );
    canvas.text(
        Axis::right(),
        top + 10.0,
        "end",
        "scale",
        "shaded: where 80 % of the sampled futures fall",
    );
}

/// The bars of party `p`'s moves, in round order.
fn move_spans(instance: &Instance, moves: &Moves, p: usize, axis: Axis) -> Vec<Span> {
    let model = instance.model;
    let party = &model.parties[p];
    let mut spans: Vec<Span> = moves
        .as_slice()
        .iter()
        .filter(|mv| model.actions[mv.action].by == p)
        .map(|mv| {
            let action = &model.actions[mv.action];
            let last = (mv.round + action.duration - 1).min(axis.rounds);
            // A replanned model's moves made say so, and whether they
            // failed; the moves to make, how likely they are to work.
            let odds = match model.made(mv.action).map(|made| made.outcome) {
                Some(MadeOutcome::Succeeded) => ChanceNote {
                    label: " (made)".to_owned(),
                    title: ", made".to_owned(),
                },
                Some(MadeOutcome::Failed) => ChanceNote {
                    label: " (failed)".to_owned(),
                    title: ", made and failed".to_owned(),
                },
                Some(MadeOutcome::Pending) => {
                    let chance = chance_note(action.success);
                    ChanceNote {
                        label: format!(
                            " (made{})",
                            chance.label.replace(" (", ", ").replace(')', "")
                        ),
                        title: format!(", made, outcome pending{}", chance.title),
                    }
                }
                None => chance_note(action.success),
            };
            Span {
                first: mv.round,
                last,
                label: format!("{}{}", action.id, odds.label),
                title: format!(
                    "{} ({}), {} {}{}{}",
                    action.name,
                    party.name,
                    model.round_unit,
                    mv.round,
                    if last > mv.round {
                        format!("–{last}")
                    } else {
                        String::new()
                    },
                    odds.title
                ),
            }
        })
        .collect();
    spans.sort_by_key(|s| (s.first, s.last));
    spans
}

/// The bars of the instance's events within the axis, in round order.
fn event_spans(instance: &Instance, axis: Axis) -> Vec<Span> {
    let model = instance.model;
    let mut events: Vec<Span> = instance
        .events
        .iter()
        .filter(|e| e.round >= 1 && e.round <= axis.rounds)
        .map(|e| {
            let meter = &model.meters[e.meter].id;
            let change = if e.add >= 0.0 {
                format!("+{}", fmt_num(e.add))
            } else {
                fmt_num(e.add)
            };
            let odds = chance_note(e.chance);
            let label = format!("{meter} {change}");
            Span {
                first: e.round,
                last: e.round,
                title: match &e.name {
                    Some(name) => format!(
                        "{name}: {label} ({} {}){}",
                        model.round_unit, e.round, odds.title
                    ),
                    None => format!("{label} ({} {}){}", model.round_unit, e.round, odds.title),
                },
                label: format!("{label}{}", odds.label),
            }
        })
        .collect();
    events.sort_by_key(|s| s.first);
    events
}

/// The timeline and meter charts of one plan, drawn from `canvas.y` down.
fn plan_body(
    canvas: &mut Canvas,
    axis: Axis,
    instance: &Instance,
    moves: &Moves,
    evaluation: &Evaluation,
    bands: &[Band],
) {
    let model = instance.model;
    let grid_top = canvas.y;
    // The lanes are drawn first so the gridlines know where they end.
    let mut lanes = Canvas {
        body: String::new(),
        y: grid_top + AXIS_HEIGHT,
    };
    for (p, party) in model.parties.iter().enumerate() {
        let spans = move_spans(instance, moves, p, axis);
        let fill = PALETTE[p % PALETTE.len()];
        lane(&mut lanes, axis, &party.name, &spans, ("move", fill));
    }
    let events = event_spans(instance, axis);
    if !events.is_empty() {
        lane(&mut lanes, axis, "Events", &events, ("event", "#eeeeee"));
    }
    // The vertical marks go under the lanes, so that labels beside their
    // bars are written over them.
    let mut marks = Canvas {
        body: String::new(),
        y: 0.0,
    };
    if let Some(r) = evaluation.met_round.filter(|&r| r >= 1) {
        let x = axis.x(r + 1);
        marks.line((x, grid_top + AXIS_HEIGHT), (x, lanes.y + 4.0), "met");
        let label = format!("all met by {} {r}", model.round_unit);
        let anchor = if x - text_width(&label) - 3.0 >= LEFT {
            "end"
        } else {
            "start"
        };
        let at = if anchor == "end" { x - 3.0 } else { x + 3.0 };
        lanes.text(at, lanes.y + 14.0, anchor, "met-label", &label);
        lanes.y += 18.0;
    }
    if let Some(past) = model.past.as_ref().filter(|past| past.now > 1) {
        // Where a replanned model's past ends.
        let x = axis.x(past.now);
        marks.line((x, grid_top + AXIS_HEIGHT), (x, lanes.y + 4.0), "lane-rule");
        let label = format!("now: {} {}", model.round_unit, past.now);
        lanes.text(x + 3.0, lanes.y + 14.0, "start", "axis", &label);
        lanes.y += 18.0;
    }
    let bottom = lanes.y;
    let mut axis_canvas = Canvas {
        body: String::new(),
        y: grid_top,
    };
    round_axis(&mut axis_canvas, axis, &model.round_unit, bottom);
    canvas.body.push_str(&axis_canvas.body);
    canvas.body.push_str(&marks.body);
    canvas.body.push_str(&lanes.body);
    canvas.y = bottom;
    for m in 0..model.meters.len() {
        meter_chart(canvas, axis, instance, &[evaluation], m, bands.get(m));
    }
}

const STYLE: &str = "text{font-family:FONTS;font-size:11px;fill:#222}\
.title{font-size:13px;font-weight:bold}\
.lane{font-weight:bold}\
.meter-name{font-weight:bold}\
.axis{fill:#555}\
.scale{fill:#777}\
.grid{stroke:#e4e4e4;stroke-width:1}\
.lane-rule{stroke:#bbbbbb;stroke-width:1}\
.bar{stroke:#555555;stroke-width:0.6}\
.plot{fill:#fbfbfb;stroke:#bbbbbb;stroke-width:1}\
.trajectory{fill:none;stroke:#1f4e79;stroke-width:2}\
.trajectory.p1{stroke:#c55a11;stroke-dasharray:7 3}\
.trajectory.p2{stroke:#2e7d32;stroke-dasharray:2 2}\
.trajectory.p3{stroke:#7030a0;stroke-dasharray:8 3 2 3}\
line.red-line{stroke:#c00000;stroke-width:1.5;stroke-dasharray:6 3}\
text.red-line{fill:#c00000}\
line.expectation{stroke:#2e7d32;stroke-width:1.5;stroke-dasharray:2 3}\
line.before{stroke-opacity:0.3}\
text.outside{paint-order:stroke;stroke:#ffffff;stroke-width:3px;stroke-linejoin:round}\
text.expectation{fill:#2e7d32}\
.met{stroke:#2e7d32;stroke-width:1.5;stroke-dasharray:4 2}\
.met-label{fill:#2e7d32}";

/// One plan to draw, with the title line above it.
pub struct Panel<'a, 'm> {
    pub title: String,
    pub instance: &'a Instance<'m>,
    /// The moves and their evaluation, or why there is no plan.
    pub plan: Result<(&'a Moves, &'a Evaluation), String>,
    /// Per meter, its band over the sampled futures; empty for none.
    pub bands: Vec<Band>,
}

/// Draws panels one under the other on one shared round axis, so the
/// same round is at the same x in every panel.
pub fn panels(heading: &str, panels: &[Panel]) -> String {
    let rounds = panels.iter().map(|p| p.instance.horizon).max().unwrap_or(1);
    let axis = Axis { rounds };
    let mut canvas = Canvas {
        body: String::new(),
        y: 0.0,
    };
    canvas.text(8.0, 18.0, "start", "title", &fit(heading, WIDTH - 16.0));
    canvas.y = 26.0;
    for panel in panels {
        canvas.y += 10.0;
        canvas.text(
            8.0,
            canvas.y + 12.0,
            "start",
            "title",
            &fit(&panel.title, WIDTH - 16.0),
        );
        canvas.y += 18.0;
        match &panel.plan {
            Ok((moves, evaluation)) => {
                plan_body(
                    &mut canvas,
                    axis,
                    panel.instance,
                    moves,
                    evaluation,
                    &panel.bands,
                );
            }
            Err(reason) => {
                canvas.text(
                    8.0,
                    canvas.y + 14.0,
                    "start",
                    "lane",
                    &fit(reason, WIDTH - 16.0),
                );
                canvas.y += 24.0;
            }
        }
    }
    document(heading, &canvas)
}

/// The title line of a plan: what it is, when everything is met, cost.
pub fn plan_title(label: &str, evaluation: &Evaluation, unit: &str) -> String {
    let met = match evaluation.met_round {
        Some(0) => "no expectations".to_owned(),
        Some(r) => format!("all met by {unit} {r}"),
        None => "some expectations never met".to_owned(),
    };
    format!(
        "{label}: {met}, {}, cost {}",
        super::words::count(evaluation.move_count as u64, "move", "moves"),
        fmt_num(evaluation.cost)
    )
}

/// "base scenario" or "scenario ID", and from when a replanned model
/// plans.
fn scenario_label(instance: &Instance) -> String {
    let scenario = instance
        .scenario_id()
        .map_or("base scenario".to_owned(), |s| format!("scenario {s}"));
    match &instance.model.past {
        Some(past) => format!(
            "{scenario}, replanned from {} {}",
            instance.model.round_unit, past.now
        ),
        None => scenario,
    }
}

/// One plan as a self-contained SVG document.
pub fn plan(instance: &Instance, report: &PlanReport) -> String {
    let label = format!(
        "{}, plan {}",
        scenario_label(instance),
        report.status.as_str()
    );
    panels(
        &instance.model.name,
        &[Panel {
            title: plan_title(&label, &report.evaluation, &instance.model.round_unit),
            instance,
            plan: Ok((&report.moves, &report.evaluation)),
            bands: bands_of(instance, &report.moves, report.odds.as_ref()),
        }],
    )
}

/// The meters' bands of a plan whose chances were reckoned; none for a
/// plan on a model without chance.
fn bands_of(instance: &Instance, moves: &Moves, odds: Option<&Odds>) -> Vec<Band> {
    odds.map(|odds| crate::chance::bands(instance, moves, &odds.options))
        .unwrap_or_default()
}

/// A proposed plan (from `check`, or a diagnosis), drawn as the simulator
/// sees it, with its meters' bands when its chances were reckoned.
pub fn proposal(
    instance: &Instance,
    (moves, evaluation): (&Moves, &Evaluation),
    odds: Option<&Odds>,
    label: &str,
) -> String {
    panels(
        &instance.model.name,
        &[Panel {
            title: plan_title(label, evaluation, &instance.model.round_unit),
            instance,
            plan: Ok((moves, evaluation)),
            bands: bands_of(instance, moves, odds),
        }],
    )
}

/// Plans side by side (from `compare`, `--alternatives`, `--robust`), on
/// one round axis. When they have the same parties and meters (one
/// model's scenarios, objectives or alternatives), one picture holds them
/// all, with the first plan's red lines and expectations: each party's
/// lanes hold each plan's moves in a lane of its own, side by side, and
/// each meter's chart overlays the plans' trajectories, each in a style of
/// its own (the legend at the top says which); otherwise one panel per
/// plan, one under the other.
pub fn comparison(heading: &str, entries: &[crate::compare::Entry]) -> String {
    let ids = |entry: &crate::compare::Entry| {
        let model = entry.instance.model;
        (
            model
                .parties
                .iter()
                .map(|p| p.id.clone())
                .collect::<Vec<_>>(),
            model
                .meters
                .iter()
                .map(|m| m.id.clone())
                .collect::<Vec<_>>(),
        )
    };
    let alike = entries.windows(2).all(|w| ids(&w[0]) == ids(&w[1]));
    if entries.len() >= 2 && alike {
        return shared(heading, entries);
    }
    stacked(heading, entries)
}

/// One picture for the plans of one model (see [`comparison`]).
fn shared(heading: &str, entries: &[crate::compare::Entry]) -> String {
    let first = entries[0].instance;
    let model = first.model;
    let unit = &model.round_unit;
    let rounds = entries
        .iter()
        .map(|e| e.instance.horizon)
        .max()
        .unwrap_or(1);
    let axis = Axis { rounds };
    let mut canvas = Canvas {
        body: String::new(),
        y: 0.0,
    };
    canvas.text(8.0, 18.0, "start", "title", &fit(heading, WIDTH - 16.0));
    canvas.y = 30.0;
    // The legend: each plan's line style, and what it comes to.
    for (i, entry) in entries.iter().enumerate() {
        let y = canvas.y + 10.0;
        let _ = writeln!(
            canvas.body,
            r#"<line x1="8" y1="{}" x2="40" y2="{}" class="{}"/>"#,
            px(y - 4.0),
            px(y - 4.0),
            trajectory_class(i)
        );
        let what = match &entry.outcome {
            Ok(report) => plan_title(&entry.label, &report.evaluation, unit),
            Err((status, reason)) => format!("{}: {}, {reason}", entry.label, status.as_str()),
        };
        canvas.text(48.0, y, "start", "lane", &fit(&what, WIDTH - 56.0));
        canvas.y += 16.0;
    }
    let planned: Vec<(usize, &crate::compare::Entry, &PlanReport)> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| e.outcome.as_ref().ok().map(|report| (i, e, *report)))
        .collect();
    let grid_top = canvas.y + 6.0;
    let mut lanes = Canvas {
        body: String::new(),
        y: grid_top + AXIS_HEIGHT,
    };
    for (p, party) in model.parties.iter().enumerate() {
        let fill = PALETTE[p % PALETTE.len()];
        // The party's name, then one lane per plan, named by the plan.
        for (k, line) in wrap(&party.name, WIDTH - 16.0, 2).iter().enumerate() {
            lanes.text(
                8.0,
                lanes.y + 13.0 + k as f64 * NAME_LINE,
                "start",
                "lane",
                line,
            );
            lanes.y += NAME_LINE;
        }
        lanes.y += 4.0;
        for &(_, entry, report) in &planned {
            let spans = move_spans(entry.instance, &report.moves, p, axis);
            let name = format!("  {}", entry.label);
            named_lane(&mut lanes, axis, (&name, "axis"), &spans, ("move", fill));
        }
    }
    // The events once when every plan has the same, else each plan's.
    let same_events = planned
        .windows(2)
        .all(|w| w[0].1.instance.events == w[1].1.instance.events);
    for &(_, entry, _) in &planned {
        let events = event_spans(entry.instance, axis);
        if !events.is_empty() {
            let name = if same_events {
                "Events".to_owned()
            } else {
                format!("Events · {}", entry.label)
            };
            lane(&mut lanes, axis, &name, &events, ("event", "#eeeeee"));
        }
        if same_events {
            break;
        }
    }
    // Each plan's `all met` mark, in its style, under the lanes.
    let mut marks = Canvas {
        body: String::new(),
        y: 0.0,
    };
    for &(i, entry, report) in &planned {
        if let Some(r) = report.evaluation.met_round.filter(|&r| r >= 1) {
            let x = axis.x(r + 1);
            marks.line(
                (x, grid_top + AXIS_HEIGHT),
                (x, lanes.y + 4.0),
                &trajectory_class(i),
            );
            let label = format!("{}: all met by {unit} {r}", entry.label);
            let anchor = if x - text_width(&label) - 3.0 >= LEFT {
                "end"
            } else {
                "start"
            };
            let at = if anchor == "end" { x - 3.0 } else { x + 3.0 };
            lanes.text(at, lanes.y + 14.0, anchor, "axis", &label);
            lanes.y += 16.0;
        }
    }
    let bottom = lanes.y;
    let mut axis_canvas = Canvas {
        body: String::new(),
        y: grid_top,
    };
    round_axis(&mut axis_canvas, axis, unit, bottom);
    canvas.body.push_str(&axis_canvas.body);
    canvas.body.push_str(&marks.body);
    canvas.body.push_str(&lanes.body);
    canvas.y = bottom;
    let evaluations: Vec<&Evaluation> = planned.iter().map(|(_, _, r)| &r.evaluation).collect();
    if !evaluations.is_empty() {
        for m in 0..model.meters.len() {
            meter_chart(&mut canvas, axis, first, &evaluations, m, None);
        }
    }
    document(heading, &canvas)
}

/// The SVG document of a finished canvas.
fn document(heading: &str, canvas: &Canvas) -> String {
    let height = canvas.y + 12.0;
    let style = STYLE.replace("FONTS", FONT_FAMILY);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\">\n<title>{title}</title>\n<style>{style}</style>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n{body}</svg>\n",
        w = px(WIDTH),
        h = px(height),
        title = escape(heading),
        body = canvas.body
    )
}

/// One panel per plan, one under the other on one axis.
fn stacked(heading: &str, entries: &[crate::compare::Entry]) -> String {
    let drawn: Vec<Panel> = entries
        .iter()
        .map(|entry| {
            let unit = &entry.instance.model.round_unit;
            match &entry.outcome {
                Ok(report) => Panel {
                    title: plan_title(&entry.label, &report.evaluation, unit),
                    instance: entry.instance,
                    plan: Ok((&report.moves, &report.evaluation)),
                    bands: Vec::new(),
                },
                Err((status, reason)) => Panel {
                    title: format!("{}: {}", entry.label, status.as_str()),
                    instance: entry.instance,
                    plan: Err(reason.clone()),
                    bands: Vec::new(),
                },
            }
        })
        .collect();
    panels(heading, &drawn)
}

/// A picture saying there is no plan, and why.
pub fn no_plan(instance: &Instance, message: &str) -> String {
    panels(
        &instance.model.name,
        &[Panel {
            title: format!("{}: no plan", scenario_label(instance)),
            instance,
            plan: Err(message.to_owned()),
            bands: Vec::new(),
        }],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_keeps_labels_apart_and_in_range() {
        let placed = spread(&[10.0, 11.0, 12.0], 12.0, 0.0, 100.0);
        assert_eq!(placed, vec![10.0, 22.0, 34.0]);
        let placed = spread(&[95.0, 96.0], 12.0, 0.0, 100.0);
        assert_eq!(placed, vec![88.0, 100.0]);
    }

    #[test]
    fn escape_covers_markup() {
        assert_eq!(
            escape(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
    }

    #[test]
    fn long_names_are_shortened_to_fit() {
        let fitted = fit(
            "a very long party name indeed, longer than the column",
            100.0,
        );
        assert!(text_width(&fitted) <= 100.0, "{fitted}");
        assert!(fitted.ends_with('…'));
    }
}
