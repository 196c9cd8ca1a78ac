//! What an upload is, decided by its first bytes (never by its name or the type the client
//! declared), and whether a JPEG's data runs to its end.

/// The formats an upload may be in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceFormat {
    /// JPEG (`FF D8 FF`).
    Jpeg,
    /// PNG (its eight-byte signature).
    Png,
    /// WebP (`RIFF....WEBP`).
    Webp,
}

/// The PNG signature.
const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// How many first bytes [`SourceFormat::sniff`] needs to decide.
pub const SNIFF_BYTES: usize = 12;

impl SourceFormat {
    /// Every format, for listing them to a client.
    pub const ALL: [SourceFormat; 3] = [Self::Jpeg, Self::Png, Self::Webp];

    /// The format whose magic bytes `head` starts with; `None` for anything else (text, PDF,
    /// HEIC, GIF...), whatever the file was named.
    pub fn sniff(head: &[u8]) -> Option<Self> {
        if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if head.starts_with(&PNG_SIGNATURE) {
            Some(Self::Png)
        } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
            Some(Self::Webp)
        } else {
            None
        }
    }

    /// Its media type, as stored in `media.source_mime`.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
        }
    }

    /// The format stored as `mime`; `None` for a value no format has (corrupt data).
    pub fn from_mime(mime: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.mime() == mime)
    }

    /// The `image` crate's name for it.
    pub(crate) fn image_format(self) -> image::ImageFormat {
        match self {
            Self::Jpeg => image::ImageFormat::Jpeg,
            Self::Png => image::ImageFormat::Png,
            Self::Webp => image::ImageFormat::WebP,
        }
    }
}

/// Whether the JPEG in `bytes` reaches its end-of-image marker: the decoder is lenient and
/// paints a truncated photo's missing rows grey, which a vendor would rather be told about.
///
/// Walks the marker segments (their lengths skip APP1's EXIF thumbnail and every table), then
/// each scan's entropy-coded data, where `FF` is always followed by `00` or a restart marker
/// unless a marker begins, until `EOI`. Bytes after `EOI` (the video some phones append) are
/// not looked at.
pub(crate) fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let mut i = 2; // after SOI
    loop {
        // Fill bytes (FF FF ...) may precede a marker.
        while bytes.get(i) == Some(&0xFF) && bytes.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (bytes.get(i), bytes.get(i + 1)) else {
            return false;
        };
        i += 2;
        match marker {
            0xD9 => return true,
            // Markers without a length.
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let (Some(&hi), Some(&lo)) = (bytes.get(i), bytes.get(i + 1)) else {
            return false;
        };
        let length = usize::from(hi) << 8 | usize::from(lo);
        if length < 2 {
            return false;
        }
        i += length;
        if marker == 0xDA {
            // The scan's data runs to the next marker that is not a restart.
            loop {
                match (bytes.get(i), bytes.get(i + 1)) {
                    (Some(&0xFF), Some(&next)) if next == 0x00 || (0xD0..=0xD7).contains(&next) => {
                        i += 2;
                    }
                    (Some(&0xFF), Some(_)) => break,
                    (Some(_), _) => i += 1,
                    (None, _) => return false,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_content_decides_not_the_name() {
        assert_eq!(
            SourceFormat::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(SourceFormat::Jpeg)
        );
        assert_eq!(SourceFormat::sniff(&PNG_SIGNATURE), Some(SourceFormat::Png));
        assert_eq!(
            SourceFormat::sniff(b"RIFF\x10\0\0\0WEBPVP8 "),
            Some(SourceFormat::Webp)
        );
        assert_eq!(SourceFormat::sniff(b"RIFF\x10\0\0\0WAVEfmt "), None);
        assert_eq!(SourceFormat::sniff(b"GIF89a"), None);
        assert_eq!(SourceFormat::sniff(b"Xin chao"), None);
        assert_eq!(SourceFormat::sniff(b""), None);
        for f in SourceFormat::ALL {
            assert_eq!(SourceFormat::from_mime(f.mime()), Some(f));
        }
    }

    #[test]
    fn a_jpeg_is_complete_only_with_its_end_marker_after_the_scan() {
        // SOI, an APP0 segment, SOS with entropy data holding stuffed FF 00 and a restart, EOI.
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00];
        jpeg.extend([
            0xFF, 0xDA, 0x00, 0x03, 0x00, 0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56,
        ]);
        let cut = jpeg.clone();
        jpeg.extend([0xFF, 0xD9]);
        assert!(jpeg_is_complete(&jpeg));
        assert!(!jpeg_is_complete(&cut));
        assert!(!jpeg_is_complete(&jpeg[..5]));
        // An end marker inside an APP1 segment (an EXIF thumbnail) does not end the image.
        let mut with_thumb = vec![0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x06, 0xFF, 0xD9, 0x00, 0x00];
        with_thumb.extend(&cut[8..]);
        assert!(!jpeg_is_complete(&with_thumb));
        with_thumb.extend([0xFF, 0xD9, 0x00, 0x00, 0x01]);
        assert!(
            jpeg_is_complete(&with_thumb),
            "what follows EOI is not read"
        );
    }
}
