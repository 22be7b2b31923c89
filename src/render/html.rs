//! Self-contained HTML pages: a report's Markdown turned into HTML, with
//! the plan's pictures inline. Nothing is loaded from elsewhere, and every
//! string from the model is escaped: raw HTML in a model's text is shown as
//! text, never interpreted.

use pulldown_cmark::{html, Event, Options, Parser, Tag, TagEnd};

use super::svg::escape;

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;\
margin:2rem auto;max-width:1240px;padding:0 1rem;color:#222;line-height:1.45}\
h1{font-size:1.5rem}h3{font-size:1.15rem;margin-top:2rem}\
table{border-collapse:collapse;margin:0.5rem 0 1.5rem}\
th,td{border:1px solid #ccc;padding:0.25rem 0.5rem;vertical-align:top;text-align:left}\
th{background:#f3f3f3}td[style*='right'],th[style*='right']{text-align:right}\
code{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:0.9em}\
figure{margin:1rem 0;overflow-x:auto}figure svg{max-width:100%;height:auto}\
footer{color:#777;font-size:0.85rem;margin-top:2rem}";

/// Markdown to HTML, with any raw HTML in it turned into plain text.
pub fn markdown_to_html(markdown: &str) -> String {
    // seqplan's reports never link: links and images in the text come from
    // a model's strings and are dropped, keeping their words.
    let parser =
        Parser::new_ext(markdown, Options::ENABLE_TABLES).filter_map(|event| match event {
            // The one tag the Markdown renderers write: a line break in a cell.
            Event::InlineHtml(raw) if raw.as_ref() == "<br>" => Some(Event::InlineHtml(raw)),
            Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
            Event::Start(Tag::Link { .. } | Tag::Image { .. })
            | Event::End(TagEnd::Link | TagEnd::Image) => None,
            other => Some(other),
        });
    let mut out = String::new();
    html::push_html(&mut out, parser);
    out
}

/// A whole page: `title`, the pictures (SVG documents), then the report.
/// The title is shown once, as the page's heading: the pictures' and the
/// report's own first heading, when they repeat it, are left out.
pub fn page(title: &str, pictures: &[String], markdown: &str) -> String {
    let mut body = String::new();
    let heading_line = format!(
        "<text x=\"8\" y=\"18\" text-anchor=\"start\" class=\"title\">{}</text>\n",
        escape(title)
    );
    for svg in pictures {
        body.push_str("<figure>\n");
        body.push_str(&svg.replacen(&heading_line, "", 1));
        body.push_str("</figure>\n");
    }
    let repeated = format!("### {}\n", super::explain::escape_cell(title));
    let report = markdown.strip_prefix(&repeated).unwrap_or(markdown);
    body.push_str(&markdown_to_html(report));
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n<h1>{title}</h1>\n{body}</main>\n<footer>Made by seqplan {version}.</footer>\n</body>\n</html>\n",
        title = escape(title),
        version = env!("CARGO_PKG_VERSION"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_in_markdown_is_shown_as_text() {
        let html = markdown_to_html(
            "### <script>alert(1)</script>\n\n| a |\n|---|\n| <img src=x onerror=alert(1)> |\n",
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
    }

    #[test]
    fn links_from_model_text_are_not_followed() {
        let html =
            markdown_to_html("[click](javascript:alert(1)) and <http://example.org> ![x](y.png)");
        assert!(!html.contains("href"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("click"), "{html}");
    }
}
