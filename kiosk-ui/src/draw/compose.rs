//! A screen composed into a display list and its [`Layout`]:
//!
//! - a header band (blue; red on refusals, grey when out of service) with the title and the
//!   language toggle;
//! - the body, top down: each line in the chosen language with the other one smaller beneath; on a
//!   refusal the last line (what to do next) in its own panel; the progress panel;
//! - at the bottom, the buttons, full width one under another (two columns when one column leaves
//!   the body no room, more when two are not enough; a keypad three across), and the countdown
//!   badge just above them.
//!
//! On a landscape screen the body takes the left three fifths and the buttons and badge the right
//! two fifths, from the header down (the left third and the right two thirds when the buttons do
//! not fit beside the wider body).
//!
//! A crowded screen on the portrait panel shows its body in the chosen language only before any
//! text is made smaller: see [`attempts`].

use super::RenderOptions;
use super::font::Face;
use super::layout::{ButtonRect, Layout};
use super::texts;
use super::theme::Look;
#[cfg(test)]
use super::theme::Palette;
use super::widgets::{
    Align, Block, ButtonStyle, Faces, Item, Para, badge, badge_height, bilingual, button, button_label, panel,
    panel_inner, progress_dots, stack,
};
use crate::{Button, Lang, Screen, Text};
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;

/// A composed screen.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Screen background.
    pub background: Rgb888,
    /// Everything but the countdown badge, in drawing order.
    pub items: Vec<Item>,
    /// The countdown badge.
    pub badge: Vec<Item>,
    /// Where things are.
    pub layout: Layout,
}

/// On a landscape screen, the share of the content width the body takes (numerator, denominator);
/// the buttons take the rest.
type Split = (u32, u32);

/// The body's share on a landscape screen: three fifths.
const BODY_SHARE: Split = (3, 5);

/// The body's share on a landscape screen when the buttons do not fit beside a wider body (a
/// keypad, a long list of choices): one third.
const NARROW_BODY_SHARE: Split = (1, 3);

/// Everything that depends only on the options.
pub struct Context {
    /// Sizes, colours, language.
    pub look: Look,
    /// Screen size.
    pub size: Size,
    /// The body's share of the width on a landscape screen.
    split: Split,
}

impl Context {
    /// The context of a render, text `shrink` scales smaller than designed.
    pub fn new(opts: &RenderOptions, shrink: u32) -> Context {
        let mut look = Look::new(opts.size.width, opts.size.height, opts.accessible, opts.lang);
        look.m = look.m.shrunk(shrink);
        Context { look, size: opts.size, split: BODY_SHARE }
    }

    fn faces(&self, main: u32) -> Faces {
        Faces { main: Face::new(main), other: Face::new(self.look.m.small) }
    }

    fn content_width(&self) -> u32 {
        self.size.width.saturating_sub(2 * self.look.m.margin)
    }

    fn landscape(&self) -> bool {
        self.size.width > self.size.height
    }

    /// The body's column: (x, width).
    fn body_column(&self) -> (i32, u32) {
        let m = &self.look.m;
        if self.landscape() {
            let (num, den) = self.split;
            (m.margin as i32, self.content_width().saturating_sub(m.gap) * num / den.max(1))
        } else {
            (m.margin as i32, self.content_width())
        }
    }

    /// The column of the buttons and the badge: (x, width).
    fn action_column(&self) -> (i32, u32) {
        let m = &self.look.m;
        if self.landscape() {
            let (x, w) = self.body_column();
            (x + (w + m.gap) as i32, self.content_width().saturating_sub(w + m.gap))
        } else {
            (m.margin as i32, self.content_width())
        }
    }

    /// Where the countdown badge goes, given the top of the button area.
    fn badge_rect(&self, buttons_top: i32) -> Rectangle {
        let (x, width) = self.action_column();
        let h = badge_height(width, &self.look);
        let top = buttons_top - (self.look.m.gap + h) as i32;
        Rectangle::new(Point::new(x, top), Size::new(width, h))
    }
}

