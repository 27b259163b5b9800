//! What a render drew where: every button's id and rectangle, and the countdown badge's slot.
//! Hit testing uses exactly these rectangles.

use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;

/// One drawn button.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ButtonRect {
    /// The button's id (what a touch reports).
    pub id: String,
    /// Where it was drawn.
    pub rect: Rectangle,
    /// Whether it can be touched.
    pub enabled: bool,
}

/// Where a render put things.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Layout {
    /// The screen size rendered for.
    pub size: Size,
    /// Every button drawn, the language toggle included, in drawing order.
    pub buttons: Vec<ButtonRect>,
    /// The countdown badge's rectangle, when the screen shows one (what a partial redraw repaints).
    pub countdown: Option<Rectangle>,
    /// Some text did not fit the screen and was left out (never happens on the tested sizes).
    pub overflow: bool,
    /// Font scales the text was made smaller by to fit (0: as designed).
    pub shrink: u32,
}

impl Layout {
    /// The enabled button under a point, if any.
    pub fn hit(&self, point: Point) -> Option<&str> {
        self.buttons.iter().find(|b| b.enabled && b.rect.contains(point)).map(|b| b.id.as_str())
    }

    /// The drawn button with this id.
    pub fn button(&self, id: &str) -> Option<&ButtonRect> {
        self.buttons.iter().find(|b| b.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hit_finds_only_enabled_buttons() {
        let layout = Layout {
            size: Size::new(100, 100),
            buttons: vec![
                ButtonRect { id: "a".into(), rect: Rectangle::new(Point::new(0, 0), Size::new(50, 50)), enabled: true },
                ButtonRect {
                    id: "b".into(),
                    rect: Rectangle::new(Point::new(50, 0), Size::new(50, 50)),
                    enabled: false,
                },
            ],
            countdown: None,
            overflow: false,
            shrink: 0,
        };
        assert_eq!(layout.hit(Point::new(10, 10)), Some("a"));
        assert_eq!(layout.hit(Point::new(60, 10)), None);
        assert_eq!(layout.hit(Point::new(10, 60)), None);
        assert_eq!(layout.hit(Point::new(49, 49)), Some("a"));
        assert_eq!(layout.hit(Point::new(50, 49)), None);
        assert!(layout.button("b").is_some_and(|b| !b.enabled));
    }
}
