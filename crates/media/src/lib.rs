//! Photos a stall uploads from a phone: checked by their content, refused past their bytes or
//! pixels, turned upright, stripped of every byte of metadata (a phone photo carries where it
//! was taken), resized to three widths in WebP and JPEG, and stored once per content.
//!
//! Layers, each using only those above it:
//! - types: [`format`] (what an upload is, by its magic bytes), [`rendition`] (the sizes, the
//!   encodings and the content-addressed keys), [`entity`] (the `media` table), [`error`];
//! - [`process`]: the pixel work, synchronous and pure (decode, orientation, hash, resize,
//!   encode) on the `image` crate, with lossy WebP from libwebp (`webp` crate);
//! - [`workers`]: the threads the pixel work runs on, at a lower priority than the requests';
//! - [`store`]: where renditions live, behind [`MediaStore`]: files under `data.dir/media`
//!   ([`store::files::FileStore`]) or an S3-compatible bucket ([`store::s3::S3Store`]);
//! - use cases: [`service`] (take an upload, read a rendition, check the photos something
//!   names) and [`collect`] (delete the photos nothing names after a grace period, a job).
//!
//! A photo is held by a stall ([`Holder::Stall`]) or, uploaded without one, by its uploader
//! alone ([`Holder::User`]: a buyer's photo for a review, in the user's own quota of the same
//! size as a stall's).
//!
//! The walk of `POST /api/v1/media`: the gateway's route checks that the caller is a member
//! of the stall (or an administrator) when it names one, reads the multipart `file` field chunk by chunk and
//! refuses it (413) as soon as it passes `media.max_bytes`, then calls [`Media::upload`].
//! That sniffs the format from the first bytes (else 415) and, on one of the
//! `media.workers` threads of [`workers`] (at a lower priority than the requests'), runs
//! [`process::process`]: the
//! header's dimensions are checked against `media.max_pixels` before any pixel is decoded
//! (413), the picture is decoded (a truncated or damaged one is 422), turned by its EXIF
//! orientation, hashed (SHA-256 of the upright pixels), and encoded at each size from the
//! pixels alone. In one write transaction it finds a photo of the stall with the same hash
//! (then that photo is the answer and nothing is stored) or checks the quota against the new
//! bytes and inserts the row; after the commit it writes the six renditions under keys named
//! by the hash, which a photo of another stall with the same pixels shares. A failed write
//! removes the row. The answer carries the renditions' URLs ([`Media::view`]).
//!
//! Why the pixels are hashed rather than the uploaded file: the file is never stored, and two
//! files of one photo differing only in metadata (the same photo shared once with its GPS
//! position and once without) are one photo; what is stored is a function of the pixels.

pub mod collect;
pub mod entity;
pub mod error;
pub mod format;
pub mod process;
pub mod rendition;
#[cfg(any(test, feature = "samples"))]
pub mod samples;
pub mod service;
pub mod store;
pub mod workers;

pub use collect::CollectUnused;
pub use error::MediaError;
pub use format::SourceFormat;
pub use rendition::{Encoding, Size};
pub use service::{Holder, Media, MediaSettings, MediaView, SizeUrls, Uploaded};
pub use store::MediaStore;
