//! The OCR engine kaoping uses for scans: the `tesseract` program (Debian `tesseract-ocr` with
//! `tesseract-ocr-chi-sim`), run once a page as `tesseract stdin stdout -l chi_sim --psm 6`.
//!
//! A process, not the C library: no libclang or bindgen to build, and a page that hangs or
//! misbehaves is killed without harming the service. Each page is given at about 300 dpi in
//! grey ([`for_ocr`]), with `OMP_THREAD_LIMIT=1` (with OpenMP on two cores a page takes 4–6 s
//! instead of about 1.3 s), a wall-clock limit (the child is killed when it passes) and a cap on
//! what it may print. A missing program or missing Chinese data is [`OcrError::Missing`], so the
//! scan is marked 扫描件，未能识读 rather than read as empty.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use kaoping_domain::ingest::scan::{for_ocr, Ocr, OcrError, PageImage};

/// The tesseract program, its language and its limits.
#[derive(Debug, Clone)]
pub struct TesseractCli {
    /// The program (`tesseract`, looked up in `PATH`).
    pub program: PathBuf,
    /// Language data (`chi_sim`: simplified Chinese; its Latin letters and digits too).
    pub language: String,
    /// Page segmentation mode: 6, one block of text, keeps headings default mode drops.
    pub psm: u8,
    /// Wall-clock time one page may take.
    pub timeout: Duration,
    /// Bytes of text one page may print (a dense page is about 3 KB).
    pub max_output: usize,
}

impl Default for TesseractCli {
    fn default() -> Self {
        TesseractCli {
            program: PathBuf::from("tesseract"),
            language: "chi_sim".into(),
            psm: 6,
            timeout: Duration::from_secs(60),
            max_output: 256 * 1024,
        }
    }
}

/// Why a run went wrong, before it is told as an [`OcrError`].
fn failed(what: impl std::fmt::Display) -> OcrError {
    OcrError::Failed(what.to_string())
}

impl TesseractCli {
    /// Whether the program runs and has the language data: `Err` says what is missing.
    pub fn check(&self) -> Result<(), OcrError> {
        let out = Command::new(&self.program)
            .arg("--list-langs")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| self.spawn_error(&e))?;
        let listed = String::from_utf8_lossy(&out.stdout);
        if listed.lines().any(|l| l.trim() == self.language) {
            Ok(())
        } else {
            Err(self.no_language())
        }
    }

    fn spawn_error(&self, e: &std::io::Error) -> OcrError {
        if e.kind() == std::io::ErrorKind::NotFound {
            OcrError::Missing(format!(
                "未安装 {}（Debian 软件包 tesseract-ocr）",
                self.program.display()
            ))
        } else {
            OcrError::Missing(format!("{} 无法运行：{e}", self.program.display()))
        }
    }

    fn no_language(&self) -> OcrError {
        OcrError::Missing(format!(
            "tesseract 缺少语言数据 {}（Debian 软件包 tesseract-ocr-chi-sim）",
            self.language
        ))
    }

    fn run(&self, input: Vec<u8>) -> Result<String, OcrError> {
        let mut child = Command::new(&self.program)
            .args(["stdin", "stdout", "-l", &self.language, "--psm"])
            .arg(self.psm.to_string())
            .env("OMP_THREAD_LIMIT", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| self.spawn_error(&e))?;
        let (Some(mut stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            kill(&mut child);
            return Err(failed("tesseract 的管道未能打开"));
        };
        // a child that stops reading fails the write; it is waited for below either way
        let writer = thread::spawn(move || stdin.write_all(&input));
        let cap = u64::try_from(self.max_output).unwrap_or(u64::MAX);
        let reader = thread::spawn(move || read_capped(stdout, cap.saturating_add(1)));
        let errors = thread::spawn(move || read_head(stderr, 16 * 1024));
        let status = wait(&mut child, self.timeout);
        let _ = writer.join();
        let out = reader.join().unwrap_or_default();
        let err = String::from_utf8_lossy(&errors.join().unwrap_or_default()).into_owned();
        if out.len() > self.max_output {
            return Err(failed(format!(
                "tesseract 输出超过 {} 字节",
                self.max_output
            )));
        }
        let status = status.ok_or(OcrError::Timeout {
            seconds: self.timeout.as_secs(),
        })?;
        if !status.success() {
            if err.contains("Failed loading language") || err.contains("Error opening data file") {
                return Err(self.no_language());
            }
            let last = err
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            return Err(failed(format!("tesseract 退出（{status}）：{last}")));
        }
        String::from_utf8(out).map_err(|_| failed("tesseract 的输出不是 UTF-8"))
    }
}

