//! Making text from a model, a plan file or a command line safe to show:
//! no string a user supplied may drive a terminal (escape sequences, bells,
//! carriage returns that overwrite a line, bidirectional overrides that
//! reorder it), reformat a Markdown handout, or break an SVG picture.
//!
//! Characters that could do so are shown as Rust writes them, `\u{1b}`:
//! visible, unambiguous and one line long.

use std::borrow::Cow;

/// Whether a character must never reach a terminal or a document raw:
/// C0 controls (tab and line feed aside, which layout needs), DEL, C1
/// controls, the bidirectional formatting characters, the Unicode line and
/// paragraph separators, and the two non-characters XML forbids.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}'
        | '\u{fffe}' | '\u{ffff}')
}

/// Whether a character is unsafe in a name or another one-line string:
/// the unsafe characters, and tab and line feed too.
pub fn is_unsafe_in_line(c: char) -> bool {
    is_unsafe(c) || c == '\t' || c == '\n'
}

/// `c` as Rust writes it in a string: `\u{1b}`.
fn visible(c: char) -> String {
    format!("\\u{{{:x}}}", u32::from(c))
}

fn replace_with(
    text: &str,
    unsafe_char: fn(char) -> bool,
    with: fn(char) -> String,
) -> Cow<'_, str> {
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&with(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A one-line string (a name, a title, a citation) with every control
/// character, tab and line feed included, shown escaped.
pub fn line(text: &str) -> Cow<'_, str> {
    replace_with(text, is_unsafe_in_line, visible)
}

/// A whole document for people (text, Markdown, SVG, HTML) with the unsafe
/// characters shown escaped; its own line breaks and tabs stay.
pub fn document(text: &str) -> Cow<'_, str> {
    replace_with(text, is_unsafe, visible)
}

/// A JSON document with the unsafe characters that serde_json leaves raw
/// (DEL, C1, bidirectional controls) written as `\uXXXX` escapes: the same
/// JSON value, and nothing raw for a terminal. They occur only inside
/// strings, where such an escape means the character itself.
pub fn json(text: &str) -> Cow<'_, str> {
    replace_with(text, is_unsafe, |c| format!("\\u{:04x}", u32::from(c)))
}

/// Text placed in Markdown (a cell, a heading, a paragraph) that Markdown
/// and HTML must show as written: the characters that would start
/// emphasis, code, links, tables, headings or raw HTML are backslash
/// escaped, and line breaks become spaces so a cell stays one cell.
pub fn markdown(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        // An underscore inside a word (`talks_held`) starts no emphasis in
        // GitHub-flavoured Markdown: left as written, ids stay readable.
        let inside_word = |i: usize| {
            i > 0
                && chars[i - 1].is_alphanumeric()
                && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric())
        };
        match c {
            '_' if inside_word(i) => out.push(c),
            '\\' | '*' | '_' | '`' | '<' | '>' | '[' | ']' | '|' | '#' | '~' | '&' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A line of seqplan's own text, made for the terminal, placed in Markdown:
/// the code spans it writes (`` `offer_plan` ``) stay code, everything else
/// is escaped as by [`markdown`].
///
/// A span is kept as code only when it is one backtick, a non-empty run of
/// characters that mean nothing to Markdown or HTML (ids, field paths,
/// commands), and one backtick; any other backtick is escaped with the text
/// around it. So the raw backticks left are pairs around inert text, and
/// however a Markdown parser pairs them (two spans side by side merge into
/// one), what lies between shows as written: a name with backticks in it
/// (`` ```<img>` ``) can neither open raw HTML nor reformat the handout.
pub fn markdown_keeping_code(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut rest = line;
    while let Some(open) = rest.find('`') {
        let after = &rest[open + 1..];
        let span = (!after.starts_with('`'))
            .then(|| after.find('`').map(|close| &after[..close]))
            .flatten();
        match span {
            Some(code) if is_inert_code(code) && !after[code.len() + 1..].starts_with('`') => {
                out.push_str(&markdown(&rest[..open]));
                out.push('`');
                out.push_str(code);
                out.push('`');
                rest = &after[code.len() + 1..];
            }
            _ => {
                // This run of backticks opens no code span: escape it with
                // the text before it and look for a span after it.
                let run = after.len() - after.trim_start_matches('`').len();
                out.push_str(&markdown(&rest[..=open + run]));
                rest = &after[run..];
            }
        }
    }
    out.push_str(&markdown(rest));
    out
}

/// Whether text between two backticks is something seqplan writes as code
/// and that Markdown shows as written even outside a code span.
fn is_inert_code(code: &str) -> bool {
    !code.is_empty()
        && !code.starts_with(' ')
        && !code.ends_with(' ')
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " _-.,:=+/@[]".contains(c))
}

/// The first unsafe character of a one-line string, if any (for the
/// warnings of `seqplan validate`).
pub fn first_unsafe_in_line(text: &str) -> Option<char> {
    text.chars().find(|&c| is_unsafe_in_line(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_shown_not_sent() {
        assert_eq!(line("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(line("bell\u{7}"), "bell\\u{7}");
        assert_eq!(line("over\rwrite"), "over\\u{d}write");
        assert_eq!(line("two\nlines"), "two\\u{a}lines");
        assert_eq!(line("\u{202e}evil"), "\\u{202e}evil");
        assert_eq!(line("csi\u{9b}"), "csi\\u{9b}");
        assert!(matches!(line("plain — text ü"), Cow::Borrowed(_)));
        assert_eq!(document("a\nb\tc\u{1b}"), "a\nb\tc\\u{1b}");
    }

    #[test]
    fn json_escapes_keep_the_value() {
        let value = serde_json::json!({"name": "a\u{9b}b\u{202e}c\u{7f}"});
        let text = serde_json::to_string(&value).unwrap();
        let safe = json(&text);
        assert!(!safe.chars().any(is_unsafe), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn markdown_syntax_is_escaped() {
        assert_eq!(
            markdown("*a* _b_ `c` <i> [d](e) | # ~ & !"),
            "\\*a\\* \\_b\\_ \\`c\\` \\<i\\> \\[d\\](e) \\| \\# \\~ \\& \\!"
        );
        assert_eq!(markdown("two\nlines"), "two lines");
        assert_eq!(markdown("talks_held _x_ a_"), "talks_held \\_x\\_ a\\_");
        assert_eq!(
            markdown_keeping_code("red line `no_recognition` (a <b>)"),
            "red line `no_recognition` (a \\<b\\>)"
        );
        assert_eq!(markdown_keeping_code("odd ` tick"), "odd \\` tick");
        assert_eq!(markdown_keeping_code("`a` and `b_c`"), "`a` and `b_c`");
    }

    #[test]
    fn backticks_in_names_cannot_open_html() {
        // A run of three backticks opens no code span in CommonMark, so
        // keeping `<img>` between single ones would leave it raw HTML.
        for name in [
            "```<img src=x onerror=alert(1)>`",
            "`` `<b>` ``",
            "`<i>`",
            "x``<b>``y",
            "`a` `|` `",
            "``",
        ] {
            let line = format!("move `talks` ({name}) then `offer`");
            let shown = markdown_keeping_code(&line);
            let raw = |c: char| {
                shown
                    .char_indices()
                    .any(|(i, x)| x == c && !shown[..i].ends_with('\\'))
            };
            assert!(!raw('<') && !raw('|'), "{name:?} -> {shown}");
            assert!(
                shown.starts_with("move `talks` (") && shown.ends_with(") then `offer`"),
                "{shown}"
            );
        }
    }
}