/// The header: band, title, language toggle. Returns its items, the toggle and the band's height.
fn header(screen: &Screen, cx: &Context) -> (Vec<Item>, ButtonRect, u32) {
    let (look, m, pal) = (&cx.look, &cx.look.m, &cx.look.pal);
    let (band, band_text) = if screen.reason.is_some() {
        (pal.refusal_band, pal.refusal_band_text)
    } else if screen.id == "out_of_service" {
        (pal.closed_band, pal.closed_band_text)
    } else {
        (pal.band, pal.band_text)
    };
    let toggle = screen.buttons.iter().find(|b| b.id == "lang").cloned().unwrap_or_else(texts::lang_toggle);
    let faces = cx.faces(m.body);
    let style = ButtonStyle::of(&toggle.id, toggle.enabled);
    let width = cx.content_width();
    // The toggle is as wide as its label needs, and square at least.
    let natural = button_label(&toggle.label, style, faces, u32::MAX / 4, true, look);
    let label_w = natural
        .items
        .iter()
        .map(|i| match i {
            Item::Text(p) => p.text_width(),
            _ => 0,
        })
        .max()
        .unwrap_or(0);
    let toggle_w = (label_w + 2 * m.pad).max(m.touch).min(width);
    let title_faces = cx.faces(m.title);
    let title_w = width.saturating_sub(toggle_w + m.gap);
    let title = bilingual(&screen.title, look.lang, title_faces, title_w, (band_text, band_text), Align::Left);
    let height = title.height.max(m.touch) + 2 * m.margin;
    let toggle_rect = Rectangle::new(
        Point::new((m.margin + width - toggle_w) as i32, ((height - m.touch) / 2) as i32),
        Size::new(toggle_w, m.touch),
    );
    let mut items = vec![Item::Fill {
        rect: Rectangle::new(Point::zero(), Size::new(cx.size.width, height)),
        color: band,
        radius: 0,
    }];
    let title_top = ((height - title.height.min(height)) / 2) as i32;
    items.extend(title.place(Point::new(m.margin as i32, title_top)));
    let label = button_label(&toggle.label, style, faces, toggle_w, true, look);
    items.extend(button(toggle_rect, label, style, look));
    (items, ButtonRect { id: toggle.id, rect: toggle_rect, enabled: toggle.enabled }, height)
}

/// A body text: both languages, or only the chosen one when `compact`.
fn body_text(text: &Text, compact: bool, faces: Faces, width: u32, colors: (Rgb888, Rgb888), look: &Look) -> Block {
    if compact {
        let p = Para::new(text.get(look.lang), faces.main, width, colors.0, Align::Left);
        return Block { height: p.height(), items: vec![Item::Text(p)] };
    }
    bilingual(text, look.lang, faces, width, colors, Align::Left)
}

/// The body blocks, top down: every text in both languages, or, when `compact`, in the chosen
/// language only (what a crowded screen falls back to before its text is made smaller).
fn body(screen: &Screen, cx: &Context, compact: bool) -> Vec<Block> {
    let (look, m, pal) = (&cx.look, &cx.look.m, &cx.look.pal);
    let (_, width) = cx.body_column();
    let faces = cx.faces(m.body);
    let colors = (pal.text, pal.text_secondary);
    let mut blocks = Vec::new();
    let next_step = if screen.reason.is_some() && screen.body.len() >= 2 { screen.body.last() } else { None };
    let plain = &screen.body[..screen.body.len() - usize::from(next_step.is_some())];
    for line in plain {
        blocks.push(body_text(line, compact, faces, width, colors, look));
    }
    if let Some(step) = next_step {
        let inner = panel_inner(width, true, look);
        // One line, both languages: "下一步 / What to do next".
        let heading = texts::next_step_heading();
        let line = format!("{} / {}", heading.get(look.lang), heading.get(other(look.lang)));
        let heading = Para::new(&line, Face::new(m.small), inner, pal.accent, Align::Left);
        let heading = Block { height: heading.height(), items: vec![Item::Text(heading)] };
        let text = body_text(step, compact, faces, inner, colors, look);
        blocks.push(panel(stack(vec![heading, text], m.pad / 2), width, true, look));
    }
    if let Some(progress) = &screen.progress {
        let inner = panel_inner(width, false, look);
        let text = body_text(progress, compact, faces, inner, colors, look);
        blocks.push(panel(stack(vec![text, progress_dots(look)], m.gap), width, false, look));
    }
    blocks
}

fn other(lang: Lang) -> Lang {
    match lang {
        Lang::Zh => Lang::En,
        Lang::En => Lang::Zh,
    }
}

/// How the buttons are arranged.
#[derive(Debug, Clone, Copy)]
struct Arrangement {
    /// Columns.
    columns: u32,
    /// Least height of a button.
    min_height: u32,
    /// Labels in the chosen language only.
    compact: bool,
    /// Font scale of the labels.
    scale: u32,
}

