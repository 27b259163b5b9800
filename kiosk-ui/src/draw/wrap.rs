//! Line breaking: Chinese breaks between any two characters, English at spaces; a word wider than
//! the line is cut between characters; closing punctuation never starts a line.

/// Whether a line may break before and after this character on its own (CJK and full-width forms).
fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x9FFF      // CJK radicals, punctuation, kana, unified ideographs
        | 0xAC00..=0xD7AF    // Hangul
        | 0xF900..=0xFAFF    // compatibility ideographs
        | 0xFE30..=0xFE4F    // CJK compatibility forms
        | 0xFF00..=0xFFEF    // full-width forms
        | 0x20000..=0x3FFFF) // supplementary ideographs
}

/// Characters that must not start a line (they close what precedes them).
fn is_closing(c: char) -> bool {
    "，。、：；！？）》」』】〕”’…,.;:!?)]}%".contains(c)
}

/// Characters that must not end a line (they open what follows them).
fn is_opening(c: char) -> bool {
    "（《「『【〔“‘￥¥$([{".contains(c)
}

/// A piece of text that stays on one line.
#[derive(Debug)]
struct Token<'a> {
    text: &'a str,
    width: u32,
    /// A space separated it from the previous token.
    space_before: bool,
}

fn tokens<'a>(text: &'a str, advance: &impl Fn(char) -> u32) -> Vec<Token<'a>> {
    let mut out = Vec::new();
    let mut space = false;
    let mut word_start: Option<usize> = None;
    let push_word = |out: &mut Vec<Token<'a>>, start: usize, end: usize, space: &mut bool| {
        let text = &text[start..end];
        out.push(Token { text, width: text.chars().map(advance).sum(), space_before: *space });
        *space = false;
    };
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = word_start.take() {
                push_word(&mut out, s, i, &mut space);
            }
            space = !out.is_empty();
        } else if is_wide(c) {
            if let Some(s) = word_start.take() {
                push_word(&mut out, s, i, &mut space);
            }
            push_word(&mut out, i, i + c.len_utf8(), &mut space);
        } else if word_start.is_none() {
            word_start = Some(i);
        }
    }
    if let Some(s) = word_start {
        push_word(&mut out, s, text.len(), &mut space);
    }
    out
}

