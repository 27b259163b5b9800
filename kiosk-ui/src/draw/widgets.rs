//! The pieces a screen is made of, as a display list: paragraphs of wrapped text, buttons, panels,
//! the countdown badge and the progress indicator. Each piece is built at a position and knows its
//! height; [`Item`]s are what [`super::render`] draws.

use super::font::{Face, display_text};
use super::texts;
use super::theme::{Look, Palette};
use super::wrap::wrap;
use crate::{Lang, Text};
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;

/// Horizontal alignment of a paragraph's lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Flush left.
    Left,
    /// Centred in the paragraph's width.
    Center,
}

/// Wrapped lines of text in one face and colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Para {
    /// The lines, sanitised for the font.
    pub lines: Vec<String>,
    /// Face.
    pub face: Face,
    /// Colour.
    pub color: Rgb888,
    /// Top left of the first line's box.
    pub top_left: Point,
    /// Width the lines were wrapped to (and are aligned in).
    pub width: u32,
    /// Alignment.
    pub align: Align,
}

impl Para {
    /// `text` wrapped to `width`, at the origin.
    pub fn new(text: &str, face: Face, width: u32, color: Rgb888, align: Align) -> Para {
        let shown = display_text(text);
        let lines = wrap(&shown, width, |c| face.advance(c));
        Para { lines, face, color, top_left: Point::zero(), width, align }
    }

    /// Height of all lines.
    pub fn height(&self) -> u32 {
        u32::try_from(self.lines.len()).unwrap_or(u32::MAX).saturating_mul(self.face.line_height())
    }

    /// Width of the widest line.
    pub fn text_width(&self) -> u32 {
        self.lines.iter().map(|l| self.face.width(l)).max().unwrap_or(0)
    }

    /// Where each line is drawn (top left of its box).
    pub fn line_positions(&self) -> impl Iterator<Item = (&str, Point)> {
        let lh = self.face.line_height() as i32;
        self.lines.iter().enumerate().map(move |(i, l)| {
            let dx = match self.align {
                Align::Left => 0,
                Align::Center => (self.width.saturating_sub(self.face.width(l)) / 2) as i32,
            };
            (l.as_str(), self.top_left + Point::new(dx, i as i32 * lh))
        })
    }
}

/// One thing to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A filled rectangle, corners rounded by `radius`.
    Fill {
        /// Where.
        rect: Rectangle,
        /// Colour.
        color: Rgb888,
        /// Corner radius (0: square).
        radius: u32,
    },
    /// A rectangle's border, drawn inside it.
    Outline {
        /// Where.
        rect: Rectangle,
        /// Colour.
        color: Rgb888,
        /// Stroke width.
        width: u32,
        /// Corner radius.
        radius: u32,
    },
    /// A filled circle.
    Dot {
        /// Top left of its bounding square.
        top_left: Point,
        /// Diameter.
        diameter: u32,
        /// Colour.
        color: Rgb888,
    },
    /// Text.
    Text(Para),
}

impl Item {
    /// The item moved by `by`.
    pub fn translate(mut self, by: Point) -> Item {
        match &mut self {
            Item::Fill { rect, .. } | Item::Outline { rect, .. } => rect.top_left += by,
            Item::Dot { top_left, .. } => *top_left += by,
            Item::Text(p) => p.top_left += by,
        }
        self
    }

    /// The area the item may paint.
    #[cfg(test)]
    pub fn bounds(&self) -> Rectangle {
        match self {
            Item::Fill { rect, .. } | Item::Outline { rect, .. } => *rect,
            Item::Dot { top_left, diameter, .. } => Rectangle::new(*top_left, Size::new_equal(*diameter)),
            Item::Text(p) => Rectangle::new(p.top_left, Size::new(p.width, p.height())),
        }
    }
}

/// Items built at the origin, and the height they take.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Block {
    /// What to draw, relative to the block's top left.
    pub items: Vec<Item>,
    /// Height taken.
    pub height: u32,
}

impl Block {
    /// The items placed with the block's top left at `at`.
    pub fn place(self, at: Point) -> Vec<Item> {
        self.items.into_iter().map(|i| i.translate(at)).collect()
    }
}

/// The two faces of a bilingual text: the chosen language, and the other one smaller.
#[derive(Debug, Clone, Copy)]
pub struct Faces {
    /// The chosen language.
    pub main: Face,
    /// The other language.
    pub other: Face,
}