/// The buttons (the toggle excepted) laid out as `arr` says, ending at `bottom`. Returns the items,
/// the rectangles and the top of the area.
fn buttons(list: &[&Button], cx: &Context, arr: Arrangement, bottom: i32) -> (Vec<Item>, Vec<ButtonRect>, i32) {
    let (look, m) = (&cx.look, &cx.look.m);
    let (x0, width) = cx.action_column();
    let Arrangement { columns, min_height, compact, scale } = arr;
    let columns = columns.max(1);
    let col_w = width.saturating_sub((columns - 1) * m.gap) / columns;
    let labels: Vec<(Block, ButtonStyle)> = list
        .iter()
        .map(|b| {
            let style = ButtonStyle::of(&b.id, b.enabled);
            (button_label(&b.label, style, cx.faces(scale), col_w, compact, look), style)
        })
        .collect();
    let rows: Vec<u32> = labels
        .chunks(columns as usize)
        .map(|row| row.iter().map(|(l, _)| l.height + 2 * m.pad).max().unwrap_or(0).max(min_height).max(m.touch))
        .collect();
    let total = rows.iter().sum::<u32>() + m.gap * u32::try_from(rows.len().saturating_sub(1)).unwrap_or(0);
    let top = bottom - total as i32;
    let mut items = Vec::new();
    let mut rects = Vec::new();
    let mut y = top;
    let mut labels = labels.into_iter();
    for (r, row_h) in rows.iter().enumerate() {
        for c in 0..columns {
            let i = r * columns as usize + c as usize;
            let (Some(b), Some((label, style))) = (list.get(i), labels.next()) else { break };
            let x = x0 + (c * (col_w + m.gap)) as i32;
            let rect = Rectangle::new(Point::new(x, y), Size::new(col_w, *row_h));
            items.extend(button(rect, label, style, look));
            rects.push(ButtonRect { id: b.id.clone(), rect, enabled: b.enabled });
        }
        y += (*row_h + m.gap) as i32;
    }
    (items, rects, top)
}

/// How many font scales a screen may shrink by when its text does not fit at the designed sizes
/// (only ever needed for crowded screens in accessible mode on a landscape panel).
const MAX_SHRINK: u32 = 2;

/// The most columns of buttons (each still at least a touch target wide).
const MAX_COLUMNS: u32 = 5;

/// One way of composing a screen, from the designed one to the most crowded.
#[derive(Debug, Clone, Copy)]
struct Attempt {
    /// Text this many font scales smaller than designed.
    shrink: u32,
    /// The body's share of the width on a landscape screen.
    split: Split,
    /// The body in the chosen language only.
    compact: bool,
}

/// The attempts, in order. Portrait (the designed panel): text at its designed size first, both
/// languages and then the chosen one only, before any text is made smaller. Landscape: both
/// languages a scale or two smaller first, then the chosen one only; then all that again with a
/// narrower body and wider buttons (a keypad, a long list of choices).
fn attempts(landscape: bool) -> Vec<Attempt> {
    let mut out = Vec::new();
    if landscape {
        for split in [BODY_SHARE, NARROW_BODY_SHARE] {
            for compact in [false, true] {
                out.extend((0..=MAX_SHRINK).map(|shrink| Attempt { shrink, split, compact }));
            }
        }
    } else {
        for shrink in 0..=MAX_SHRINK {
            out.extend([false, true].map(|compact| Attempt { shrink, split: BODY_SHARE, compact }));
        }
    }
    out
}

/// The screen composed for the options: the first attempt (see [`attempts`]) whose text fits.
pub fn compose(screen: &Screen, opts: &RenderOptions) -> Frame {
    let landscape = opts.size.width > opts.size.height;
    for attempt in attempts(landscape) {
        let frame = compose_at(screen, opts, attempt);
        if !frame.layout.overflow {
            return frame;
        }
    }
    // Nothing fits (a tiny screen, absurd data): as designed but smaller, the overflow reported.
    compose_at(screen, opts, Attempt { shrink: MAX_SHRINK, split: BODY_SHARE, compact: false })
}

