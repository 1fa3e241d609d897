//! The scan reader with a fake engine (plumbing, budgets, the unreadable marker) and the seal
//! finder on the notices' scans, text PDFs and unsealed PDFs.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use crate::ingest::document::Block;
use crate::ingest::limits::Limit;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");
pub(crate) const NOTICES: [&str; 4] = [
    "01_hengyangxian_czj_2023_notice",
    "05_hunan_university_cwc_2021_notice_group",
    "11_ahmu_kjc_2018_notice",
    "16_btbu_cwc_2023_notice",
];

/// A notice's file: the scans and unsealed PDFs are in `scans/` (the first scan in `notices/`),
/// the text PDFs in `notices/`.
pub(crate) fn fixture(notice: &str, ext: &str) -> Vec<u8> {
    let name = format!("{notice}.{ext}");
    let scans = format!("{FIXTURES}/scans/{name}");
    let notices = format!("{FIXTURES}/notices/{name}");
    std::fs::read(&scans)
        .or_else(|_| std::fs::read(&notices))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Gives the same text for every page, and counts the pages asked.
struct Fake {
    text: String,
    asked: AtomicUsize,
    fail: Option<OcrError>,
}

impl Fake {
    fn new(text: &str) -> Self {
        Fake {
            text: text.to_string(),
            asked: AtomicUsize::new(0),
            fail: None,
        }
    }
}

impl Ocr for Fake {
    fn recognise(&self, page: &PageImage) -> Result<String, OcrError> {
        self.asked.fetch_add(1, Ordering::Relaxed);
        assert!(page.width > 1000 && page.dpi > 140.0 && page.dpi < 160.0);
        match &self.fail {
            Some(e) => Err(e.clone()),
            None => Ok(format!("第{}页\n{}", page.page, self.text)),
        }
    }
}

const LINE: &str =
    "关于开展2023年度部门整体支出绩效自评工作的通知，各预算单位：根据《中华人民共和国预算法》\
                    和《项目支出绩效评价管理办法》要求，现就有关事项通知如下";

fn scan() -> Vec<u8> {
    fixture(NOTICES[0], "scan.pdf")
}

#[test]
fn each_page_image_goes_to_the_engine_and_its_lines_become_paragraphs() {
    let engine = Fake::new(&format!("{LINE}\n\n  二、评价 内容\t（一）\n"));
    let read = read_scan(&scan(), "通知.scan.pdf", &ReadLimits::default(), &engine).unwrap();
    assert_eq!(engine.asked.load(Ordering::Relaxed), 2);
    assert_eq!((read.pages, read.read.clone()), (2, vec![1, 2]));
    assert!(read.readable, "{:?}", read.problems);
    let texts: Vec<String> = read
        .document
        .blocks
        .iter()
        .map(|b| match b {
            Block::Paragraph(p) => p.text.clone(),
            Block::Table(_) => panic!("no table from OCR text"),
        })
        .collect();
    assert_eq!(texts.len(), 6);
    assert_eq!(texts[0], "第1页");
    assert_eq!(texts[2], "二、评价内容（一）");
    assert_eq!(texts[1], LINE);
    assert!(read.cjk() > 2 * MIN_CJK_PER_PAGE);
    assert!(read.into_document().is_ok());
}

#[test]
fn too_little_text_is_marked_unreadable_not_an_empty_document() {
    let engine = Fake::new("|||  ...\n");
    let read = read_scan(&scan(), "通知.pdf", &ReadLimits::default(), &engine).unwrap();
    assert!(!read.readable);
    assert_eq!(read.cjk_per_page, vec![2, 2], "第1页 and 第2页");
    assert_eq!(read.message(), "文件 通知.pdf 是扫描件（共2页），未能识读");
    assert!(read.problems.iter().any(|p| p.contains("过少")));
    match read.into_document() {
        Err(IngestError::Unrecognised { pages: 2, .. }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_missing_engine_stops_reading_and_is_marked() {
    let mut engine = Fake::new(LINE);
    engine.fail = Some(OcrError::Missing("tesseract is not installed".into()));
    let read = read_scan(&scan(), "通知.pdf", &ReadLimits::default(), &engine).unwrap();
    assert!(engine.asked.load(Ordering::Relaxed) <= 2);
    assert!(!read.readable && read.read.is_empty());
    assert_eq!(read.problems.len(), 1, "{:?}", read.problems);
    assert!(read.problems[0].starts_with("第1页：识读程序不可用"));
    assert!(read.into_document().is_err());
}

#[test]
fn a_page_that_times_out_is_skipped_and_named() {
    struct Second;
    impl Ocr for Second {
        fn recognise(&self, page: &PageImage) -> Result<String, OcrError> {
            if page.page == 2 {
                return Err(OcrError::Timeout { seconds: 30 });
            }
            Ok([LINE; 3].join("\n"))
        }
    }
    let read = read_scan(&scan(), "通知.pdf", &ReadLimits::default(), &Second).unwrap();
    assert_eq!(read.read, vec![1]);
    assert_eq!(read.problems, vec!["第2页：识读超时（30 秒）".to_string()]);
    assert!(
        read.readable,
        "two pages' worth of characters were read from one"
    );
}

#[test]
fn budgets_hold_pages_image_bytes_and_recognised_text() {
    let engine = Fake::new(LINE);
    let pages = ReadLimits {
        pages: 1,
        ..ReadLimits::default()
    };
    let e = read_scan(&scan(), "a.pdf", &pages, &engine).unwrap_err();
    assert!(
        matches!(
            e,
            IngestError::TooMuch {
                limit: Limit::Pages,
                ..
            }
        ),
        "{e:?}"
    );
    // the two JPEGs are 337 KB together
    let bytes = ReadLimits {
        unzipped_bytes: 200_000,
        ..ReadLimits::default()
    };
    let e = read_scan(&scan(), "a.pdf", &bytes, &engine).unwrap_err();
    assert_eq!(
        e.too_large().map(|t| t.limit),
        Some("unzipped_bytes"),
        "{e:?}"
    );
    let text = ReadLimits {
        text_bytes: 100,
        ..ReadLimits::default()
    };
    let e = read_scan(&scan(), "a.pdf", &text, &engine).unwrap_err();
    assert!(
        matches!(
            e,
            IngestError::TooMuch {
                limit: Limit::TextBytes,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        engine.asked.load(Ordering::Relaxed),
        2,
        "the engine ran only for the text budget"
    );
}

#[test]
fn other_bytes_are_refused_and_a_picture_is_one_page() {
    let engine = Fake::new(LINE);
    let e = read_scan(b"hello", "a.txt", &ReadLimits::default(), &engine).unwrap_err();
    assert!(matches!(e, IngestError::WrongContent { .. }), "{e:?}");
    let e = read_scan(
        b"\x89PNG\r\n\x1a\n",
        "a.png",
        &ReadLimits::default(),
        &engine,
    );
    assert!(matches!(e, Err(IngestError::Corrupt { .. })), "{e:?}");
    // a page of the scan, uploaded as its JPEG
    let jpeg = page_images(&scan(), "a.pdf", &ReadLimits::default()).unwrap()[0]
        .bytes
        .clone();
    assert_eq!(is_image(&jpeg), Some(ImageKind::Jpeg));
    let read = read_scan(&jpeg, "a.jpg", &ReadLimits::default(), &engine).unwrap();
    assert_eq!((read.pages, read.readable), (1, true));
}

#[test]
fn a_text_pdf_read_as_a_scan_reads_no_seal_image_and_counts_every_page() {
    let engine = Fake::new(LINE);
    let pdf = fixture(NOTICES[0], "pdf");
    let read = read_scan(&pdf, "a.pdf", &ReadLimits::default(), &engine).unwrap();
    assert_eq!((engine.asked.load(Ordering::Relaxed), read.pages), (0, 2));
    assert!(!read.readable);
}

#[test]
fn for_ocr_gives_grey_at_300_dpi() {
    let page = &page_images(&scan(), "a.pdf", &ReadLimits::default()).unwrap()[0];
    let grey = for_ocr(page).unwrap();
    assert_eq!(grey.kind, ImageKind::Pgm);
    assert_eq!((grey.width, grey.height), (page.width * 2, page.height * 2));
    assert!((grey.dpi - 300.0).abs() < 2.0, "{}", grey.dpi);
    let header = format!("P5\n{} {}\n255\n", grey.width, grey.height).len();
    assert_eq!(
        grey.bytes.len(),
        header + (grey.width * grey.height) as usize
    );
}

fn seals(notice: &str, ext: &str) -> Vec<SealFound> {
    seals_in_file(&fixture(notice, ext), ext, &ReadLimits::default()).unwrap()
}

#[test]
fn every_scan_and_text_pdf_has_its_seal_on_page_2_and_unsealed_ones_none() {
    for notice in NOTICES {
        for ext in ["scan.pdf", "pdf"] {
            let found = seals(notice, ext);
            assert_eq!(found.len(), 1, "{notice}.{ext}: {found:?}");
            let (w, h) = found[0].size_mm();
            assert_eq!(found[0].page, 2, "{notice}.{ext}");
            assert!(
                (30.0..=45.0).contains(&w) && (30.0..=45.0).contains(&h),
                "{w}×{h} mm"
            );
        }
        assert_eq!(seals(notice, "unsealed.pdf"), Vec::new(), "{notice}");
    }
}

#[test]
fn a_page_of_black_text_has_no_seal() {
    let pages = page_images(&scan(), "a.pdf", &ReadLimits::default()).unwrap();
    assert_eq!(find_seals(&pages[0]).unwrap(), Vec::new());
}

#[test]
fn red_is_stamp_red_only() {
    assert!(is_red_pixel([220, 40, 50]) && is_red_pixel([180, 90, 100]));
    for p in [
        [0, 0, 0],
        [128, 128, 128],
        [255, 255, 255],
        [200, 150, 150],
        [40, 40, 200],
    ] {
        assert!(!is_red_pixel(p), "{p:?}");
    }
}

fn is_red_pixel(p: [u8; 3]) -> bool {
    super::seal::is_red(p)
}

/// A white A4 page at 150 dpi with `draw` applied, as a PNG upload.
fn picture(draw: impl Fn(u32, u32) -> bool) -> PageImage {
    let (w, h) = (1240u32, 1754u32);
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb(if draw(x, y) {
            [215, 35, 45]
        } else {
            [250, 250, 248]
        })
    });
    let mut bytes = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut bytes),
        image::ImageFormat::Png,
    )
    .unwrap();
    let pages = page_images(&bytes, "a.png", &ReadLimits::default()).unwrap();
    assert_eq!(pages.len(), 1);
    pages.into_iter().next().unwrap()
}

/// A ring of `diameter_px` around (cx, cy), 6 px wide.
fn ring(x: u32, y: u32, cx: f64, cy: f64, diameter_px: f64) -> bool {
    let d = ((f64::from(x) - cx).powi(2) + (f64::from(y) - cy).powi(2)).sqrt();
    (diameter_px / 2.0 - 6.0..=diameter_px / 2.0).contains(&d)
}

#[test]
fn a_red_ring_in_a_picture_is_a_seal_in_its_place() {
    // 40 mm at 150 dpi is 236 px, centred 150 mm across and 200 mm down
    let page = picture(|x, y| ring(x, y, 886.0, 1181.0, 236.0));
    let found = find_seals(&page).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    let (w, h) = found[0].size_mm();
    assert!(
        (39.0..=42.0).contains(&w) && (39.0..=42.0).contains(&h),
        "{w}×{h}"
    );
    let (x, y) = (found[0].x * 25.4 / 72.0, found[0].y * 25.4 / 72.0);
    assert!(
        (129.0..=131.5).contains(&x) && (179.0..=181.5).contains(&y),
        "{x}, {y}"
    );
}

#[test]
fn red_letterheads_rules_blocks_and_ticks_are_no_seals() {
    let letterhead =
        |x: u32, y: u32| (120..1120).contains(&x) && (100..190).contains(&y) && x % 90 < 70;
    let rule = |x: u32, y: u32| (120..1120).contains(&x) && (220..226).contains(&y);
    let block = |x: u32, y: u32| (400..640).contains(&x) && (800..1040).contains(&y);
    let tick = |x: u32, y: u32| (300..330).contains(&x) && (300..330).contains(&y);
    // half a ring: red only in the top half of its box
    let arc = |x: u32, y: u32| y < 1181 && ring(x, y, 886.0, 1181.0, 236.0);
    for (what, page) in [
        ("letterhead", picture(letterhead)),
        ("rule", picture(rule)),
        ("block", picture(block)),
        ("tick", picture(tick)),
        ("arc", picture(arc)),
    ] {
        assert_eq!(find_seals(&page).unwrap(), Vec::new(), "{what}");
    }
    // next to a letterhead, the seal is still found alone
    let both = picture(|x, y| letterhead(x, y) || ring(x, y, 886.0, 1181.0, 236.0));
    assert_eq!(find_seals(&both).unwrap().len(), 1);
}

#[test]
fn wrapped_lines_join_and_headings_items_and_ended_lines_stand_alone() {
    let page = "各预算单位：\n\
        为贯彻落实党中央、国务院关于全面实施预算绩效管理的决策部署，进一步\n\
        规范财政资金管理，现就有关事项通知如下：\n\
        一、评价范围\n\
        纳入2023年度预算绩效管理信息系统的、由县级财政全口径安排给各乡镇的\n\
        1.各乡镇、各预算单位根据2023年申报的整体支出及项目支出绩效目标完成\n\
        情况 ， 据实撰写。\n\
        （一）自评范围\n";
    assert_eq!(
        super::lines::paragraphs(page),
        vec![
            "各预算单位：",
            "为贯彻落实党中央、国务院关于全面实施预算绩效管理的决策部署，进一步规范财政资金管理，现就有关事项通知如下：",
            "一、评价范围",
            "纳入2023年度预算绩效管理信息系统的、由县级财政全口径安排给各乡镇的",
            "1.各乡镇、各预算单位根据2023年申报的整体支出及项目支出绩效目标完成情况，据实撰写。",
            "（一）自评范围",
        ]
    );
    assert!(!super::lines::starts_item("1.5万元"));
    assert!(super::lines::starts_item("十二、其他"));
    assert!(super::lines::starts_item("2、根据") && super::lines::starts_item("(1)各"));
    assert!(!super::lines::starts_item("2023年") && !super::lines::starts_item("1"));
}

#[test]
fn a_tiff_upload_is_read_as_one_page_too() {
    let png = picture(|x, y| ring(x, y, 886.0, 1181.0, 236.0));
    let img = image::load_from_memory(&png.bytes).unwrap();
    let mut tiff = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut tiff),
        image::ImageFormat::Tiff,
    )
    .unwrap();
    assert_eq!(is_image(&tiff), Some(ImageKind::Tiff));
    let found = seals_in_file(&tiff, "a.tif", &ReadLimits::default()).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].page, 1);
}
