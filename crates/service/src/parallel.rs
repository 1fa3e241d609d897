//! Work spread over scoped threads: scoring a whole round, encoding its published sheets, and
//! the seeders' blocking service calls.

use super::{ServiceError, ServiceResult};

/// `f` over every item on up to `threads` scoped threads (contiguous batches, results in
/// order); the first error wins.
pub fn in_parallel<T, R, F>(items: Vec<T>, threads: usize, f: F) -> ServiceResult<Vec<R>>
where
    T: Send,
    R: Send,
    F: Fn(T) -> ServiceResult<R> + Sync,
{
    let total = items.len();
    let chunk = total.div_ceil(threads.max(1)).max(1);
    let mut items = items.into_iter();
    let batches: Vec<Vec<T>> = std::iter::from_fn(|| {
        let b: Vec<T> = items.by_ref().take(chunk).collect();
        (!b.is_empty()).then_some(b)
    })
    .collect();
    let f = &f;
    let results: Vec<ServiceResult<Vec<R>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = batches
            .into_iter()
            .map(|batch| scope.spawn(move || batch.into_iter().map(f).collect()))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(ServiceError::Conflict("a worker thread panicked".into()))
                })
            })
            .collect()
    });
    let mut out = Vec::with_capacity(total);
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}

/// One thread per core.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_their_order_and_the_first_error_wins() {
        let squares = in_parallel((0..1000).collect(), 3, |n: u64| Ok(n * n)).expect("squares");
        assert_eq!(squares, (0..1000).map(|n| n * n).collect::<Vec<_>>());
        assert_eq!(
            in_parallel(Vec::<u8>::new(), 4, Ok).expect("nothing"),
            Vec::<u8>::new()
        );
        let failed = in_parallel((0..100).collect(), 4, |n: i32| {
            if n % 30 == 29 {
                Err(ServiceError::NotFound(format!("{n}")))
            } else {
                Ok(n)
            }
        });
        assert!(matches!(failed, Err(ServiceError::NotFound(m)) if m == "29"));
    }
}
