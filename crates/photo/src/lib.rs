//! Claim photos: a camera's JPEG, PNG or HEIC made into a JPEG of at most 2000 pixels on its long
//! side, turned the way the camera held it, with nothing but the pixels: no EXIF (no location, no
//! camera), so it is small enough to send and safe to keep.
//!
//! HEIC (an iPhone's default) is decoded by libheif's `heif-convert`: the Rust bindings need
//! libheif 1.17 and Debian 12 ships 1.15, so the desk's package depends on `libheif-examples`
//! instead (ARCHITECTURE.md, decisions).

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageDecoder, ImageReader};
use sha2::Digest;

/// The long side of a prepared photo, in pixels: plenty to see a scratch, a few hundred KB.
pub const MAX_SIDE: u32 = 2000;
/// The largest file staff may drop in (a phone's photo is 2–12 MB).
pub const MAX_INPUT_BYTES: usize = 40 * 1024 * 1024;
const QUALITY: u8 = 85;

/// A photo ready to keep and send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub jpeg: Vec<u8>,
    /// Lower-case hex SHA-256 of `jpeg`: its name on the desk and on the central store.
    pub sha256: String,
    pub width: u32,
    pub height: u32,
}

/// Why a file could not be made into a photo, in words for staff.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PhotoError {
    #[error("filen er {mb} MB; et bilde kan være høyst 40 MB")]
    TooLarge { mb: usize },
    #[error("HEIC-bilder (iPhone) kan ikke leses på denne maskinen fordi libheif mangler (pakken libheif-examples): be kunden sende bildet som JPEG (iPhone: Innstillinger → Kamera → Formater → «Mest kompatibel»)")]
    HeicWithoutLibheif,
    #[error("filen er ikke et bilde skranken kan lese (JPEG, PNG eller HEIC)")]
    Unsupported,
    #[error("bildet er ødelagt og kan ikke leses: {0}")]
    Corrupt(String),
}

/// Makes `bytes` (a JPEG or PNG as the customer sent it) into a [`Prepared`] photo.
pub fn prepare(bytes: &[u8]) -> Result<Prepared, PhotoError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(PhotoError::TooLarge {
            mb: bytes.len() / (1024 * 1024),
        });
    }
    let converted;
    let bytes = if is_heic(bytes) {
        converted = heic_to_jpeg(bytes)?;
        converted.as_slice()
    } else {
        bytes
    };
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| PhotoError::Corrupt(e.to_string()))?;
    if !matches!(
        reader.format(),
        Some(image::ImageFormat::Jpeg | image::ImageFormat::Png)
    ) {
        return Err(PhotoError::Unsupported);
    }
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| PhotoError::Corrupt(e.to_string()))?;
    // The camera's turn is in EXIF, which is not kept: it is applied to the pixels instead.
    let orientation = decoder
        .orientation()
        .map_err(|e| PhotoError::Corrupt(e.to_string()))?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| PhotoError::Corrupt(e.to_string()))?;
    img.apply_orientation(orientation);
    if img.width().max(img.height()) > MAX_SIDE {
        img = img.resize(MAX_SIDE, MAX_SIDE, image::imageops::FilterType::Triangle);
    }
    let rgb = DynamicImage::ImageRgb8(img.to_rgb8());
    let mut jpeg = Vec::new();
    rgb.write_with_encoder(JpegEncoder::new_with_quality(&mut jpeg, QUALITY))
        .map_err(|e| PhotoError::Corrupt(e.to_string()))?;
    Ok(Prepared {
        sha256: hex::encode(sha2::Sha256::digest(&jpeg)),
        width: rgb.width(),
        height: rgb.height(),
        jpeg,
    })
}

/// A small JPEG of a prepared photo (at most `side` pixels on its long side), for staff to see what
/// is kept: the photo as it will be sent, upright, whatever format it came in.
pub fn thumbnail(jpeg: &[u8], side: u32) -> Result<Vec<u8>, PhotoError> {
    let img = image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg)
        .map_err(|e| PhotoError::Corrupt(e.to_string()))?
        .thumbnail(side, side);
    let mut out = Vec::new();
    DynamicImage::ImageRgb8(img.to_rgb8())
        .write_with_encoder(JpegEncoder::new_with_quality(&mut out, 75))
        .map_err(|e| PhotoError::Corrupt(e.to_string()))?;
    Ok(out)
}

/// A HEIC decoded by libheif into a JPEG at high quality (it is shrunk and encoded again after).
/// libheif applies the picture's rotation and mirroring itself and sets the EXIF orientation it
/// copies to 1, so the orientation step after does not turn it twice.
fn heic_to_jpeg(bytes: &[u8]) -> Result<Vec<u8>, PhotoError> {
    let corrupt = |e: std::io::Error| PhotoError::Corrupt(e.to_string());
    let dir = tempfile::tempdir().map_err(corrupt)?;
    let input = dir.path().join("bilde.heic");
    let output = dir.path().join("bilde.jpg");
    std::fs::write(&input, bytes).map_err(corrupt)?;
    let run = std::process::Command::new(HEIF_CONVERT)
        .args(["-q", "95"])
        .arg(&input)
        .arg(&output)
        .stdin(std::process::Stdio::null())
        .output();
    let out = match run {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(PhotoError::HeicWithoutLibheif),
        Err(e) => return Err(corrupt(e)),
    };
    if !out.status.success() {
        let said = String::from_utf8_lossy(&out.stderr);
        return Err(PhotoError::Corrupt(format!(
            "HEIC-bildet kunne ikke leses ({})",
            said.trim().chars().take(200).collect::<String>()
        )));
    }
    std::fs::read(&output).map_err(corrupt)
}

