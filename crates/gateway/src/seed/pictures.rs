//! The demo products' photos, drawn by this code at seeding (no picture is committed): what
//! the product comes in (a bottle, a jar, a bag, a gift box, a bar, a leaf for tea and herbs,
//! a woven cloth, a basket) in its category's colours, on a soft gradient, 800 × 800 pixels,
//! as a PNG. They are the project's own work and licensed with it.
//!
//! Drawn row by row: every shape is, on each row, one span from a left to a right edge (the
//! edge pixels blended by how much of them the span covers), so a picture is a few thousand
//! slice fills, cheap even in a debug build.

use std::f32::consts::PI;

use image::{
    ExtendedColorType, ImageEncoder,
    codecs::png::{CompressionType, FilterType, PngEncoder},
};

/// The side of a picture, in pixels.
pub const SIZE: u32 = 800;

type Rgb = [u8; 3];

const WHITE: Rgb = [255, 255, 255];
const BLACK: Rgb = [0, 0, 0];
/// The paper of a label.
const CREAM: Rgb = [250, 244, 228];

/// What a product is drawn as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Fish sauce, oil, wine: a bottle with a cap and a label.
    Bottle,
    /// Honey, shrimp paste, pepper: a jar with a lid.
    Jar,
    /// Coffee, rice, dried fish: a stand-up pouch.
    Bag,
    /// Gift sets and boxed goods: a box with a ribbon.
    Box,
    /// Soap, beeswax, a rice cake: a block.
    Bar,
    /// Tea and herbs: a leaf.
    Leaf,
    /// Brocade: a folded striped cloth with diamonds.
    Cloth,
    /// Rattan and bamboo: a woven basket.
    Basket,
}

impl Kind {
    /// The picture of a product of `category` (its slug) sold by `unit` ("chai 500 ml").
    pub fn of(category: &str, unit: &str) -> Self {
        match category {
            "tra" | "duoc-lieu" => return Self::Leaf,
            "vai-det-thu-cong" | "trang-phuc" | "qua-luu-niem" => return Self::Cloth,
            "may-tre-dan" => return Self::Basket,
            _ => {}
        }
        let container = unit.split_whitespace().next().unwrap_or("").to_lowercase();
        match container.as_str() {
            "chai" => Self::Bottle,
            "hũ" | "lọ" => Self::Jar,
            "túi" | "gói" => Self::Bag,
            "khối" | "bánh" | "đòn" => Self::Bar,
            _ => Self::Box,
        }
    }
}

/// The colours of a category: the product's, an accent (cap, ribbon, label band) and the
/// background's top and bottom.
#[derive(Clone, Copy, Debug)]
struct Palette {
    main: Rgb,
    accent: Rgb,
    top: Rgb,
    bottom: Rgb,
}

/// The colours of each category (by slug): the product's, the accent, the background's top and
/// bottom.
#[rustfmt::skip]
const PALETTES: &[(&str, [Rgb; 4])] = &[
    ("gia-vi-nuoc-cham", [[150, 82, 30], [190, 40, 40], [252, 240, 220], [236, 208, 172]]),
    ("thuy-hai-san", [[70, 130, 180], [238, 150, 60], [228, 242, 252], [186, 212, 234]]),
    ("ca-phe", [[96, 60, 38], [204, 152, 82], [246, 236, 222], [214, 192, 166]]),
    ("tra", [[72, 150, 72], [30, 100, 50], [236, 248, 230], [198, 228, 188]]),
    ("mat-ong", [[228, 156, 28], [140, 80, 20], [255, 248, 222], [248, 222, 160]]),
    ("tinh-dau", [[120, 172, 92], [56, 108, 64], [240, 250, 236], [204, 230, 200]]),
    ("my-pham-thao-duoc", [[206, 184, 124], [150, 108, 172], [248, 240, 250], [224, 208, 234]]),
    ("gao-ngu-coc", [[232, 220, 186], [116, 160, 60], [250, 250, 236], [222, 228, 188]]),
    ("banh-keo-mut", [[214, 148, 88], [200, 70, 92], [255, 242, 236], [244, 204, 198]]),
    ("thuc-pham-che-bien", [[108, 150, 70], [200, 120, 60], [246, 246, 232], [214, 224, 194]]),
    ("thuc-pham-chuc-nang", [[170, 110, 60], [88, 140, 110], [240, 248, 244], [204, 228, 218]]),
    ("duoc-lieu", [[92, 132, 60], [132, 90, 50], [242, 246, 226], [210, 220, 178]]),
    ("ruou-do-uong-co-con", [[226, 218, 196], [150, 30, 40], [246, 236, 240], [214, 194, 204]]),
    ("vai-det-thu-cong", [[172, 40, 52], [34, 32, 64], [250, 240, 234], [226, 204, 198]]),
    ("trang-phuc", [[172, 40, 52], [34, 32, 64], [250, 240, 234], [226, 204, 198]]),
    ("qua-luu-niem", [[172, 40, 52], [34, 32, 64], [250, 240, 234], [226, 204, 198]]),
    ("may-tre-dan", [[204, 162, 100], [150, 108, 58], [246, 240, 226], [220, 208, 178]]),
];