/// A grid of short buttons (a keypad): many, and every label one line in both languages at three
/// columns. Such screens are laid out three across first.
fn short_grid(list: &[&Button], cx: &Context) -> bool {
    let (look, m) = (&cx.look, &cx.look.m);
    let (_, width) = cx.action_column();
    let col_w = width.saturating_sub(2 * m.gap) / 3;
    let faces = cx.faces(m.body);
    let one_line = |b: &&Button| {
        let label = button_label(&b.label, ButtonStyle::of(&b.id, b.enabled), faces, col_w, false, look);
        label.items.iter().all(|i| !matches!(i, Item::Text(p) if p.lines.len() > 1))
    };
    list.len() >= 9 && list.iter().all(one_line)
}

/// The arrangements of the buttons to try, roomiest first.
fn arrangements(screen: &Screen, list: &[&Button], cx: &Context) -> Vec<Arrangement> {
    let m = &cx.look.m;
    let arr = |columns, min_height, compact, scale| Arrangement { columns, min_height, compact, scale };
    let n = u32::try_from(list.len()).unwrap_or(u32::MAX);
    let (_, width) = cx.action_column();
    let wide_enough = |columns: u32| width.saturating_sub((columns - 1) * m.gap) / columns >= m.touch;
    // Roomy first (the home screen's buttons twice as tall, a keypad three across); then labels in
    // one language; then two columns; then smaller labels; then more columns.
    let mut tries = Vec::new();
    if screen.id == "home" {
        tries.push(arr(1, m.touch * 2, false, m.body));
    }
    if wide_enough(3) && short_grid(list, cx) {
        tries.push(arr(3, m.touch, false, m.body));
    }
    tries.extend([arr(1, m.touch, false, m.body), arr(1, m.touch, true, m.body)]);
    if n > 1 {
        tries.extend([arr(2, m.touch, false, m.body), arr(2, m.touch, true, m.body)]);
    }
    if m.small < m.body {
        tries.push(arr(1, m.touch, true, m.small));
        if n > 1 {
            tries.push(arr(2, m.touch, true, m.small));
        }
    }
    for columns in (3..=MAX_COLUMNS).filter(|c| *c <= n && wide_enough(*c)) {
        tries.extend([arr(columns, m.touch, false, m.body), arr(columns, m.touch, true, m.body)]);
        if m.small < m.body {
            tries.push(arr(columns, m.touch, true, m.small));
        }
    }
    tries
}

fn compose_at(screen: &Screen, opts: &RenderOptions, attempt: Attempt) -> Frame {
    let Attempt { shrink, split, compact } = attempt;
    let mut cx = Context::new(opts, shrink);
    cx.split = split;
    let m = &cx.look.m;
    let (mut items, toggle, header_h) = header(screen, &cx);
    let list: Vec<&Button> = screen.buttons.iter().filter(|b| b.id != "lang").collect();
    let bottom = cx.size.height as i32 - m.margin as i32;
    let body_top = (header_h + m.margin) as i32;
    let blocks = body(screen, &cx, compact);
    let body_h = stack(blocks.clone(), m.gap).height;

    // The first arrangement of the buttons that leaves the body room wins.
    let mut chosen = None;
    for a in arrangements(screen, &list, &cx) {
        let (b_items, rects, top) = buttons(&list, &cx, a, bottom);
        let badge_rect = screen.countdown.map(|_| cx.badge_rect(top));
        let actions_top = badge_rect.map_or(top, |r| r.top_left.y);
        let body_limit = if cx.landscape() { bottom } else { actions_top - m.gap as i32 };
        let fits = body_top + body_h as i32 <= body_limit && actions_top >= body_top;
        chosen = Some((b_items, rects, badge_rect, body_limit, fits));
        if fits {
            break;
        }
    }
    let (b_items, rects, badge_rect, body_limit, fits) = chosen.unwrap_or_default();

    // The body, top down; what does not fit is left out (and reported).
    let mut overflow = !fits;
    let mut y = body_top;
    let (body_x, _) = cx.body_column();
    for block in blocks {
        if y + block.height as i32 > body_limit {
            overflow = true;
            break;
        }
        let h = block.height;
        items.extend(block.place(Point::new(body_x, y)));
        y += (h + m.gap) as i32;
    }
    items.extend(b_items);

    let mut all = vec![toggle];
    all.extend(rects);
    let screen_rect = Rectangle::new(Point::zero(), cx.size);
    overflow |= all.iter().any(|b| !contains(&screen_rect, &b.rect)) || header_h > cx.size.height;
    let badge = match (screen.countdown, badge_rect) {
        (Some(s), Some(rect)) => badge(rect, s, &cx.look),
        _ => Vec::new(),
    };
    Frame {
        background: cx.look.pal.background,
        items,
        badge,
        layout: Layout { size: cx.size, buttons: all, countdown: badge_rect, overflow, shrink },
    }
}