/// A bilingual text: the chosen language first, the other one smaller beneath (left out when it is
/// empty or says the same).
pub fn bilingual(text: &Text, lang: Lang, faces: Faces, width: u32, colors: (Rgb888, Rgb888), align: Align) -> Block {
    let other_lang = match lang {
        Lang::Zh => Lang::En,
        Lang::En => Lang::Zh,
    };
    let (first, second) = (text.get(lang), text.get(other_lang));
    let mut items = Vec::new();
    let mut height = 0;
    if !first.trim().is_empty() {
        let p = Para::new(first, faces.main, width, colors.0, align);
        height += p.height();
        items.push(Item::Text(p));
    }
    if !second.trim().is_empty() && second != first {
        let mut p = Para::new(second, faces.other, width, colors.1, align);
        if height > 0 {
            height += faces.other.scale * 2;
        }
        p.top_left.y = height as i32;
        height += p.height();
        items.push(Item::Text(p));
    }
    Block { items, height }
}

/// How a button looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ButtonStyle {
    /// A main action: filled.
    Main,
    /// Back, cancel: outlined.
    Quiet,
    /// Cannot be touched.
    Disabled,
    /// The language toggle.
    Toggle,
}

impl ButtonStyle {
    /// The style of a button of the model.
    pub fn of(id: &str, enabled: bool) -> ButtonStyle {
        match id {
            _ if !enabled => ButtonStyle::Disabled,
            "lang" => ButtonStyle::Toggle,
            "cancel" | "back" => ButtonStyle::Quiet,
            _ => ButtonStyle::Main,
        }
    }

    /// Fill, border (if any) and text colours.
    fn colors(self, pal: &Palette) -> (Rgb888, Option<Rgb888>, Rgb888) {
        match self {
            ButtonStyle::Main => (pal.button, None, pal.button_text),
            ButtonStyle::Quiet => (pal.quiet_button, Some(pal.quiet_button_text), pal.quiet_button_text),
            ButtonStyle::Disabled => (pal.disabled, Some(pal.disabled_text), pal.disabled_text),
            ButtonStyle::Toggle => (pal.toggle, Some(pal.toggle_text), pal.toggle_text),
        }
    }
}

/// A button's label, wrapped to its inner width, at the origin: both languages, or only the chosen
/// one when `compact`.
pub fn button_label(label: &Text, style: ButtonStyle, faces: Faces, width: u32, compact: bool, look: &Look) -> Block {
    let inner = width.saturating_sub(2 * look.m.pad);
    let (_, _, text) = style.colors(&look.pal);
    if style == ButtonStyle::Toggle || compact {
        // The toggle names the language it switches to, in that language.
        let p = Para::new(label.get(look.lang), faces.main, inner, text, Align::Center);
        return Block { height: p.height(), items: vec![Item::Text(p)] };
    }
    bilingual(label, look.lang, faces, inner, (text, text), Align::Center)
}

/// A button drawn in `rect` with its label centred.
pub fn button(rect: Rectangle, label: Block, style: ButtonStyle, look: &Look) -> Vec<Item> {
    let m = &look.m;
    let (fill, border, _) = style.colors(&look.pal);
    let mut items = vec![Item::Fill { rect, color: fill, radius: m.radius }];
    if let Some(color) = border {
        items.push(Item::Outline { rect, color, width: m.border, radius: m.radius });
    }
    let dy = (rect.size.height.saturating_sub(label.height) / 2) as i32;
    items.extend(label.place(rect.top_left + Point::new(m.pad as i32, dy)));
    items
}

/// The countdown badge's texts for some seconds, wrapped to the badge.
fn badge_texts(seconds: u32, width: u32, look: &Look) -> Block {
    let (m, pal) = (&look.m, &look.pal);
    let faces = Faces { main: Face::new(m.title), other: Face::new(m.small) };
    let inner = width.saturating_sub(2 * m.pad);
    bilingual(&texts::countdown(seconds), look.lang, faces, inner, (pal.badge_text, pal.badge_text), Align::Center)
}

/// Height of the countdown badge: enough for any count up to three digits.
pub fn badge_height(width: u32, look: &Look) -> u32 {
    badge_texts(888, width, look).height + 2 * look.m.pad
}

/// The countdown badge in `rect`.
pub fn badge(rect: Rectangle, seconds: u32, look: &Look) -> Vec<Item> {
    let (m, pal) = (&look.m, &look.pal);
    let texts = badge_texts(seconds, rect.size.width, look);
    let mut items = vec![Item::Fill { rect, color: pal.badge, radius: m.radius }];
    let dy = (rect.size.height.saturating_sub(texts.height) / 2) as i32;
    // More lines than the slot was made for (a count of four digits or more): keep what fits.
    let limit = rect.top_left.y + rect.size.height as i32;
    for item in texts.place(rect.top_left + Point::new(m.pad as i32, dy)) {
        if let Item::Text(mut p) = item {
            let room = limit - p.top_left.y;
            let fit = usize::try_from(room.max(0)).unwrap_or(0) / p.face.line_height().max(1) as usize;
            p.lines.truncate(fit);
            items.push(Item::Text(p));
        }
    }
    items
}

