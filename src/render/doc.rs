//! A report as blocks (a title, lines, list items, a table), printed as
//! text for a terminal or as Markdown for a handout. The reports that are
//! mostly sentences (check, diagnose, robust) are built once as a [`Doc`],
//! so their Markdown follows the structure they were built with instead of
//! being guessed back from the text's indentation.
//!
//! The strings of a block are seqplan's sentences: model text as written,
//! and code marked with [`super::code`]. The text printer writes them as
//! they are (the marks become backticks when the output is finished), the
//! Markdown printer escapes everything but the marked code.

use crate::escape::markdown_keeping_code;

/// One block of a report.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// The report's first line; in Markdown a heading, after `prefix`
    /// (`Diagnosis: `).
    Title { text: String, prefix: &'static str },
    /// A sentence on a line of its own; a paragraph in Markdown.
    Line(String),
    /// A line that leads what follows; a bold paragraph in Markdown.
    Lead(String),
    /// Lines kept together; in Markdown one paragraph with a line break
    /// after each.
    Lines(Vec<String>),
    /// A verdict (`VALID`, `INVALID`) and what follows it on its line; the
    /// verdict is bold in Markdown.
    Verdict { label: &'static str, rest: String },
    /// A list item: `  - ` in text, `- ` in Markdown.
    Item(String),
    /// An indented line under a lead (a plan's moves); in Markdown an item
    /// nested under the list before it.
    Detail(String),
    /// An indented remark on a list (`(none)`); in Markdown an item of it.
    Note(String),
    /// An empty line.
    Blank,
    /// A table, drawn for each format by its renderer (`text` may be empty
    /// when the text shows the same elsewhere).
    Table { text: String, markdown: String },
}

/// A report as blocks, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Doc {
    pub blocks: Vec<Block>,
}

impl Doc {
    /// Adds a block.
    pub fn push(&mut self, block: Block) {
        self.blocks.push(block);
    }

    /// The report as text, ending with a newline.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for block in &self.blocks {
            match block {
                Block::Title { text, .. } | Block::Line(text) | Block::Lead(text) => {
                    out.push_str(text);
                    out.push('\n');
                }
                Block::Lines(lines) => {
                    for line in lines {
                        out.push_str(line);
                        out.push('\n');
                    }
                }
                Block::Verdict { label, rest } => {
                    out.push_str(&format!("{label}:{rest}\n"));
                }
                Block::Item(text) => out.push_str(&format!("  - {text}\n")),
                Block::Detail(text) | Block::Note(text) => out.push_str(&format!("  {text}\n")),
                Block::Blank => out.push('\n'),
                Block::Table { text, .. } => out.push_str(text),
            }
        }
        out
    }

    /// The report as Markdown: model text escaped, marked code as code
    /// spans. Runs of blank lines are left to the caller to tidy.
    pub fn markdown(&self) -> String {
        let md = |text: &str| markdown_keeping_code(text);
        let mut out = String::new();
        for block in &self.blocks {
            match block {
                Block::Title { text, prefix } => {
                    out.push_str(&format!("### {prefix}{}\n\n", md(text)));
                }
                Block::Line(text) => out.push_str(&format!("{}\n\n", md(text))),
                Block::Lead(text) => out.push_str(&format!("**{}**\n\n", md(text))),
                Block::Lines(lines) => {
                    for line in lines {
                        out.push_str(&format!("{}  \n", md(line)));
                    }
                }
                Block::Verdict { label, rest } => {
                    out.push_str(&format!("**{label}:**{}\n\n", md(rest)));
                }
                Block::Item(text) | Block::Note(text) => {
                    out.push_str(&format!("- {}\n", md(text)));
                }
                Block::Detail(text) => out.push_str(&format!("  - {}\n", md(text))),
                Block::Blank => out.push('\n'),
                Block::Table { markdown, .. } => out.push_str(markdown),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::code;

    fn sample() -> Doc {
        let mut doc = Doc::default();
        doc.push(Block::Title {
            text: format!("Check of {} <b>", code("p")),
            prefix: "Diagnosis: ",
        });
        doc.push(Block::Verdict {
            label: "INVALID",
            rest: " 1 broken rule:".into(),
        });
        doc.push(Block::Item(format!("{} *late*", code("talks"))));
        doc.push(Block::Detail("round 3".into()));
        doc.push(Block::Note("(none)".into()));
        doc.push(Block::Blank);
        doc.push(Block::Lead("No plan exists.".into()));
        doc
    }

    #[test]
    fn text_keeps_the_layout_people_read() {
        let text = crate::escape::code_as_backticks(&sample().text()).into_owned();
        assert_eq!(
            text,
            "Check of `p` <b>\nINVALID: 1 broken rule:\n  - `talks` *late*\n  round 3\n  (none)\n\nNo plan exists.\n"
        );
    }

    #[test]
    fn markdown_follows_the_blocks_and_escapes_model_text() {
        assert_eq!(
            sample().markdown(),
            "### Diagnosis: Check of `p` \\<b\\>\n\n**INVALID:** 1 broken rule:\n\n- `talks` \\*late\\*\n  - round 3\n- (none)\n\n**No plan exists.**\n\n"
        );
    }
}
