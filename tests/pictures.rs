//! Pictures and pages: the SVG of every shipped model parses as XML, draws
//! every move, keeps every label inside the picture and apart from every
//! other label; the HTML page is self-contained and escapes the model's
//! text; the Markdown and SVG of a small model are snapshot-tested.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn seqplan(args: &[&str]) -> (Option<i32>, String) {
    let output = Command::cargo_bin("seqplan")
        .unwrap()
        .args(args)
        .current_dir(repo(""))
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
    )
}

/// The shipped models with each of their scenarios (`None`: the base).
fn models_and_scenarios() -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for path in common::model_files("models") {
        let relative = format!("models/{}", path.file_name().unwrap().to_str().unwrap());
        let json: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        out.push((relative.clone(), None));
        for scenario in json["scenarios"].as_array().into_iter().flatten() {
            out.push((
                relative.clone(),
                Some(scenario["id"].as_str().unwrap().to_owned()),
            ));
        }
    }
    out
}

/// A text label's box, estimated as the renderer does: monospaced
/// characters 0.6 em wide, 0.8 em above the baseline and 0.2 em below.
#[derive(Debug)]
struct LabelBox {
    text: String,
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

fn label_boxes(svg: &str) -> Vec<LabelBox> {
    let document = roxmltree::Document::parse(svg).unwrap();
    document
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            let text: String = n.text().unwrap_or_default().to_owned();
            let size = if n.attribute("class") == Some("title") {
                13.0
            } else {
                11.0
            };
            let width = text.chars().count() as f64 * size * 0.6;
            let x: f64 = n.attribute("x").unwrap().parse().unwrap();
            let y: f64 = n.attribute("y").unwrap().parse().unwrap();
            let x0 = match n.attribute("text-anchor") {
                Some("middle") => x - width / 2.0,
                Some("end") => x - width,
                _ => x,
            };
            LabelBox {
                text,
                x0,
                x1: x0 + width,
                y0: y - 0.8 * size,
                y1: y + 0.2 * size,
            }
        })
        .collect()
}

/// Every label inside the picture, and no two labels overlapping.
fn assert_labels_apart(svg: &str, what: &str) {
    let document = roxmltree::Document::parse(svg).unwrap();
    let root = document.root_element();
    let width: f64 = root.attribute("width").unwrap().parse().unwrap();
    let height: f64 = root.attribute("height").unwrap().parse().unwrap();
    let boxes = label_boxes(svg);
    for b in &boxes {
        assert!(
            b.x0 >= 0.0 && b.x1 <= width + 0.5 && b.y0 >= 0.0 && b.y1 <= height,
            "{what}: `{}` is outside the {width}x{height} picture: {b:?}",
            b.text
        );
    }
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            let apart = a.x1 <= b.x0 + 0.05
                || b.x1 <= a.x0 + 0.05
                || a.y1 <= b.y0 + 0.05
                || b.y1 <= a.y0 + 0.05;
            assert!(apart, "{what}: labels overlap: {a:?} and {b:?}");
        }
    }
}

/// The label of each action's bars: its id, and its chance of success
/// when that is below 1 (`exchange (80%)`).
fn bar_labels(model: &str) -> std::collections::BTreeMap<String, String> {
    let json: Value = serde_json::from_str(&std::fs::read_to_string(model).unwrap()).unwrap();
    json["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let id = a["id"].as_str().unwrap().to_owned();
            let label = match a["success"].as_f64() {
                Some(p) if p < 1.0 => format!("{id} ({}%)", (p * 1000.0).round() / 10.0),
                _ => id.clone(),
            };
            (id, label)
        })
        .collect()
}