/// A panel: a bordered box around `content`, with an accent bar on its left when `accent` is set.
pub fn panel(content: Block, width: u32, accent: bool, look: &Look) -> Block {
    let (m, pal) = (&look.m, &look.pal);
    let height = content.height + 2 * m.pad;
    let rect = Rectangle::new(Point::zero(), Size::new(width, height));
    let mut items = vec![
        Item::Fill { rect, color: pal.panel, radius: m.radius },
        Item::Outline { rect, color: pal.panel_border, width: m.border.div_ceil(2), radius: m.radius },
    ];
    let bar = m.border * 2;
    if accent {
        let bar_rect = Rectangle::new(Point::new(m.border as i32, m.pad as i32), Size::new(bar, content.height));
        items.push(Item::Fill { rect: bar_rect, color: pal.accent, radius: 0 });
    }
    let left = if accent { m.pad + bar } else { m.pad };
    items.extend(content.place(Point::new(left as i32, m.pad as i32)));
    Block { items, height }
}

/// The inner width of a panel of `width`.
pub fn panel_inner(width: u32, accent: bool, look: &Look) -> u32 {
    let m = &look.m;
    width.saturating_sub(2 * m.pad + if accent { 2 * m.border } else { 0 })
}

/// The progress indicator: a row of dots shrinking like a spinner's tail.
pub fn progress_dots(look: &Look) -> Block {
    let d = Face::new(look.m.body).line_height() / 2;
    let mut items = Vec::new();
    let mut x = 0i32;
    for i in 0..5u32 {
        let size = (d * (10 - 2 * i) / 10).max(2);
        let top = ((d - size) / 2) as i32;
        items.push(Item::Dot { top_left: Point::new(x, top), diameter: size, color: look.pal.accent });
        x += (d + d / 2) as i32;
    }
    Block { items, height: d }
}

/// Places blocks one under another with `gap` between them.
pub fn stack(blocks: Vec<Block>, gap: u32) -> Block {
    let mut items = Vec::new();
    let mut y = 0u32;
    let mut first = true;
    for b in blocks {
        if b.height == 0 && b.items.is_empty() {
            continue;
        }
        if !first {
            y += gap;
        }
        first = false;
        let h = b.height;
        items.extend(b.place(Point::new(0, y as i32)));
        y += h;
    }
    Block { items, height: y }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faces() -> Faces {
        Faces { main: Face::new(3), other: Face::new(2) }
    }

    #[test]
    fn bilingual_puts_the_chosen_language_first_and_larger() {
        let t = Text::new("请按压手指", "Press your finger");
        let b = bilingual(&t, Lang::Zh, faces(), 1000, (Rgb888::BLACK, Rgb888::BLACK), Align::Left);
        let [Item::Text(zh), Item::Text(en)] = &b.items[..] else { panic!("{b:?}") };
        assert_eq!((zh.lines.concat(), zh.face.scale), ("请按压手指".to_string(), 3));
        assert_eq!((en.lines.concat(), en.face.scale), ("Press your finger".to_string(), 2));
        assert!(en.top_left.y >= zh.height() as i32);
        assert_eq!(b.height, en.top_left.y as u32 + en.height());

        let b = bilingual(&t, Lang::En, faces(), 1000, (Rgb888::BLACK, Rgb888::BLACK), Align::Left);
        let [Item::Text(en), Item::Text(_)] = &b.items[..] else { panic!("{b:?}") };
        assert_eq!(en.lines.concat(), "Press your finger");
    }

    #[test]
    fn text_is_wrapped_to_the_width() {
        let p = Para::new(
            "Insert a UnionPay card, or scan with WeChat / Alipay",
            Face::new(3),
            400,
            Rgb888::BLACK,
            Align::Left,
        );
        assert!(p.lines.len() > 1);
        assert!(p.text_width() <= 400);
    }

    #[test]
    fn centred_lines_stay_inside_their_width() {
        let mut p = Para::new("完成", Face::new(3), 500, Rgb888::BLACK, Align::Center);
        p.top_left = Point::new(10, 20);
        let (line, at) = p.line_positions().next().unwrap_or(("", Point::zero()));
        assert_eq!(line, "完成");
        assert!(at.x > 10 && at.x + p.face.width(line) as i32 <= 510);
    }
}
