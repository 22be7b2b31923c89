//! Making text from a model, a plan file or a command line safe to show:
//! no string a user supplied may drive a terminal (escape sequences, bells,
//! carriage returns that overwrite a line, bidirectional overrides that
//! reorder it), reformat a Markdown handout, or break an SVG picture.
//!
//! Characters that could do so are shown as Rust writes them, `\u{1b}`:
//! visible, unambiguous and one line long.

use std::borrow::Cow;

/// Opens a code span in seqplan's own text (see [`crate::render::code`]):
/// a private-use character no model text can hold, since validation shows
/// it escaped like a control character.
pub const CODE_OPEN: char = '\u{e000}';

/// Closes a code span opened by [`CODE_OPEN`].
pub const CODE_CLOSE: char = '\u{e001}';

/// Whether a character must never reach a terminal or a document raw:
/// C0 controls (tab and line feed aside, which layout needs), DEL, C1
/// controls, the bidirectional formatting characters, the Unicode line and
/// paragraph separators, the two non-characters XML forbids, and the two
/// characters that mark code spans in seqplan's own text.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}'
        | '\u{fffe}' | '\u{ffff}' | CODE_OPEN | CODE_CLOSE)
}

/// seqplan's text with its code spans written as a terminal, JSON or a
/// picture shows them: between backticks.
pub fn code_as_backticks(text: &str) -> Cow<'_, str> {
    replace_with(
        text,
        |c| c == CODE_OPEN || c == CODE_CLOSE,
        |_| "`".to_owned(),
    )
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

/// A JSON document with the unsafe characters that `serde_json` leaves raw
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
    let leading_digits = chars.iter().take_while(|c| c.is_ascii_digit()).count();
    for (i, &c) in chars.iter().enumerate() {
        // An underscore inside a word (`talks_held`) starts no emphasis in
        // GitHub-flavoured Markdown: left as written, ids stay readable.
        let inside_word = |i: usize| {
            i > 0
                && chars[i - 1].is_alphanumeric()
                && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric())
        };
        // What starts a list item or a heading underline at the start of
        // a line, and what GitHub turns into a link (`www.`, `scheme://`).
        let then_space = chars.get(i + 1).is_some_and(|n| n.is_whitespace());
        let opens_block = (i == 0 && c == '=')
            || (i == 0 && matches!(c, '-' | '+') && then_space)
            || (matches!(c, '.' | ')') && i > 0 && i == leading_digits && then_space);
        let autolink = (c == '.' && i >= 3 && chars[i - 3..i] == ['w', 'w', 'w'])
            || (c == ':'
                && chars.get(i + 1) == Some(&'/')
                && chars.get(i + 2) == Some(&'/')
                && i > 0
                && chars[i - 1].is_ascii_alphabetic());
        match c {
            _ if opens_block || autolink => {
                out.push('\\');
                out.push(c);
            }
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

/// A line of seqplan's own text placed in Markdown: the code spans it
/// marked (see [`crate::render::code`]) become Markdown code, everything
/// else is escaped as by [`markdown`], backticks included.
///
/// Code is known from the marks, never guessed from backticks, so a name
/// with backticks in it (`` ```<img>` ``) stays text and can neither open
/// raw HTML nor reformat the handout. A marked span is written as code only
/// when it holds characters that mean nothing to Markdown or HTML (ids,
/// field paths, flags); any other is escaped like text.
pub fn markdown_keeping_code(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut rest = line;
    while let Some(open) = rest.find(CODE_OPEN) {
        out.push_str(&markdown(&rest[..open]));
        let after = &rest[open + CODE_OPEN.len_utf8()..];
        let (code, next) = match after.find(CODE_CLOSE) {
            Some(close) => (&after[..close], &after[close + CODE_CLOSE.len_utf8()..]),
            None => (after, ""),
        };
        if is_inert_code(code) {
            out.push('`');
            out.push_str(code);
            out.push('`');
        } else {
            out.push_str(&markdown(&format!("`{code}`")));
        }
        rest = next;
    }
    out.push_str(&markdown(rest));
    out
}

/// Whether a code span holds only what Markdown shows as written even
/// outside a code span, so that it is safe wherever a parser ends it.
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

    /// `code("x")` as the renderers write it.
    fn code(text: &str) -> String {
        format!("{CODE_OPEN}{text}{CODE_CLOSE}")
    }

    #[test]
    fn markdown_syntax_is_escaped() {
        assert_eq!(
            markdown("*a* _b_ `c` <i> [d](e) | # ~ & !"),
            "\\*a\\* \\_b\\_ \\`c\\` \\<i\\> \\[d\\](e) \\| \\# \\~ \\& \\!"
        );
        assert_eq!(markdown("two\nlines"), "two lines");
        assert_eq!(markdown("- item"), "\\- item");
        assert_eq!(markdown("1. first"), "1\\. first");
        assert_eq!(markdown("12) x"), "12\\) x");
        assert_eq!(markdown("a - b 1. c"), "a - b 1. c");
        assert_eq!(markdown("-0.5 and 1.5"), "-0.5 and 1.5");
        assert_eq!(
            markdown("see www.x.org or https://x.org"),
            "see www\\.x.org or https\\://x.org"
        );
        assert_eq!(markdown("talks_held _x_ a_"), "talks_held \\_x\\_ a\\_");
        assert_eq!(
            markdown_keeping_code(&format!("red line {} (a <b>)", code("no_recognition"))),
            "red line `no_recognition` (a \\<b\\>)"
        );
        assert_eq!(markdown_keeping_code("odd ` tick"), "odd \\` tick");
        assert_eq!(
            markdown_keeping_code(&format!("{} and {}", code("a"), code("b_c"))),
            "`a` and `b_c`"
        );
        assert_eq!(markdown_keeping_code(&code("<b>")), "\\`\\<b\\>\\`");
        assert_eq!(code_as_backticks(&code("a")), "`a`");
    }

    #[test]
    fn backticks_in_names_cannot_open_html() {
        // A run of three backticks opens no code span in CommonMark, so
        // pairing the backticks of a name would leave `<img>` raw HTML.
        for name in [
            "```<img src=x onerror=alert(1)>`",
            "`` `<b>` ``",
            "`<i>`",
            "x``<b>``y",
            "`a` `|` `",
            "``",
        ] {
            let line = format!("move {} ({name}) then {}", code("talks"), code("offer"));
            let shown = markdown_keeping_code(&line);
            let raw = |c: char| {
                shown
                    .char_indices()
                    .any(|(i, x)| x == c && !shown[..i].ends_with('\\'))
            };
            assert!(!raw('<') && !raw('|'), "{name:?} -> {shown}");
            assert_eq!(
                shown.matches('`').count() - shown.matches("\\`").count(),
                4,
                "{shown}"
            );
            assert!(
                shown.starts_with("move `talks` (") && shown.ends_with(") then `offer`"),
                "{shown}"
            );
        }
    }
}