/// The action ids of the plan, from `--format json`.
fn planned_actions(model: &str, scenario: Option<&str>) -> Vec<String> {
    let mut args = vec![model, "--format", "json"];
    if let Some(s) = scenario {
        args.extend(["--scenario", s]);
    }
    let (code, out) = seqplan(&args);
    assert_eq!(code, Some(0), "{model} {scenario:?}");
    let json: Value = serde_json::from_str(&out).unwrap();
    json["moves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["action"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn every_shipped_plan_draws_every_move_with_labels_apart() {
    for (model, scenario) in models_and_scenarios() {
        let what = format!("{model} {scenario:?}");
        let actions = planned_actions(&model, scenario.as_deref());
        let mut args = vec![model.as_str(), "--format", "svg"];
        if let Some(s) = &scenario {
            args.extend(["--scenario", s.as_str()]);
        }
        let (code, svg) = seqplan(&args);
        assert_eq!(code, Some(0), "{what}");
        let document = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{what}: {e}"));
        let root = document.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(root.attribute("width"), Some("1200"));
        // Self-contained: nothing is fetched.
        for node in document.descendants() {
            for attribute in node.attributes() {
                assert!(
                    !attribute.name().contains("href"),
                    "{what}: an external reference in {attribute:?}"
                );
            }
            assert!(!node.has_tag_name("script") && !node.has_tag_name("image"));
        }
        // One bar per move, labelled with its action.
        let bars: Vec<String> = document
            .descendants()
            .filter(|n| n.attribute("class") == Some("move"))
            .map(|g| {
                g.descendants()
                    .find(|n| n.has_tag_name("text"))
                    .and_then(|t| t.text())
                    .unwrap()
                    .to_owned()
            })
            .collect();
        let mut drawn = bars.clone();
        drawn.sort();
        let labels = bar_labels(&model);
        let mut planned: Vec<String> = actions.iter().map(|a| labels[a].clone()).collect();
        planned.sort();
        assert_eq!(drawn, planned, "{what}");
        assert_labels_apart(&svg, &what);
    }
}

#[test]
fn a_large_plan_keeps_its_labels_apart() {
    // The education model has 27 actions; its plan under the university
    // ban has 20 moves, several with long names in the same months.
    let (code, svg) = seqplan(&[
        "models/education.json",
        "--scenario",
        "university_ban",
        "--format",
        "svg",
    ]);
    assert_eq!(code, Some(0));
    let moves = roxmltree::Document::parse(&svg)
        .unwrap()
        .descendants()
        .filter(|n| n.attribute("class") == Some("move"))
        .count();
    assert!(moves >= 20, "{moves} moves");
    assert_labels_apart(&svg, "university_ban");
}

#[test]
fn pictures_are_byte_identical_across_runs() {
    for format in ["svg", "html", "markdown"] {
        let first = seqplan(&["models/education.json", "--format", format]);
        let second = seqplan(&["models/education.json", "--format", format]);
        assert_eq!(first, second, "{format}");
    }
}

/// In `compare`, the plans of one model share one picture: one round
/// axis, each party's moves in one lane per plan, and every meter chart
/// with one trajectory per plan. Plans of models with other parties or
/// meters are drawn one under the other, on one round axis.
#[test]
fn compared_plans_share_one_picture() {
    let (code, svg) = seqplan(&["compare", "models/education.json", "--format", "svg"]);
    assert_eq!(code, Some(0));
    assert_labels_apart(&svg, "compare");
    let document = roxmltree::Document::parse(&svg).unwrap();
    let texts = |class: &str, text: &str| {
        document
            .descendants()
            .filter(|n| {
                n.attribute("class") == Some(class) && n.text().map(str::trim) == Some(text)
            })
            .count()
    };
    assert_eq!(texts("axis", "1"), 1, "one round axis");
    let model: Value =
        serde_json::from_str(&std::fs::read_to_string(repo("models/education.json")).unwrap())
            .unwrap();
    let parties = model["parties"].as_array().unwrap().len();
    let meters = model["meters"].as_array().unwrap().len();
    for plan in ["base", "iskp_attack", "university_ban"] {
        assert_eq!(texts("axis", plan), parties, "{plan}: a lane in each party");
    }
    let trajectories = document
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .count();
    assert_eq!(trajectories, 3 * meters);
    let styles: std::collections::BTreeSet<&str> = document
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .filter_map(|n| n.attribute("class"))
        .collect();
    assert_eq!(
        styles.len(),
        3,
        "each plan in a style of its own: {styles:?}"
    );

    let (code, svg) = seqplan(&[
        "compare",
        "models/education.json",
        "models/roadmap.json",
        "--format",
        "svg",
    ]);
    assert_eq!(code, Some(0));
    assert_labels_apart(&svg, "compare two models");
    let document = roxmltree::Document::parse(&svg).unwrap();
    let round_one_x: Vec<&str> = document
        .descendants()
        .filter(|n| n.attribute("class") == Some("axis") && n.text() == Some("1"))
        .map(|n| n.attribute("x").unwrap())
        .collect();
    assert_eq!(round_one_x.len(), 2, "one axis per plan");
    assert!(
        round_one_x.iter().all(|x| *x == round_one_x[0]),
        "{round_one_x:?}"
    );
}

/// The HTML page names its plan once: as its heading, not again in the
/// picture or the report.
#[test]
fn html_page_shows_its_title_once() {
    let (code, page) = seqplan(&["models/education.json", "--format", "html"]);
    assert_eq!(code, Some(0));
    let body = page.split("<body>").nth(1).unwrap();
    let seen = body
        .match_indices("Targeted assistance to the Ministry of Education<")
        .count();
    // The heading, and the picture's <title> (a tooltip, not shown).
    assert_eq!(seen, 2, "{body}");
    assert!(body.contains("<h1>Targeted assistance to the Ministry of Education</h1>"));
}

/// Party names are written whole over several lines rather than cut, meter
/// charts have a readable scale, and an expected level shows from the
/// start, faint before its deadline.
#[test]
fn pictures_show_names_scales_and_targets() {
    let (code, svg) = seqplan(&["models/education.json", "--format", "svg"]);
    assert_eq!(code, Some(0));
    let document = roxmltree::Document::parse(&svg).unwrap();
    let lanes: Vec<&str> = document
        .descendants()
        .filter(|n| n.attribute("class") == Some("lane"))
        .filter_map(|n| n.text())
        .collect();
    assert!(lanes.iter().all(|l| !l.contains('…')), "{lanes:?}");
    assert!(
        lanes.contains(&"Afghan and non-state dialogue"),
        "{lanes:?}"
    );
    assert!(lanes.contains(&"facilitators"), "{lanes:?}");
    // Each chart: at least two round values on its scale, beside the
    // labels of its levels.
    let scales = document
        .descendants()
        .filter(|n| {
            n.attribute("class") == Some("scale")
                && n.text().is_some_and(|t| t.parse::<f64>().is_ok())
        })
        .count();
    assert!(scales >= 2 * 5, "{scales} scale values for 5 meters");
    // An expectation due in month 16 of 20: faint from the start.
    assert!(document
        .descendants()
        .any(|n| n.attribute("class") == Some("expectation before")));
    // Labels that do not fit their bar are written beside it, over a halo.
    assert!(document
        .descendants()
        .any(|n| n.attribute("class") == Some("label outside")));
}

/// A model whose text is markup: every output shows it as text.
#[test]
fn model_text_is_escaped_in_svg_html_and_markdown_pages() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("hostile.json");
    let attack = "<script>alert(1)</script>";
    let model = serde_json::json!({
        "seqplan": 1,
        "name": attack,
        "horizon": 3,
        "round": "<b>month</b>",
        "parties": [{"id": "a", "name": format!("{attack} & <img src=x onerror=alert(2)>")}],
        "meters": [{"id": "trust", "name": attack}],
        "actions": [{"id": "x", "name": attack, "by": "a",
                     "effects": [{"meter": "trust", "add": 1}]}],
        "events": [{"round": 2, "meter": "trust", "add": 1, "name": attack}],
        "expectations": [{"id": "e", "name": attack, "meter": "trust", "at_least": 1, "by": 2}],
        "red_lines": [{"id": "r", "name": attack, "meter": "trust", "never_above": 5}]
    });
    std::fs::write(&path, model.to_string()).unwrap();
    let path = path.to_str().unwrap();
    for (command, format) in [
        ("plan", "svg"),
        ("plan", "html"),
        ("explain", "html"),
        ("diagnose", "html"),
        ("compare", "html"),
        ("compare", "svg"),
    ] {
        let mut args = vec![command, path, "--format", format];
        if command == "compare" {
            args.extend(["--objective", "earliest", "--objective", "fewest"]);
        }
        let (code, out) = seqplan(&args);
        assert_eq!(code, Some(0), "{command} {format}");
        for tag in ["<script", "<img", "<b>"] {
            assert!(
                !out.contains(tag),
                "{command} --format {format} lets `{tag}` through"
            );
        }
        assert!(
            out.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{command} {format}"
        );
        if format == "svg" {
            roxmltree::Document::parse(&out).unwrap();
        }
    }
}