impl Ocr for TesseractCli {
    fn recognise(&self, page: &PageImage) -> Result<String, OcrError> {
        let prepared = for_ocr(page).map_err(failed)?;
        self.run(prepared.bytes)
    }
}

/// At most `cap` bytes of `from`; then the pipe is closed (dropped), which stops a child that
/// prints on.
fn read_capped(from: impl Read, cap: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = from.take(cap).read_to_end(&mut out);
    out
}

/// The first `cap` bytes of `from`, reading on to its end (warnings must not block the child).
fn read_head(mut from: impl Read, cap: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = from.read(&mut buf) {
        if n == 0 {
            break;
        }
        let room = cap.saturating_sub(out.len()).min(n);
        out.extend_from_slice(&buf[..room]);
    }
    out
}

/// The child's exit, or `None` when it ran past `timeout` (it is then killed and reaped).
fn wait(child: &mut Child, timeout: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
            _ => {
                kill(child);
                return None;
            }
        }
    }
}

fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;
    use kaoping_domain::ingest::scan::ImageKind;

    fn page() -> PageImage {
        // a 2×2 grey page at 300 dpi (not scaled up)
        PageImage {
            page: 1,
            kind: ImageKind::Pgm,
            bytes: b"P5\n2 2\n255\n\xff\xff\xff\xff".to_vec(),
            width: 2,
            height: 2,
            dpi: 300.0,
            placed: [0.0, 0.0, 0.48, 0.48],
        }
    }

    /// A stand-in for tesseract: a shell script in a directory of this test's own.
    fn script(name: &str, body: &str) -> TesseractCli {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("kaoping-ocr-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        TesseractCli {
            program: path,
            timeout: Duration::from_millis(500),
            max_output: 1000,
            ..TesseractCli::default()
        }
    }

    #[test]
    fn a_missing_program_is_missing() {
        let engine = TesseractCli {
            program: "/nonexistent/tesseract".into(),
            ..TesseractCli::default()
        };
        let e = engine.recognise(&page()).unwrap_err();
        assert!(
            matches!(&e, OcrError::Missing(m) if m.contains("tesseract-ocr")),
            "{e}"
        );
        assert!(matches!(engine.check(), Err(OcrError::Missing(_))));
    }

    #[test]
    fn missing_language_data_is_missing() {
        let engine = script(
            "nolang",
            "cat >/dev/null; echo \"Failed loading language 'chi_sim'\" >&2; exit 1",
        );
        let e = engine.recognise(&page()).unwrap_err();
        assert!(
            matches!(&e, OcrError::Missing(m) if m.contains("chi-sim")),
            "{e}"
        );
        let listed = script("langs", "echo 'List of available languages (1):'; echo eng");
        assert!(matches!(listed.check(), Err(OcrError::Missing(_))));
    }

    #[test]
    fn the_page_is_piped_in_and_the_text_comes_back() {
        let engine = script("echo", "[ \"$1 $2 $3 $4 $5 $6\" = 'stdin stdout -l chi_sim --psm 6' ] || exit 3; \
             [ \"$OMP_THREAD_LIMIT\" = 1 ] || exit 4; head -c 2 >/dev/null; cat >/dev/null; echo 通知");
        assert_eq!(engine.recognise(&page()).unwrap(), "通知\n");
    }

    #[test]
    fn a_page_past_its_time_is_killed() {
        let engine = script("slow", "exec sleep 30");
        let started = Instant::now();
        let e = engine.recognise(&page()).unwrap_err();
        assert_eq!(e, OcrError::Timeout { seconds: 0 });
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_page_printing_too_much_is_stopped() {
        let engine = script("loud", "exec yes 通知");
        let started = Instant::now();
        let e = engine.recognise(&page()).unwrap_err();
        assert!(
            matches!(&e, OcrError::Failed(m) if m.contains("输出超过")),
            "{e}"
        );
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
