//! Drawing a composed screen onto any DrawTarget.

use super::RenderOptions;
use super::compose::{compose, compose_badge};
use super::layout::Layout;
use super::widgets::Item;
use crate::Screen;
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::{
    Circle, PrimitiveStyle, PrimitiveStyleBuilder, Rectangle, RoundedRectangle, StrokeAlignment,
};

/// Draws `screen` onto `target` (its top left `opts.size` pixels) and returns where every button
/// went. A pure function of the screen and the options: the same input draws the same pixels.
pub fn render<D>(screen: &Screen, opts: &RenderOptions, target: &mut D) -> Result<Layout, D::Error>
where
    D: DrawTarget<Color = Rgb888>,
{
    let frame = compose(screen, opts);
    target.fill_solid(&Rectangle::new(Point::zero(), opts.size), frame.background)?;
    draw_items(&frame.items, target)?;
    draw_items(&frame.badge, target)?;
    Ok(frame.layout)
}

/// Where [`render`] would put every button, without drawing.
pub fn layout(screen: &Screen, opts: &RenderOptions) -> Layout {
    compose(screen, opts).layout
}

/// Redraws only the countdown badge for `screen.countdown`, in the slot of `layout` (what the
/// last full [`render`] of this screen returned): the pixels are those a full render would draw.
/// Returns `false`, drawing nothing, when that cannot be done (no countdown now, or no slot for
/// one): then render the whole screen.
pub fn redraw_countdown<D>(
    screen: &Screen,
    opts: &RenderOptions,
    layout: &Layout,
    target: &mut D,
) -> Result<bool, D::Error>
where
    D: DrawTarget<Color = Rgb888>,
{
    let (Some(seconds), Some(rect)) = (screen.countdown, layout.countdown) else { return Ok(false) };
    let items = compose_badge(seconds, rect, opts, layout.shrink);
    // The badge's rounded corners show the background.
    let background = super::theme::Palette::new(opts.accessible).background;
    target.fill_solid(&rect, background)?;
    draw_items(&items, target)?;
    Ok(true)
}

/// Draws display-list items in order.
pub fn draw_items<D>(items: &[Item], target: &mut D) -> Result<(), D::Error>
where
    D: DrawTarget<Color = Rgb888>,
{
    for item in items {
        match item {
            Item::Fill { rect, color, radius: 0 } => target.fill_solid(rect, *color)?,
            Item::Fill { rect, color, radius } => RoundedRectangle::with_equal_corners(*rect, Size::new_equal(*radius))
                .into_styled(PrimitiveStyle::with_fill(*color))
                .draw(target)?,
            Item::Outline { rect, color, width, radius } => {
                let style = PrimitiveStyleBuilder::new()
                    .stroke_color(*color)
                    .stroke_width(*width)
                    .stroke_alignment(StrokeAlignment::Inside)
                    .build();
                RoundedRectangle::with_equal_corners(*rect, Size::new_equal(*radius)).into_styled(style).draw(target)?
            }
            Item::Dot { top_left, diameter, color } => {
                Circle::new(*top_left, *diameter).into_styled(PrimitiveStyle::with_fill(*color)).draw(target)?
            }
            Item::Text(p) => {
                for (line, at) in p.line_positions() {
                    p.face.draw(line, at, p.color, target)?;
                }
            }
        }
    }
    Ok(())
}
