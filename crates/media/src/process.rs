//! The pixel work of an upload, synchronous and pure (the service runs it on a blocking
//! thread): read the header and refuse too many pixels before decoding, decode, turn the
//! picture upright by its EXIF orientation, hash the pixels, and encode every rendition from
//! them, so nothing of the file but its pixels (no EXIF, GPS, XMP or comment) survives.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageReader, imageops::FilterType};
use sha2::{Digest, Sha256};

use crate::{
    error::{MediaError, Result},
    format::{SourceFormat, jpeg_is_complete},
    rendition::{Encoding, Size, fit},
};

/// WebP quality: photos stay sharp at a third of JPEG's bytes.
const WEBP_QUALITY: f32 = 80.0;
/// JPEG quality.
const JPEG_QUALITY: u8 = 85;

/// One encoded rendition.
#[derive(Clone, Debug)]
pub struct Rendition {
    /// Its width class.
    pub size: Size,
    /// Its encoding.
    pub encoding: Encoding,
    /// The encoded file.
    pub bytes: Vec<u8>,
}

/// What an upload becomes.
#[derive(Clone, Debug)]
pub struct Processed {
    /// SHA-256 of the upright pixels (hex): the same photo is the same hash, whatever metadata
    /// or container it came in.
    pub hash: String,
    /// The upright picture's width.
    pub width: u32,
    /// The upright picture's height.
    pub height: u32,
    /// Every size in every encoding.
    pub renditions: Vec<Rendition>,
}

impl Processed {
    /// The bytes its renditions take in the store.
    pub fn stored_bytes(&self) -> u64 {
        self.renditions.iter().map(|r| r.bytes.len() as u64).sum()
    }
}

/// Decodes `bytes` (already known to be `format`) and makes its renditions; refuses an image
/// of more than `max_pixels` from its header alone, so a small file claiming 20000 × 20000
/// pixels allocates nothing.
pub fn process(bytes: &[u8], format: SourceFormat, max_pixels: u64) -> Result<Processed> {
    let picture = decode(bytes, format, max_pixels)?;
    let (width, height) = (picture.width(), picture.height());
    let hash = hash(&picture);
    let mut renditions = Vec::with_capacity(Size::ALL.len() * Encoding::ALL.len());
    // Largest first, each from the one before: less work than from the original each time.
    let mut source = picture;
    let mut encoded_at = None;
    for size in Size::ALL.into_iter().rev() {
        let (w, h) = fit(source.width(), source.height(), size);
        if (w, h) != (source.width(), source.height()) {
            source = source.resize_exact(w, h, FilterType::CatmullRom);
        }
        for encoding in Encoding::ALL {
            // A picture no wider than the size above is the same pixels at both: the same
            // file, encoded once.
            let same = renditions
                .iter()
                .rev()
                .find(|r: &&Rendition| encoded_at == Some((w, h)) && r.encoding == encoding)
                .map(|r| r.bytes.clone());
            let bytes = match same {
                Some(bytes) => bytes,
                None => encode(&source, encoding)?,
            };
            renditions.push(Rendition {
                size,
                encoding,
                bytes,
            });
        }
        encoded_at = Some((w, h));
    }
    Ok(Processed {
        hash,
        width,
        height,
        renditions,
    })
}

/// The upright picture in `bytes`, as 8-bit RGB, or RGBA where it has transparency.
fn decode(bytes: &[u8], format: SourceFormat, max_pixels: u64) -> Result<DynamicImage> {
    let unreadable = |e: image::ImageError| MediaError::Unreadable(e.to_string());
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    let mut limits = image::Limits::default();
    // The decoders refuse to allocate more than the pixel limit needs (RGBA, 16 bits a
    // channel for PNG's deep images), whatever a header claims.
    limits.max_alloc = Some(max_pixels.saturating_mul(8).saturating_add(1 << 20));
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(MediaError::TooManyPixels {
            width,
            height,
            max_pixels,
        });
    }
    if width == 0 || height == 0 {
        return Err(MediaError::Unreadable("no pixels".into()));
    }
    let orientation = decoder.orientation().map_err(unreadable)?;
    let mut picture = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    if format == SourceFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(MediaError::Unreadable("the JPEG data ends early".into()));
    }
    picture.apply_orientation(orientation);
    Ok(if picture.color().has_alpha() {
        DynamicImage::ImageRgba8(picture.into_rgba8())
    } else {
        DynamicImage::ImageRgb8(picture.into_rgb8())
    })
}

/// SHA-256 over the size, the channel count and the pixels.
fn hash(picture: &DynamicImage) -> String {
    let mut h = Sha256::new();
    h.update(picture.width().to_be_bytes());
    h.update(picture.height().to_be_bytes());
    h.update([picture.color().channel_count()]);
    h.update(picture.as_bytes());
    hex::encode(h.finalize())
}

/// `picture` encoded as `encoding`, with no metadata.
fn encode(picture: &DynamicImage, encoding: Encoding) -> Result<Vec<u8>> {
    let (w, h) = (picture.width(), picture.height());
    match encoding {
        Encoding::Webp => {
            let encoder = match picture {
                DynamicImage::ImageRgba8(p) => webp::Encoder::from_rgba(p.as_raw(), w, h),
                other => webp::Encoder::from_rgb(other.as_bytes(), w, h),
            };
            let memory = encoder
                .encode_simple(false, WEBP_QUALITY)
                .map_err(|e| MediaError::Unreadable(format!("WebP encoding failed: {e:?}")))?;
            Ok(memory.to_vec())
        }
        Encoding::Jpeg => {
            // JPEG has no transparency: the picture is flattened (transparent pixels take
            // their colour channels as they are).
            let rgb = picture.to_rgb8();
            let mut out = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
                .encode_image(&rgb)
                .map_err(|e| MediaError::Unreadable(e.to_string()))?;
            Ok(out)
        }
    }
}