#[test]
fn html_page_is_self_contained_and_lists_every_move() {
    let (code, page) = seqplan(&["models/education.json", "--format", "html"]);
    assert_eq!(code, Some(0));
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<svg"), "the picture is inline");
    for external in ["src=", "href=", "<link", "<script", "@import", "url("] {
        assert!(
            !page.contains(external),
            "the page loads something: {external}"
        );
    }
    for action in planned_actions("models/education.json", None) {
        assert!(page.contains(&format!("<code>{action}</code>")), "{action}");
    }
    for section in ["Expectations", "Red lines", "Closest approach"] {
        assert!(page.contains(section), "{section}");
    }
}

#[test]
fn markdown_handouts_of_a_small_model() {
    let tiny = "tests/fixtures/tiny.json";
    let student = "tests/fixtures/tiny_student.txt";
    let mut outputs = String::new();
    for args in [
        vec![tiny, "--format", "markdown"],
        vec!["check", tiny, student, "--format", "markdown"],
        vec!["explain", tiny, "--format", "markdown"],
        vec![
            "diagnose",
            "tests/fixtures/tiny_infeasible.json",
            "--format",
            "markdown",
        ],
        vec![
            "compare",
            "tests/fixtures/tiny_scenarios.json",
            "--format",
            "markdown",
        ],
    ] {
        let (_, out) = seqplan(&args);
        outputs.push_str(&format!("$ seqplan {}\n{out}\n", args.join(" ")));
    }
    insta::assert_snapshot!(outputs);
}