/// libheif's command-line decoder (Debian: libheif-examples).
const HEIF_CONVERT: &str = "heif-convert";

/// HEIF/HEIC: an ISO box `ftyp` with a HEIF brand at byte 4.
fn is_heic(bytes: &[u8]) -> bool {
    bytes.get(4..8) == Some(b"ftyp")
        && bytes
            .get(8..12)
            .is_some_and(|brand| matches!(brand, b"heic" | b"heix" | b"mif1" | b"msf1" | b"hevc" | b"heim"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use image::{ImageBuffer, Rgb};

    fn picture(w: u32, h: u32) -> DynamicImage {
        DynamicImage::ImageRgb8(ImageBuffer::from_fn(w, h, |x, y| {
            Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        }))
    }

    fn encoded(img: &DynamicImage, format: image::ImageFormat) -> Vec<u8> {
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), format).unwrap();
        out
    }

    /// A JPEG with an APP1 Exif segment after its start marker, carrying a GPS tag's name and an
    /// orientation of 6 (turned 90° clockwise), as a phone writes it.
    fn with_exif(jpeg: &[u8]) -> Vec<u8> {
        // TIFF header (little endian), one IFD with Orientation = 6 and a GPSInfo pointer.
        let mut tiff: Vec<u8> = b"II*\0\x08\0\0\0".to_vec();
        tiff.extend_from_slice(&2u16.to_le_bytes());
        tiff.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]); // Orientation
        tiff.extend_from_slice(&[0x25, 0x88, 4, 0, 1, 0, 0, 0, 0x26, 0, 0, 0]); // GPSInfo
        tiff.extend_from_slice(&[0, 0, 0, 0]);
        tiff.extend_from_slice(b"GPS 59.9139N 10.7522E");
        let mut segment = b"Exif\0\0".to_vec();
        segment.extend_from_slice(&tiff);
        let len = u16::try_from(segment.len() + 2).unwrap();
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&segment);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    fn has_app1(jpeg: &[u8]) -> bool {
        jpeg.windows(2).any(|w| w == [0xFF, 0xE1]) || jpeg.windows(4).any(|w| w == b"Exif")
    }

    #[test]
    fn a_phone_photo_loses_its_exif_turns_upright_and_shrinks() {
        let original = with_exif(&encoded(&picture(4000, 3000), image::ImageFormat::Jpeg));
        assert!(has_app1(&original));
        let p = prepare(&original).unwrap();
        assert!(!has_app1(&p.jpeg), "no EXIF left");
        assert!(!p.jpeg.windows(3).any(|w| w == b"GPS"));
        // Orientation 6: the landscape sensor picture is a portrait photo.
        assert_eq!((p.width, p.height), (1500, 2000));
        assert!(p.jpeg.starts_with(&[0xFF, 0xD8, 0xFF]));
        assert_eq!(p.sha256, hex::encode(sha2::Sha256::digest(&p.jpeg)));
        assert!(p.jpeg.len() < original.len());
    }

    #[test]
    fn a_png_becomes_a_jpeg_and_small_pictures_keep_their_size() {
        let p = prepare(&encoded(&picture(640, 480), image::ImageFormat::Png)).unwrap();
        assert_eq!((p.width, p.height), (640, 480));
        assert!(p.jpeg.starts_with(&[0xFF, 0xD8, 0xFF]));
        // The same picture twice is the same photo (its name).
        let again = prepare(&encoded(&picture(640, 480), image::ImageFormat::Png)).unwrap();
        assert_eq!(p.sha256, again.sha256);
    }

    /// An iPhone's HEIC, made here with libheif's encoder from a picture taller than wide: it
    /// comes out a JPEG of the same shape, shrunk, with no EXIF.
    #[test]
    fn a_heic_becomes_a_small_jpeg_without_exif() {
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("bilde.png");
        let heic = dir.path().join("bilde.heic");
        std::fs::write(&png, encoded(&picture(1200, 3000), image::ImageFormat::Png)).unwrap();
        let made = std::process::Command::new("heif-enc")
            .args(["-q", "60"])
            .arg(&png)
            .arg("-o")
            .arg(&heic)
            .output()
            .expect("heif-enc (libheif-examples) is installed by the test command");
        assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
        let bytes = std::fs::read(&heic).unwrap();
        assert!(is_heic(&bytes));
        let p = prepare(&bytes).unwrap();
        assert_eq!((p.width, p.height), (800, 2000));
        assert!(p.jpeg.starts_with(&[0xFF, 0xD8, 0xFF]));
        assert!(!has_app1(&p.jpeg), "no EXIF left");
        let small = image::load_from_memory(&thumbnail(&p.jpeg, 240).unwrap()).unwrap();
        assert_eq!((small.width(), small.height()), (96, 240));
        // A broken HEIC is refused in words, not taken for a picture.
        let broken = &bytes[..bytes.len() / 3];
        assert!(matches!(prepare(broken), Err(PhotoError::Corrupt(_))));
    }

    #[test]
    fn text_and_huge_files_are_refused_in_words() {
        assert!(PhotoError::HeicWithoutLibheif
            .to_string()
            .contains("Mest kompatibel"));
        assert!(matches!(
            prepare(b"hei, dette er tekst"),
            Err(PhotoError::Unsupported)
        ));
        let huge = vec![0u8; MAX_INPUT_BYTES + 1];
        assert!(matches!(prepare(&huge), Err(PhotoError::TooLarge { .. })));
        let broken = encoded(&picture(50, 50), image::ImageFormat::Jpeg)[..200].to_vec();
        assert!(matches!(prepare(&broken), Err(PhotoError::Corrupt(_))));
    }
}