/// The colours of a category without its own.
const OTHER: [Rgb; 4] = [
    [90, 120, 160],
    [200, 140, 60],
    [242, 244, 248],
    [206, 212, 224],
];

fn palette(category: &str) -> Palette {
    let [main, accent, top, bottom] = PALETTES
        .iter()
        .find(|(slug, _)| *slug == category)
        .map_or(OTHER, |(_, colours)| *colours);
    Palette {
        main,
        accent,
        top,
        bottom,
    }
}

fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    let t = t.clamp(0.0, 1.0);
    let m = |x: u8, y: u8| (f32::from(x) + (f32::from(y) - f32::from(x)) * t).round() as u8;
    [m(a[0], b[0]), m(a[1], b[1]), m(a[2], b[2])]
}

fn lighter(c: Rgb, t: f32) -> Rgb {
    mix(c, WHITE, t)
}

fn darker(c: Rgb, t: f32) -> Rgb {
    mix(c, BLACK, t)
}

/// An RGB picture being drawn.
struct Canvas {
    px: Vec<u8>,
}

/// Fills `row` (whole pixels) with `c`, doubling what is filled (a few copies, not a loop per
/// pixel).
fn fill(row: &mut [u8], c: Rgb) {
    if row.len() < 3 {
        return;
    }
    row[..3].copy_from_slice(&c);
    let mut done = 3;
    while done < row.len() {
        let n = done.min(row.len() - done);
        row.copy_within(..n, done);
        done += n;
    }
}

impl Canvas {
    fn new() -> Self {
        Self {
            px: vec![0; (SIZE * SIZE * 3) as usize],
        }
    }

    fn blend(&mut self, x: usize, y: usize, c: Rgb, a: f32) {
        let i = (y * SIZE as usize + x) * 3;
        let old = [self.px[i], self.px[i + 1], self.px[i + 2]];
        self.px[i..i + 3].copy_from_slice(&mix(old, c, a));
    }

    /// Paints row `y` from `x0` to `x1` in `c` at opacity `a`, the partly covered pixels at
    /// the ends blended by their coverage.
    fn span(&mut self, y: i32, x0: f32, x1: f32, c: Rgb, a: f32) {
        let size = SIZE as f32;
        let (x0, x1) = (x0.max(0.0), x1.min(size));
        if y < 0 || y >= SIZE as i32 || x1 <= x0 {
            return;
        }
        let y = y as usize;
        let (first, last) = (x0.ceil() as usize, x1.floor() as usize);
        if first > last {
            self.blend(x0.floor() as usize, y, c, a * (x1 - x0));
            return;
        }
        if x0 < first as f32 {
            self.blend(first - 1, y, c, a * (first as f32 - x0));
        }
        if x1 > last as f32 && last < SIZE as usize {
            self.blend(last, y, c, a * (x1 - last as f32));
        }
        if a >= 1.0 {
            let row = y * SIZE as usize * 3;
            fill(&mut self.px[row + first * 3..row + last * 3], c);
        } else {
            // Over a run of one colour (most of a row), the blend is worked out once.
            let row = y * SIZE as usize * 3;
            let (mut under, mut over) = ([0; 3], None);
            for x in first..last {
                let i = row + x * 3;
                let px = [self.px[i], self.px[i + 1], self.px[i + 2]];
                if over.is_none() || px != under {
                    (under, over) = (px, Some(mix(px, c, a)));
                }
                if let Some(over) = over {
                    self.px[i..i + 3].copy_from_slice(&over);
                }
            }
        }
    }