/// The countdown badge alone, for `seconds`, in the slot a full compose gave it (with the text
/// size that compose used).
pub fn compose_badge(seconds: u32, rect: Rectangle, opts: &RenderOptions, shrink: u32) -> Vec<Item> {
    badge(rect, seconds, &Context::new(opts, shrink).look)
}

/// Whether `inner` lies wholly inside `outer`.
pub fn contains(outer: &Rectangle, inner: &Rectangle) -> bool {
    inner.top_left.x >= outer.top_left.x
        && inner.top_left.y >= outer.top_left.y
        && inner.top_left.x + inner.size.width as i32 <= outer.top_left.x + outer.size.width as i32
        && inner.top_left.y + inner.size.height as i32 <= outer.top_left.y + outer.size.height as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Availability, Reason, Step, Text, View, screen};

    fn screens() -> Vec<Screen> {
        let mut verify = screen(&View::Verify {
            finger: Step::Waiting,
            face: Step::Waiting,
            attempt: 2,
            max_attempts: 3,
            press_again: true,
        });
        verify.countdown = Some(12);
        vec![
            screen(&View::Home {
                checkin: Availability::Available,
                endorse: Availability::OutOfService { why: Text::new("签注打印机故障", "endorser fault") },
                query: Availability::Available,
                booking: Availability::Available,
            }),
            verify,
            screen(&View::Refusal {
                reason: Reason::PermitInvalid, detail: Some(Text::new("无法读取", "unreadable"))
            }),
            screen(&View::EndorseWriting),
        ]
    }

    fn sizes() -> [Size; 3] {
        [Size::new(1080, 1920), Size::new(768, 1366), Size::new(1920, 1080)]
    }

    /// Everything drawn stays on the screen; text is either inside a button or clear of all of
    /// them; the body never reaches into the badge.
    #[test]
    fn items_stay_on_screen_and_text_clear_of_buttons() {
        for size in sizes() {
            for accessible in [false, true] {
                for lang in [Lang::Zh, Lang::En] {
                    let opts = RenderOptions { size, lang, accessible };
                    for s in screens() {
                        let frame = compose(&s, &opts);
                        let screen_rect = Rectangle::new(Point::zero(), size);
                        assert!(!frame.layout.overflow, "{} {opts:?}", s.id);
                        for item in frame.items.iter().chain(&frame.badge) {
                            assert!(contains(&screen_rect, &item.bounds()), "{} {opts:?}: {item:?}", s.id);
                        }
                        let rects: Vec<Rectangle> = frame.layout.buttons.iter().map(|b| b.rect).collect();
                        for item in frame.items.iter().filter(|i| matches!(i, Item::Text(_))) {
                            let b = item.bounds();
                            let in_button = rects.iter().any(|r| contains(r, &b));
                            let clear = rects.iter().all(|r| r.intersection(&b).is_zero_sized());
                            assert!(in_button || clear, "{} {opts:?}: {item:?}", s.id);
                            if let (Some(badge), false) = (frame.layout.countdown, in_button) {
                                assert!(badge.intersection(&b).is_zero_sized() || contains(&badge, &b), "{}", s.id);
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn every_screen_gets_a_language_toggle_and_keeps_its_buttons_in_order() {
        for s in screens() {
            let l = compose(&s, &RenderOptions::default()).layout;
            assert_eq!(l.buttons.first().map(|b| b.id.as_str()), Some("lang"), "{}", s.id);
            let drawn: Vec<&str> = l.buttons.iter().skip(1).map(|b| b.id.as_str()).collect();
            let model: Vec<&str> = s.buttons.iter().filter(|b| b.id != "lang").map(|b| b.id.as_str()).collect();
            assert_eq!(drawn, model);
        }
    }

    #[test]
    fn refusals_get_their_own_band_and_a_next_step_panel() {
        let opts = RenderOptions::default();
        let pal = Palette::new(false);
        let refusal = compose(&screens()[2], &opts);
        let band = |f: &Frame| match f.items.first() {
            Some(Item::Fill { color, .. }) => Some(*color),
            _ => None,
        };
        assert_eq!(band(&refusal), Some(pal.refusal_band));
        assert_eq!(band(&compose(&screens()[0], &opts)), Some(pal.band));
        let heading = texts::next_step_heading().zh;
        assert!(refusal.items.iter().any(|i| matches!(i, Item::Text(p) if p.lines.concat().contains(&heading))));
        assert!(refusal.items.iter().any(|i| matches!(i, Item::Fill { color, .. } if *color == pal.accent)));
    }

    #[test]
    fn landscape_puts_the_buttons_beside_the_body() {
        let opts = RenderOptions { size: Size::new(1920, 1080), ..RenderOptions::default() };
        for s in screens() {
            let frame = compose(&s, &opts);
            let left_of_buttons = frame.layout.buttons.iter().skip(1).map(|b| b.rect.top_left.x).min();
            let Some(buttons_x) = left_of_buttons else { continue };
            assert!(buttons_x > 1920 / 2, "{}", s.id);
            // The body's text stays left of them.
            let body_top = frame.layout.buttons[0].rect.bottom_right().map_or(0, |p| p.y);
            for item in &frame.items {
                if let Item::Text(p) = item
                    && p.top_left.y > body_top
                    && p.top_left.x < buttons_x
                {
                    assert!(p.top_left.x + p.width as i32 <= buttons_x, "{}: {p:?}", s.id);
                }
            }
        }
    }

    fn keypad() -> Screen {
        let view = crate::view::BookingView::Phone {
            who: crate::PhoneFor::Applicant,
            digits: "1380013".into(),
            invalid: true,
        };
        screen(&View::Booking(view))
    }

    /// The keypad is three across, as on a phone, in every portrait mode; on a landscape panel in
    /// accessible mode its buttons get the wider column.
    #[test]
    fn a_keypad_is_a_grid() {
        let s = keypad();
        for opts in [
            RenderOptions::default(),
            RenderOptions { accessible: true, ..RenderOptions::default() },
            RenderOptions { size: Size::new(768, 1366), accessible: true, ..RenderOptions::default() },
        ] {
            let l = compose(&s, &opts).layout;
            assert!(!l.overflow, "{opts:?}");
            let at = |id: &str| l.button(id).map(|b| b.rect.top_left).unwrap_or_default();
            // 1 2 3 / 4 5 6 / 7 8 9 / Delete 0 OK
            for row in [["key_1", "key_2", "key_3"], ["key_4", "key_5", "key_6"], ["key_del", "key_0", "ok"]] {
                let [a, b, c] = row.map(at);
                assert!(a.y == b.y && b.y == c.y && a.x < b.x && b.x < c.x, "{opts:?}: {row:?}");
            }
            assert_eq!(at("key_1").x, at("key_del").x, "{opts:?}");
            assert!(at("key_7").y < at("key_0").y, "{opts:?}");
        }
        let opts = RenderOptions { size: Size::new(1920, 1080), accessible: true, ..RenderOptions::default() };
        let l = compose(&s, &opts).layout;
        assert!(!l.overflow);
        let left = l.buttons.iter().skip(1).map(|b| b.rect.top_left.x).min().unwrap_or(0);
        assert!(left < 1920 * 2 / 5, "the buttons take more than the right two fifths: {left}");
    }

    /// A crowded body on the portrait panel is shown in the chosen language only rather than in
    /// smaller text.
    #[test]
    fn a_crowded_body_keeps_its_size_in_one_language() {
        let mut s = screen(&View::EndorseWriting);
        s.body = (0..6)
            .map(|i| Text::new(format!("第{i}行：请取回您的证件和回执"), format!("Line {i}: take your documents")))
            .collect();
        s.buttons = vec![Button::new("done", Text::new("完成", "Done"))];
        let opts = RenderOptions { accessible: true, ..RenderOptions::default() };
        let frame = compose(&s, &opts);
        assert_eq!((frame.layout.overflow, frame.layout.shrink), (false, 0));
        let texts: String = frame
            .items
            .iter()
            .filter_map(|i| if let Item::Text(p) = i { Some(p.lines.concat()) } else { None })
            .collect();
        assert!(texts.contains("第5行") && !texts.contains("Line 5"), "{texts}");
        // With room, both languages.
        s.body.truncate(2);
        let frame = compose(&s, &opts);
        let texts: String = frame
            .items
            .iter()
            .filter_map(|i| if let Item::Text(p) = i { Some(p.lines.concat()) } else { None })
            .collect();
        assert!(texts.contains("第1行") && texts.contains("Line 1"), "{texts}");
    }
}
