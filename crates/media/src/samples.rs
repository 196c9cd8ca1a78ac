//! Test pictures made in code (no binary fixtures): a phone-like JPEG carrying GPS in EXIF
//! and XMP, a PNG, a header claiming a huge picture, and the checks that a rendition carries
//! no metadata. Public for the gateway's tests.

use std::io::Cursor;

use image::{ImageEncoder, RgbImage, RgbaImage};

/// A `width` × `height` gradient, different for each `seed`.
pub fn picture(width: u32, height: u32, seed: u8) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([
            (x % 251) as u8 ^ seed,
            (y % 241) as u8,
            ((x + y) % 239) as u8 ^ seed.rotate_left(3),
        ])
    })
}

/// A plain JPEG of [`picture`].
pub fn jpeg(width: u32, height: u32, seed: u8) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&picture(width, height, seed))
        .unwrap_or_default();
    out
}

/// A PNG of [`picture`], with transparency when `alpha`.
pub fn png(width: u32, height: u32, seed: u8, alpha: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let encoder = image::codecs::png::PngEncoder::new(Cursor::new(&mut out));
    let rgb = picture(width, height, seed);
    let result = if alpha {
        let rgba = RgbaImage::from_fn(width, height, |x, y| {
            let p = rgb.get_pixel(x, y).0;
            image::Rgba([p[0], p[1], p[2], (x % 256) as u8])
        });
        encoder.write_image(
            rgba.as_raw(),
            width,
            height,
            image::ExtendedColorType::Rgba8,
        )
    } else {
        encoder.write_image(rgb.as_raw(), width, height, image::ExtendedColorType::Rgb8)
    };
    result.map(|()| out).unwrap_or_default()
}

/// The GPS position the phone JPEG carries, as its XMP writes it.
pub const XMP_GPS: &str = "16,48.5N";

/// A JPEG as a phone writes one: [`jpeg`] with an EXIF APP1 segment holding the orientation
/// `orientation` (6: the camera was turned, the picture must be turned 90° clockwise) and a
/// GPS position (16°48'30" N, 107°6'0" E: Quảng Trị), and an XMP APP1 segment with the same.
pub fn phone_jpeg(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    let plain = jpeg(width, height, 7);
    let mut out = plain[..2].to_vec(); // SOI
    out.extend(app1(&exif(orientation)));
    let xmp = format!(
        "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF \
         xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description \
         xmlns:exif=\"http://ns.adobe.com/exif/1.0/\" exif:GPSLatitude=\"{XMP_GPS}\"/>\
         </rdf:RDF></x:xmpmeta>"
    );
    out.extend(app1(xmp.as_bytes()));
    out.extend(&plain[2..]);
    out
}

fn app1(payload: &[u8]) -> Vec<u8> {
    let len = u16::try_from(payload.len() + 2).unwrap_or(u16::MAX);
    let mut seg = vec![0xFF, 0xE1];
    seg.extend(len.to_be_bytes());
    seg.extend(payload);
    seg
}

/// `Exif\0\0` and a little-endian TIFF: IFD0 with Orientation and a pointer to a GPS IFD
/// holding the latitude and longitude with their references.
fn exif(orientation: u16) -> Vec<u8> {
    let mut t: Vec<u8> = b"II*\0".to_vec();
    t.extend(8u32.to_le_bytes()); // IFD0 at 8
    let entry = |tag: u16, kind: u16, count: u32, value: [u8; 4]| {
        let mut e = tag.to_le_bytes().to_vec();
        e.extend(kind.to_le_bytes());
        e.extend(count.to_le_bytes());
        e.extend(value);
        e
    };
    // IFD0: 2 entries (8 + 2 + 2*12 + 4 = 38); the GPS IFD at 38.
    let gps_at: u32 = 38;
    t.extend(2u16.to_le_bytes());
    let o = orientation.to_le_bytes();
    t.extend(entry(0x0112, 3, 1, [o[0], o[1], 0, 0]));
    t.extend(entry(0x8825, 4, 1, gps_at.to_le_bytes()));
    t.extend(0u32.to_le_bytes());
    // GPS IFD: 4 entries (2 + 4*12 + 4 = 54), its rationals after it at 38 + 54 = 92.
    let rationals_at: u32 = gps_at + 54;
    t.extend(4u16.to_le_bytes());
    t.extend(entry(0x0001, 2, 2, *b"N\0\0\0"));
    t.extend(entry(0x0002, 5, 3, rationals_at.to_le_bytes()));
    t.extend(entry(0x0003, 2, 2, *b"E\0\0\0"));
    t.extend(entry(0x0004, 5, 3, (rationals_at + 24).to_le_bytes()));
    t.extend(0u32.to_le_bytes());
    for (n, d) in [(16u32, 1u32), (48, 1), (30, 1), (107, 1), (6, 1), (0, 1)] {
        t.extend(n.to_le_bytes());
        t.extend(d.to_le_bytes());
    }
    let mut out = b"Exif\0\0".to_vec();
    out.extend(t);
    out
}

/// The first bytes of a PNG claiming `width` × `height` pixels: its signature, its IHDR, a
/// few bytes of IDAT and IEND; a few dozen bytes in all.
pub fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]); // 8 bits, RGB
    out.extend(chunk(b"IHDR", &ihdr));
    out.extend(chunk(b"IDAT", &[0x78, 0x9C, 0x63, 0x00, 0x00]));
    out.extend(chunk(b"IEND", &[]));
    out
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = u32::try_from(data.len())
        .unwrap_or(0)
        .to_be_bytes()
        .to_vec();
    c.extend(kind);
    c.extend(data);
    let crc = crc32(&c[4..]);
    c.extend(crc.to_be_bytes());
    c
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// The metadata markers found in `file`: EXIF (`Exif\0`, `EXIF` chunks), XMP, the GPS text the
/// phone JPEG's XMP carries, and a JPEG's APP1 segment before its first scan.
pub fn metadata_in(file: &[u8]) -> Vec<&'static str> {
    let has = |needle: &[u8]| file.windows(needle.len()).any(|w| w == needle);
    let mut found = Vec::new();
    for (name, needle) in [
        ("Exif", &b"Exif\0"[..]),
        ("EXIF chunk", b"EXIF"),
        ("XMP", b"xmpmeta"),
        ("XMP chunk", b"XMP "),
        ("XMP namespace", b"ns.adobe.com"),
        ("GPS", XMP_GPS.as_bytes()),
    ] {
        if has(needle) {
            found.push(name);
        }
    }
    if file.starts_with(&[0xFF, 0xD8]) && jpeg_app1_before_scan(file) {
        found.push("APP1");
    }
    found
}

fn jpeg_app1_before_scan(file: &[u8]) -> bool {
    let mut i = 2;
    while let (Some(&0xFF), Some(&marker)) = (file.get(i), file.get(i + 1)) {
        if marker == 0xE1 {
            return true;
        }
        if marker == 0xDA {
            return false;
        }
        let len = usize::from(file.get(i + 2).copied().unwrap_or(0)) << 8
            | usize::from(file.get(i + 3).copied().unwrap_or(0));
        i += 2 + len;
    }
    false
}

/// The width and height of the picture `file` holds, decoded whole; `None` if it cannot be.
pub fn decoded_size(file: &[u8]) -> Option<(u32, u32)> {
    image::load_from_memory(file)
        .ok()
        .map(|p| (p.width(), p.height()))
}
