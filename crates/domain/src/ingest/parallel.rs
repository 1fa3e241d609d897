//! Pages read on a few threads at once (PDF pages, scanned pages through OCR), their results
//! kept in page order.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Runs `f` on each index of `0..count` on up to `threads` threads (never more than the
/// cores), indices claimed in order. Once `stop` holds for a result, no further index is
/// started. Every started index finishes, so the results are those of `0..n` for some
/// `n <= count`, returned in index order.
pub(crate) fn map_in_order<R: Send>(
    count: usize,
    threads: usize,
    f: impl Fn(usize) -> R + Sync,
    stop: impl Fn(&R) -> bool + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let stopped = AtomicBool::new(false);
    let done: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::new());
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= count || stopped.load(Ordering::Relaxed) {
            break;
        }
        let result = f(i);
        if stop(&result) {
            stopped.store(true, Ordering::Relaxed);
        }
        if let Ok(mut d) = done.lock() {
            d.push((i, result));
        }
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, threads.max(1))
        .min(count.max(1));
    std::thread::scope(|s| {
        for _ in 1..threads {
            s.spawn(work);
        }
        work();
    });
    let mut done = done.into_inner().unwrap_or_else(|e| e.into_inner());
    done.sort_by_key(|(i, _)| *i);
    done.into_iter()
        .enumerate()
        .take_while(|(n, (i, _))| n == i)
        .map(|(_, (_, r))| r)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::map_in_order;

    #[test]
    fn results_come_in_order_and_stop_after_the_first_that_says_so() {
        assert_eq!(
            map_in_order(5, 2, |i| i * 10, |_| false),
            [0, 10, 20, 30, 40]
        );
        let got = map_in_order(100, 2, |i| i, |r| *r == 3);
        assert!(got.len() >= 4 && got.len() <= 6, "{got:?}");
        assert!(got.iter().enumerate().all(|(n, r)| n == *r), "{got:?}");
        assert!(map_in_order(0, 2, |i| i, |_| false).is_empty());
    }
}