    /// Paints the rows from `top` to `bottom` where `edges(y)` (at the row's middle) gives the
    /// shape's left and right edges.
    fn shape(
        &mut self,
        top: f32,
        bottom: f32,
        c: Rgb,
        a: f32,
        edges: impl Fn(f32) -> Option<(f32, f32)>,
    ) {
        for y in top.floor() as i32..bottom.ceil() as i32 {
            let mid = y as f32 + 0.5;
            if mid < top || mid > bottom {
                continue;
            }
            if let Some((x0, x1)) = edges(mid) {
                self.span(y, x0, x1, c, a);
            }
        }
    }

    /// [`Canvas::shape`] lit from the left: a highlight near its left edge, a shadow along
    /// its right.
    fn solid(&mut self, top: f32, bottom: f32, c: Rgb, edges: impl Fn(f32) -> Option<(f32, f32)>) {
        self.shape(top, bottom, c, 1.0, &edges);
        let band = |from: f32, to: f32| {
            let edges = &edges;
            move |y: f32| edges(y).map(|(l, r)| (l + (r - l) * from, l + (r - l) * to))
        };
        self.shape(top, bottom, WHITE, 0.22, band(0.10, 0.24));
        self.shape(top, bottom, WHITE, 0.12, band(0.06, 0.30));
        self.shape(top, bottom, BLACK, 0.10, band(0.70, 1.0));
        self.shape(top, bottom, BLACK, 0.10, band(0.84, 1.0));
    }

    /// A straight stroke from (`x0`, `y0`) to (`x1`, `y1`), `width` wide.
    fn line(&mut self, (x0, y0): (f32, f32), (x1, y1): (f32, f32), width: f32, c: Rgb, a: f32) {
        let (top, bottom) = (y0.min(y1), y0.max(y1));
        let slope = if (y1 - y0).abs() < 1e-3 {
            0.0
        } else {
            (x1 - x0) / (y1 - y0)
        };
        let half = width / 2.0 * (1.0 + slope * slope).sqrt();
        let (left, right) = (x0.min(x1), x0.max(x1));
        self.shape(top - width / 2.0, bottom + width / 2.0, c, a, |y| {
            let x = x0 + (y.clamp(top, bottom) - y0) * slope;
            Some(((x - half).max(left - width), (x + half).min(right + width)))
        });
    }

    fn background(&mut self, p: &Palette, halo: f32) {
        for y in 0..SIZE as usize {
            let t = y as f32 / SIZE as f32;
            // The wall, then a table from two thirds down.
            let c = if t < 0.68 {
                mix(p.top, p.bottom, t / 0.68 * 0.6)
            } else {
                darker(mix(p.top, p.bottom, 0.6 + (t - 0.68)), 0.04)
            };
            let row = y * SIZE as usize * 3;
            fill(&mut self.px[row..row + SIZE as usize * 3], c);
        }
        let edges = ellipse(400.0, 400.0, halo + 10.0, halo);
        self.shape(400.0 - halo, 400.0 + halo, WHITE, 0.28, edges);
    }

    fn shadow(&mut self, y: f32, half: f32) {
        self.shape(
            y - 26.0,
            y + 26.0,
            BLACK,
            0.08,
            ellipse(400.0, y, half + 30.0, 26.0),
        );
        self.shape(
            y - 16.0,
            y + 16.0,
            BLACK,
            0.10,
            ellipse(400.0, y, half, 16.0),
        );
    }

    /// A label: a paper band with a coloured stripe and a round emblem.
    fn label(&mut self, top: f32, bottom: f32, half: f32, accent: Rgb, variation: usize) {
        self.shape(top, bottom, CREAM, 1.0, rect(400.0, half));
        let stripe = top + (bottom - top) * 0.18;
        self.shape(stripe, stripe + 22.0, accent, 1.0, rect(400.0, half));
        if variation % 2 == 1 {
            let low = bottom - (bottom - top) * 0.14;
            self.shape(low, low + 8.0, accent, 1.0, rect(400.0, half));
        }
        let cy = top + (bottom - top) * 0.62;
        let r = ((bottom - top) * 0.2).min(half * 0.5);
        self.shape(cy - r, cy + r, accent, 1.0, ellipse(400.0, cy, r, r));
        self.shape(
            cy - r * 0.6,
            cy + r * 0.6,
            CREAM,
            0.85,
            ellipse(400.0, cy, r * 0.6, r * 0.6),
        );
    }
}