#[test]
fn svg_of_a_small_model() {
    let (code, svg) = seqplan(&["tests/fixtures/tiny_scenarios.json", "--format", "svg"]);
    assert_eq!(code, Some(0));
    insta::assert_snapshot!(svg);
}

/// The picture in the README is the current output.
#[test]
fn readme_picture_is_current() {
    let (code, svg) = seqplan(&["models/education.json", "--format", "svg"]);
    assert_eq!(code, Some(0));
    let committed = std::fs::read_to_string(Path::new(&repo("docs/education.svg"))).unwrap();
    assert!(
        svg == committed,
        "docs/education.svg is stale: run `cargo run --release -- models/education.json --format svg -o docs/education.svg`"
    );
}

/// With no plan, `plan` still answers in the asked format, and exits 1.
#[test]
fn no_plan_is_answered_in_every_format() {
    let infeasible = "tests/fixtures/tiny_infeasible.json";
    let (code, svg) = seqplan(&[infeasible, "--format", "svg"]);
    assert_eq!(code, Some(1));
    let document = roxmltree::Document::parse(&svg).unwrap();
    assert!(document
        .descendants()
        .any(|n| n.text().is_some_and(|t| t.contains("no plan exists"))));
    let (code, page) = seqplan(&[infeasible, "--format", "html"]);
    assert_eq!(code, Some(1));
    assert!(page.contains("These cannot all hold together"), "{page}");
    let (code, markdown) = seqplan(&[infeasible, "--format", "markdown"]);
    assert_eq!(code, Some(1));
    assert!(markdown.starts_with("### Diagnosis"), "{markdown}");
}

/// A picture is only offered where there is a plan to draw.
#[test]
fn svg_is_refused_where_there_is_no_picture() {
    let output = Command::cargo_bin("seqplan")
        .unwrap()
        .args(["explain", "tests/fixtures/tiny.json", "--format", "svg"])
        .current_dir(repo(""))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8(output.stderr).unwrap();
    assert!(
        message.contains("[possible values: text, json, markdown, html]"),
        "{message}"
    );
}
