#![no_main]

use std::io::{Cursor, Write};

use libfuzzer_sys::fuzz_target;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// The input is word/document.xml, then optionally word/styles.xml and word/numbering.xml,
/// separated by NUL bytes; they are stored in a valid zip and read as a .docx.
fn wrap(data: &[u8]) -> Option<Vec<u8>> {
    let mut parts = data.splitn(3, |&b| b == 0);
    let names = ["word/document.xml", "word/styles.xml", "word/numbering.xml"];
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    for name in names {
        let Some(part) = parts.next() else { break };
        zip.start_file(name, options).ok()?;
        zip.write_all(part).ok()?;
    }
    Some(zip.finish().ok()?.into_inner())
}

fuzz_target!(|data: &[u8]| {
    if let Some(bytes) = wrap(data) {
        let _ = kaoping::ingest::docx::read(&bytes, "fuzz.docx");
    }
});