/// The edges of an ellipse.
fn ellipse(cx: f32, cy: f32, rx: f32, ry: f32) -> impl Fn(f32) -> Option<(f32, f32)> {
    move |y| {
        let d = (y - cy) / ry;
        (d.abs() <= 1.0).then(|| {
            let h = rx * (1.0 - d * d).sqrt();
            (cx - h, cx + h)
        })
    }
}

/// The edges of a band `half` either side of `cx`.
fn rect(cx: f32, half: f32) -> impl Fn(f32) -> Option<(f32, f32)> {
    move |_| Some((cx - half, cx + half))
}

/// The edges of a rectangle from `top` to `bottom`, `half` either side of `cx`, its corners
/// rounded by `r`.
fn rounded(
    cx: f32,
    top: f32,
    bottom: f32,
    half: f32,
    r: f32,
) -> impl Fn(f32) -> Option<(f32, f32)> {
    move |y| {
        let d = if y < top + r {
            top + r - y
        } else if y > bottom - r {
            y - (bottom - r)
        } else {
            0.0
        };
        let inset = r - (r * r - d.min(r) * d.min(r)).sqrt();
        Some((cx - half + inset, cx + half - inset))
    }
}

fn smooth(t: f32) -> f32 {
    let t = t.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

fn bottle(c: &mut Canvas, p: &Palette, accent: Rgb, variation: usize) {
    c.shadow(728.0, 140.0);
    let glass = lighter(p.main, 0.35);
    c.solid(150.0, 250.0, glass, rect(400.0, 46.0));
    c.solid(240.0, 340.0, p.main, |y| {
        let h = 46.0 + (124.0 - 46.0) * smooth((y - 240.0) / 100.0);
        Some((400.0 - h, 400.0 + h))
    });
    c.solid(
        330.0,
        732.0,
        p.main,
        rounded(400.0, 300.0, 732.0, 124.0, 40.0),
    );
    c.solid(
        104.0,
        160.0,
        darker(accent, 0.1),
        rounded(400.0, 104.0, 160.0, 56.0, 10.0),
    );
    c.label(430.0, 630.0, 124.0, accent, variation);
    // The glass's shine.
    c.shape(
        270.0,
        700.0,
        WHITE,
        0.22,
        rounded(306.0, 270.0, 700.0, 9.0, 9.0),
    );
}

fn jar(c: &mut Canvas, p: &Palette, accent: Rgb, variation: usize) {
    c.shadow(718.0, 190.0);
    c.solid(
        300.0,
        722.0,
        p.main,
        rounded(400.0, 300.0, 722.0, 176.0, 60.0),
    );
    c.shape(300.0, 322.0, darker(p.main, 0.25), 1.0, rect(400.0, 150.0));
    c.solid(
        232.0,
        306.0,
        accent,
        rounded(400.0, 232.0, 306.0, 162.0, 14.0),
    );
    for y in [252.0, 270.0, 288.0] {
        c.shape(y, y + 4.0, darker(accent, 0.3), 0.6, rect(400.0, 160.0));
    }
    c.label(420.0, 610.0, 176.0, accent, variation);
    c.shape(
        350.0,
        690.0,
        WHITE,
        0.2,
        rounded(262.0, 350.0, 690.0, 10.0, 10.0),
    );
}

fn bag(c: &mut Canvas, p: &Palette, accent: Rgb, variation: usize) {
    c.shadow(722.0, 190.0);
    let edges = |y: f32| {
        let t = (y - 200.0) / 524.0;
        let h = 158.0 + 36.0 * t;
        let inset = rounded(400.0, 200.0, 724.0, h, 30.0)(y).map_or(0.0, |(l, _)| l - (400.0 - h));
        Some((400.0 - h + inset, 400.0 + h - inset))
    };
    c.solid(200.0, 724.0, p.main, edges);
    c.shape(200.0, 238.0, darker(p.main, 0.22), 1.0, edges);
    c.shape(262.0, 268.0, darker(p.main, 0.3), 1.0, edges);
    c.shape(
        224.0,
        234.0,
        lighter(p.main, 0.4),
        1.0,
        ellipse(520.0, 229.0, 6.0, 5.0),
    );
    c.shape(
        390.0,
        610.0,
        CREAM,
        1.0,
        rounded(400.0, 390.0, 610.0, 124.0, 18.0),
    );
    c.label(405.0, 600.0, 112.0, accent, variation);
}

fn gift_box(c: &mut Canvas, p: &Palette, accent: Rgb, _variation: usize) {
    c.shadow(712.0, 220.0);
    c.solid(340.0, 712.0, p.main, rect(400.0, 220.0));
    let lid = |y: f32| {
        let up = 340.0 - y;
        let (h, cx) = (220.0 - up * 0.45, 400.0 + up * 0.3);
        Some((cx - h, cx + h))
    };
    c.shape(262.0, 340.0, lighter(p.main, 0.25), 1.0, lid);
    c.shape(340.0, 352.0, darker(p.main, 0.2), 1.0, rect(400.0, 220.0));
    c.solid(340.0, 712.0, accent, rect(400.0, 18.0));
    c.shape(262.0, 340.0, lighter(accent, 0.15), 1.0, |y| {
        let cx = 400.0 + (340.0 - y) * 0.3;
        Some((cx - 16.0, cx + 16.0))
    });
    c.shape(300.0, 318.0, lighter(accent, 0.15), 1.0, lid);
    c.solid(226.0, 290.0, accent, ellipse(372.0, 258.0, 46.0, 30.0));
    c.solid(226.0, 290.0, accent, ellipse(464.0, 258.0, 46.0, 30.0));
    c.solid(
        244.0,
        276.0,
        darker(accent, 0.25),
        ellipse(418.0, 260.0, 16.0, 16.0),
    );
}

fn bar(c: &mut Canvas, p: &Palette, accent: Rgb, _variation: usize) {
    c.shadow(622.0, 230.0);
    c.solid(
        420.0,
        624.0,
        p.main,
        rounded(400.0, 420.0, 624.0, 232.0, 22.0),
    );
    c.shape(344.0, 420.0, lighter(p.main, 0.3), 1.0, |y| {
        let up = 420.0 - y;
        let (h, cx) = (232.0 - up * 0.35, 400.0 + up * 0.4);
        Some((cx - h, cx + h))
    });
    c.shape(468.0, 576.0, WHITE, 0.3, ellipse(400.0, 522.0, 124.0, 54.0));
    c.shape(
        484.0,
        560.0,
        darker(p.main, 0.2),
        0.5,
        ellipse(400.0, 522.0, 100.0, 38.0),
    );
    c.shape(376.0, 392.0, accent, 1.0, ellipse(430.0, 384.0, 60.0, 8.0));
}

fn leaf(c: &mut Canvas, p: &Palette, accent: Rgb, variation: usize) {
    c.shadow(712.0, 150.0);
    let (top, bottom) = (140.0, 660.0);
    let centre = |y: f32| 400.0 - (y - 400.0) * 0.25;
    let half = |y: f32| {
        let t = ((y - top) / (bottom - top)).clamp(0.0, 1.0);
        215.0 * (PI * t.powf(0.8)).sin().max(0.0).powf(0.9)
    };
    if variation % 2 == 1 {
        // A younger leaf behind.
        c.solid(250.0, 620.0, lighter(p.main, 0.25), |y| {
            let t = ((y - 250.0) / 370.0).clamp(0.0, 1.0);
            let h = 110.0 * (PI * t).sin();
            let cx = 250.0 + (y - 430.0) * 0.5;
            Some((cx - h, cx + h))
        });
    }
    c.solid(top, bottom, p.main, |y| {
        let (cx, h) = (centre(y), half(y));
        Some((cx - h, cx + h))
    });
    let vein = darker(p.main, 0.28);
    c.line(
        (centre(165.0), 165.0),
        (centre(bottom), bottom),
        7.0,
        vein,
        0.9,
    );
    for k in 1..=5 {
        let y = 215.0 + k as f32 * 72.0;
        let (cx, reach) = (centre(y), half(y - 50.0) * 0.72);
        c.line((cx, y), (cx - reach, y - 70.0), 5.0, vein, 0.7);
        c.line((cx, y), (cx + reach, y - 70.0), 5.0, vein, 0.7);
    }
    c.line(
        (centre(bottom), bottom - 4.0),
        (315.0, 735.0),
        10.0,
        darker(accent, 0.1),
        1.0,
    );
}

fn cloth(c: &mut Canvas, p: &Palette, accent: Rgb, variation: usize) {
    c.shadow(668.0, 250.0);
    let edges = rounded(400.0, 250.0, 660.0, 262.0, 14.0);
    c.solid(250.0, 660.0, p.main, &edges);
    let gold = [238, 196, 64];
    let band_h = 46.0;
    for b in 0..4 {
        let y0 = 282.0 + b as f32 * 92.0;
        c.shape(y0, y0 + band_h, accent, 1.0, &edges);
        c.shape(y0 - 10.0, y0 - 4.0, gold, 1.0, &edges);
        let offset = if (b + variation).is_multiple_of(2) {
            0.0
        } else {
            22.0
        };
        for j in 0..13 {
            let cx = 160.0 + offset + j as f32 * 44.0;
            if cx > 640.0 {
                continue;
            }
            let mid = y0 + band_h / 2.0;
            c.shape(y0 + 4.0, y0 + band_h - 4.0, gold, 1.0, move |y| {
                let h = 19.0 - (y - mid).abs();
                (h > 0.0).then_some((cx - h, cx + h))
            });
            c.shape(mid - 6.0, mid + 6.0, p.main, 1.0, move |y| {
                let h = 6.0 - (y - mid).abs();
                (h > 0.0).then_some((cx - h, cx + h))
            });
        }
    }
    // The fringe.
    for j in 0..33 {
        let x = 148.0 + j as f32 * 15.8;
        c.shape(660.0, 700.0, darker(p.main, 0.15), 1.0, rect(x, 2.5));
    }
}

fn basket(c: &mut Canvas, p: &Palette, accent: Rgb, _variation: usize) {
    c.shadow(702.0, 200.0);
    // The handle: a ring above the rim.
    let (outer, inner) = (
        ellipse(400.0, 410.0, 196.0, 240.0),
        ellipse(400.0, 410.0, 170.0, 214.0),
    );
    for y in 170..410 {
        let mid = y as f32 + 0.5;
        if let Some((l, r)) = outer(mid) {
            let (il, ir) = inner(mid).unwrap_or((400.0, 400.0));
            c.span(y, l, il, accent, 1.0);
            c.span(y, ir, r, darker(accent, 0.2), 1.0);
        }
    }
    let body = |y: f32| {
        let t = (y - 400.0) / 300.0;
        let h = 272.0 - 80.0 * t;
        let inset = rounded(400.0, 400.0, 700.0, h, 50.0)(y).map_or(0.0, |(l, _)| l - (400.0 - h));
        Some((400.0 - h + inset, 400.0 + h - inset))
    };
    c.solid(400.0, 700.0, p.main, body);
    let weave = darker(p.main, 0.18);
    for row in 0..11 {
        let y0 = 410.0 + row as f32 * 27.0;
        for j in 0..16 {
            if (j + row) % 2 == 1 {
                continue;
            }
            let x0 = 112.0 + j as f32 * 36.0;
            c.shape(y0, y0 + 27.0, weave, 0.8, move |y| {
                body(y).and_then(|(l, r)| {
                    let (a, b) = (x0.max(l), (x0 + 36.0).min(r));
                    (b > a).then_some((a, b))
                })
            });
        }
        c.shape(y0 - 1.5, y0 + 1.5, darker(p.main, 0.35), 0.5, body);
    }
    c.solid(372.0, 430.0, accent, ellipse(400.0, 401.0, 280.0, 29.0));
    c.shape(
        384.0,
        418.0,
        darker(p.main, 0.45),
        1.0,
        ellipse(400.0, 401.0, 252.0, 17.0),
    );
}

/// The picture of a product drawn as `kind`, in `category`'s colours, as RGB pixels;
/// `variation` (the product's place in its stall) changes the accent and details and `stall`
/// (the stall's place) the light behind, so no two demo products share a photo.
pub fn draw(kind: Kind, category: &str, variation: usize, stall: usize) -> Vec<u8> {
    let mut p = palette(category);
    // A slightly different wall for each product.
    p.top = mix(p.top, p.accent, 0.03 * (variation % 5) as f32);
    let accent = match variation % 3 {
        0 => p.accent,
        1 => mix(p.accent, p.main, 0.35),
        _ => darker(p.accent, 0.25),
    };
    let mut c = Canvas::new();
    c.background(&p, 250.0 + 5.0 * (stall % 16) as f32);
    let paint = match kind {
        Kind::Bottle => bottle,
        Kind::Jar => jar,
        Kind::Bag => bag,
        Kind::Box => gift_box,
        Kind::Bar => bar,
        Kind::Leaf => leaf,
        Kind::Cloth => cloth,
        Kind::Basket => basket,
    };
    paint(&mut c, &p, accent, variation);
    c.px
}

/// [`draw`] as a PNG file.
pub fn png(
    kind: Kind,
    category: &str,
    variation: usize,
    stall: usize,
) -> image::ImageResult<Vec<u8>> {
    let pixels = draw(kind, category, variation, stall);
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive)
        .write_image(&pixels, SIZE, SIZE, ExtendedColorType::Rgb8)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_are_drawn_as_what_they_come_in() {
        assert_eq!(Kind::of("gia-vi-nuoc-cham", "chai 500 ml"), Kind::Bottle);
        assert_eq!(Kind::of("mat-ong", "hũ 500 ml"), Kind::Jar);
        assert_eq!(Kind::of("ca-phe", "gói 500 g"), Kind::Bag);
        assert_eq!(Kind::of("tra", "hộp 100 g"), Kind::Leaf);
        assert_eq!(Kind::of("gia-vi-nuoc-cham", "hộp 3 chai"), Kind::Box);
        assert_eq!(Kind::of("my-pham-thao-duoc", "bánh 100 g"), Kind::Bar);
        assert_eq!(Kind::of("trang-phuc", "chiếc"), Kind::Cloth);
        assert_eq!(Kind::of("may-tre-dan", "chiếc"), Kind::Basket);
    }

    #[test]
    #[ignore = "writes a sheet of every kind to DEMO_PICTURES_SHEET, to look at"]
    fn a_sheet_of_every_kind() {
        let Ok(path) = std::env::var("DEMO_PICTURES_SHEET") else {
            return;
        };
        let (cell, cols) = (400usize, 4usize);
        let kinds = [
            (Kind::Bottle, "gia-vi-nuoc-cham"),
            (Kind::Jar, "mat-ong"),
            (Kind::Bag, "ca-phe"),
            (Kind::Box, "gia-vi-nuoc-cham"),
            (Kind::Bar, "my-pham-thao-duoc"),
            (Kind::Leaf, "tra"),
            (Kind::Cloth, "vai-det-thu-cong"),
            (Kind::Basket, "may-tre-dan"),
        ];
        let rows = kinds.len().div_ceil(cols);
        let mut sheet = vec![255u8; cell * cols * cell * rows * 3];
        for (n, (kind, category)) in kinds.into_iter().enumerate() {
            let px = draw(kind, category, n, 0);
            for y in 0..cell {
                for x in 0..cell {
                    let from = ((y * 2) * SIZE as usize + x * 2) * 3;
                    let to = (((n / cols) * cell + y) * cell * cols + (n % cols) * cell + x) * 3;
                    sheet[to..to + 3].copy_from_slice(&px[from..from + 3]);
                }
            }
        }
        let mut out = Vec::new();
        PngEncoder::new(&mut out)
            .write_image(
                &sheet,
                (cell * cols) as u32,
                (cell * rows) as u32,
                ExtendedColorType::Rgb8,
            )
            .unwrap();
        std::fs::write(path, out).unwrap();
    }

    #[test]
    fn every_kind_draws_a_png_and_variations_differ() {
        let kinds = [
            Kind::Bottle,
            Kind::Jar,
            Kind::Bag,
            Kind::Box,
            Kind::Bar,
            Kind::Leaf,
            Kind::Cloth,
            Kind::Basket,
        ];
        let mut seen = std::collections::HashSet::new();
        for kind in kinds {
            for (variation, stall) in [(0, 0), (1, 0), (0, 1)] {
                let file = png(kind, "gia-vi-nuoc-cham", variation, stall).unwrap();
                assert!(file.starts_with(b"\x89PNG"), "{kind:?}");
                let pixels = draw(kind, "gia-vi-nuoc-cham", variation, stall);
                assert!(seen.insert(pixels), "{kind:?} {variation} {stall}");
            }
        }
    }
}