/// Breaks `text` into lines no wider than `max_width` (in the units of `advance`). Explicit
/// newlines are kept. Always at least one line (possibly empty) per paragraph.
pub fn wrap(text: &str, max_width: u32, advance: impl Fn(char) -> u32) -> Vec<String> {
    let space_w = advance(' ');
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        // Each line as a list of tokens, so that a closing mark can take the previous token along.
        let mut line: Vec<(String, bool)> = Vec::new();
        let mut width = 0u32;
        let mut done: Vec<Vec<(String, bool)>> = Vec::new();
        for tok in tokens(paragraph, &advance) {
            let sep = if tok.space_before && !line.is_empty() { space_w } else { 0 };
            if width + sep + tok.width <= max_width {
                width += sep + tok.width;
                line.push((tok.text.to_string(), tok.space_before));
                continue;
            }
            if tok.width > max_width {
                // A word wider than the line: cut it between characters.
                let mut piece = String::new();
                let mut piece_w = 0;
                let mut first = true;
                for c in tok.text.chars() {
                    let w = advance(c);
                    let sep = if first && tok.space_before && !line.is_empty() { space_w } else { 0 };
                    if width + sep + piece_w + w > max_width && (!piece.is_empty() || !line.is_empty()) {
                        if !piece.is_empty() {
                            line.push((std::mem::take(&mut piece), first && tok.space_before));
                            first = false;
                        }
                        done.push(std::mem::take(&mut line));
                        width = 0;
                        piece_w = 0;
                    }
                    piece.push(c);
                    piece_w += w;
                }
                if !piece.is_empty() {
                    let sep = if first && tok.space_before && !line.is_empty() { space_w } else { 0 };
                    width += sep + piece_w;
                    line.push((piece, first && tok.space_before));
                }
                continue;
            }
            // A closing mark takes the last token of the line along, and so does an opening mark
            // left at the line's end, when that leaves something behind.
            let mut carried = Vec::new();
            let mut carried_w = 0;
            let opening_last = line.last().is_some_and(|(t, _)| t.chars().last().is_some_and(is_opening));
            if (tok.text.chars().next().is_some_and(is_closing) || opening_last)
                && line.len() >= 2
                && let Some(last) = line.pop()
            {
                carried_w = last.0.chars().map(&advance).sum::<u32>();
                carried.push(last);
            }
            if !line.is_empty() {
                done.push(std::mem::take(&mut line));
            }
            line = carried;
            width = carried_w;
            // `carried` holds at most one token with no leading separator on its new line.
            if let Some(first) = line.first_mut() {
                first.1 = false;
            }
            let sep = if tok.space_before && !line.is_empty() { space_w } else { 0 };
            width += sep + tok.width;
            line.push((tok.text.to_string(), tok.space_before && !line.is_empty()));
        }
        done.push(line);
        for l in done {
            let mut s = String::new();
            for (i, (text, space)) in l.into_iter().enumerate() {
                if space && i > 0 {
                    s.push(' ');
                }
                s.push_str(&text);
            }
            lines.push(s);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Latin 1 unit, CJK 2 units.
    fn adv(c: char) -> u32 {
        if is_wide(c) { 2 } else { 1 }
    }

    fn width(s: &str) -> u32 {
        s.chars().map(adv).sum()
    }

    #[test]
    fn english_breaks_at_spaces() {
        let lines = wrap("Place your ID card on the reader", 12, adv);
        assert_eq!(lines, ["Place your", "ID card on", "the reader"]);
    }

    #[test]
    fn chinese_breaks_anywhere_but_not_before_closing_punctuation() {
        let lines = wrap("请将身份证放在感应区，谢谢", 20, adv);
        assert!(lines.iter().all(|l| width(l) <= 20), "{lines:?}");
        assert!(lines.iter().all(|l| !l.starts_with('，')), "{lines:?}");
        assert_eq!(lines.concat(), "请将身份证放在感应区，谢谢");
    }

    #[test]
    fn a_currency_sign_stays_with_its_amount() {
        let lines = wrap("3个月一次 ￥15.00", 12, adv);
        assert_eq!(lines, ["3个月一次", "￥15.00"]);
        let lines = wrap("确认（香港）", 7, adv);
        assert!(lines.iter().all(|l| !l.ends_with('（')), "{lines:?}");
    }

    #[test]
    fn long_words_are_cut_and_nothing_is_lost() {
        let text = "Order KIOSK0123456789ABCDEFGHIJ paid";
        let lines = wrap(text, 10, adv);
        assert!(lines.iter().all(|l| width(l) <= 10), "{lines:?}");
        assert_eq!(lines.join(" ").replace(' ', ""), text.replace(' ', ""));
    }

    #[test]
    fn mixed_text_keeps_its_spaces_and_newlines() {
        let lines = wrap("应付 ￥15.00\nAmount due", 100, adv);
        assert_eq!(lines, ["应付 ￥15.00", "Amount due"]);
        assert_eq!(wrap("", 10, adv), [""]);
        assert_eq!(wrap("   ", 10, adv), [""]);
    }

    #[test]
    fn every_line_fits_for_any_width() {
        let text = "Insert the permit endorsement side up; if it still fails, go to a staffed counter. 请确认签注面朝上插入；仍无法识别请到人工窗口。";
        for w in 2..60 {
            let lines = wrap(text, w, adv);
            assert!(lines.iter().all(|l| width(l) <= w), "width {w}: {lines:?}");
            let joined: String = lines.concat().chars().filter(|c| !c.is_whitespace()).collect();
            let original: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            assert_eq!(joined, original, "width {w}");
        }
    }
}
