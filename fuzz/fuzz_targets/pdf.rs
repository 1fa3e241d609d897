#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Any bytes: a document or an error, never a panic, a hang or a runaway allocation.
    let _ = kaoping::ingest::pdf::read(data, "fuzz.pdf");
});
