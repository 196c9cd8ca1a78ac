//! The renditions every upload is stored as: three fixed widths, each as WebP (what browsers
//! take) and JPEG (what older clients and e-mail take), named by the content's hash.

/// A rendition's width class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Size {
    /// 200 pixels wide: listings, search hits, the cart.
    Thumb,
    /// 800 pixels wide: the product page on a phone.
    Medium,
    /// 1600 pixels wide: zoom, wide screens.
    Large,
}

impl Size {
    /// Every size, smallest first.
    pub const ALL: [Size; 3] = [Self::Thumb, Self::Medium, Self::Large];

    /// The width a rendition of this size has at most (a smaller photo is never enlarged).
    pub fn width(self) -> u32 {
        match self {
            Self::Thumb => 200,
            Self::Medium => 800,
            Self::Large => 1600,
        }
    }

    /// Its name in URLs and answers.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Thumb => "thumb",
            Self::Medium => "medium",
            Self::Large => "large",
        }
    }

    /// The size named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// The encodings every size is stored in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// Lossy WebP (quality 80), the default answer.
    Webp,
    /// Baseline JPEG (quality 85), for clients that do not take WebP.
    Jpeg,
}

impl Encoding {
    /// Both encodings.
    pub const ALL: [Encoding; 2] = [Self::Webp, Self::Jpeg];

    /// The file extension of its objects, and its name in `?format=`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webp => "webp",
            Self::Jpeg => "jpeg",
        }
    }

    /// The encoding named `name` (`jpg` too).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "webp" => Some(Self::Webp),
            "jpeg" | "jpg" => Some(Self::Jpeg),
            _ => None,
        }
    }

    /// Its media type.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Webp => "image/webp",
            Self::Jpeg => "image/jpeg",
        }
    }
}

/// The store's key of the rendition of the content hashed `hash` (64 hex digits) at `size`
/// in `encoding`: `ab/abcdef…/thumb.webp`. Every upload of the same pixels names the same
/// objects, so they are stored once.
pub fn key(hash: &str, size: Size, encoding: Encoding) -> String {
    let shard = hash.get(..2).unwrap_or("00");
    format!("{shard}/{hash}/{}.{}", size.as_str(), encoding.as_str())
}

/// The keys of every rendition of `hash`.
pub fn keys(hash: &str) -> Vec<String> {
    Size::ALL
        .into_iter()
        .flat_map(|s| Encoding::ALL.into_iter().map(move |e| key(hash, s, e)))
        .collect()
}

/// The width and height of a `width` × `height` picture scaled to at most `size`'s width,
/// its proportions kept, never enlarged, at least one pixel high.
pub fn fit(width: u32, height: u32, size: Size) -> (u32, u32) {
    if width <= size.width() {
        return (width, height);
    }
    let w = size.width();
    let h = (u64::from(height) * u64::from(w) + u64::from(width) / 2) / u64::from(width);
    (w, u32::try_from(h.max(1)).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renditions_keep_proportions_and_never_upscale() {
        assert_eq!(fit(4000, 3000, Size::Large), (1600, 1200));
        assert_eq!(fit(4000, 3000, Size::Thumb), (200, 150));
        assert_eq!(fit(640, 480, Size::Large), (640, 480));
        assert_eq!(fit(640, 480, Size::Medium), (640, 480));
        assert_eq!(fit(10000, 1, Size::Thumb), (200, 1));
    }

    #[test]
    fn keys_name_the_content() {
        let h = "ab".repeat(32);
        assert_eq!(
            key(&h, Size::Thumb, Encoding::Webp),
            format!("ab/{h}/thumb.webp")
        );
        assert_eq!(keys(&h).len(), 6);
        assert_eq!(Size::parse("medium"), Some(Size::Medium));
        assert_eq!(Size::parse("huge"), None);
        assert_eq!(Encoding::parse("jpg"), Some(Encoding::Jpeg));
    }
}
