//! Claim photos: a camera's JPEG or PNG made into a JPEG of at most 2000 pixels on its long side,
//! turned the way the camera held it, with nothing but the pixels: no EXIF (no location, no camera),
//! so it is small enough to send and safe to keep.

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
    #[error("HEIC-bilder (iPhone) kan ikke leses her ennå: be kunden sende bildet som JPEG (iPhone: Innstillinger → Kamera → Formater → «Mest kompatibel»)")]
    Heic,
    #[error("filen er ikke et bilde skranken kan lese (JPEG eller PNG)")]
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
    if is_heic(bytes) {
        return Err(PhotoError::Heic);
    }
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

    #[test]
    fn heic_text_and_huge_files_are_refused_in_words() {
        let mut heic = vec![0, 0, 0, 24];
        heic.extend_from_slice(b"ftypheic");
        heic.extend_from_slice(&[0; 16]);
        assert!(matches!(prepare(&heic), Err(PhotoError::Heic)));
        assert!(prepare(&heic)
            .unwrap_err()
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
