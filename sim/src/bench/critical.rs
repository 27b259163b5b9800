//! The critical path of device time spans: the largest total of spans that follow one another
//! without overlapping (spans that overlap ran at the same time, so at most one of them can be on a
//! chain the applicant waited through). Weighted interval scheduling over the spans, O(n log n).

use serde::Deserialize;

/// One device's busy interval, in microseconds of wall-clock time.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Span {
    /// Device name.
    pub device: String,
    /// `work` (processing) or `wire` (bytes on the line) or `write` (the endorsement printer's job).
    pub what: String,
    /// Start.
    pub start_us: u64,
    /// End.
    pub end_us: u64,
}

impl Span {
    /// Length in microseconds.
    pub fn len(&self) -> u64 {
        self.end_us.saturating_sub(self.start_us)
    }

    /// Zero length.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Read a span file (one JSON object a line; lines that do not parse are skipped).
pub fn load(path: &std::path::Path) -> Result<Vec<Span>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect())
}

/// The spans inside `[from, to]` (cut to it).
pub fn within(spans: &[Span], from: u64, to: u64) -> Vec<Span> {
    spans
        .iter()
        .filter(|s| s.end_us > from && s.start_us < to)
        .map(|s| Span { start_us: s.start_us.max(from), end_us: s.end_us.min(to), ..s.clone() })
        .collect()
}

/// The plain sum of the spans' lengths.
pub fn sum(spans: &[Span]) -> u64 {
    spans.iter().map(Span::len).sum()
}

/// The longest chain of non-overlapping spans, by total length: (total, the chain in order).
pub fn critical_path(spans: &[Span]) -> (u64, Vec<Span>) {
    let mut v: Vec<&Span> = spans.iter().filter(|s| !s.is_empty()).collect();
    v.sort_by_key(|s| (s.end_us, s.start_us));
    // best[i]: the best chain among the first i spans; from[i]: whether span i-1 is in it, and the
    // chain it extends.
    let mut best = vec![0u64; v.len() + 1];
    let mut take: Vec<Option<usize>> = vec![None; v.len() + 1];
    for i in 0..v.len() {
        // Spans ending no later than this one starts: a prefix of the order by end.
        let p = v[..i].partition_point(|s| s.end_us <= v[i].start_us);
        let with = best[p] + v[i].len();
        if with > best[i] {
            best[i + 1] = with;
            take[i + 1] = Some(p);
        } else {
            best[i + 1] = best[i];
        }
    }
    let mut chain = Vec::new();
    let mut i = v.len();
    while i > 0 {
        match take[i] {
            Some(p) => {
                chain.push(v[i - 1].clone());
                i = p;
            }
            None => i -= 1,
        }
    }
    chain.reverse();
    (best[v.len()], chain)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(device: &str, a: u64, b: u64) -> Span {
        Span { device: device.into(), what: "work".into(), start_us: a, end_us: b }
    }

    #[test]
    fn overlapping_work_counts_once_sequential_work_adds_up() {
        // ID card 0-800 beside the permit 0-1500; then the fingerprint; the receipt during the write.
        let spans = [s("idcard", 0, 800), s("permit", 0, 1500), s("fp", 1600, 2500), s("endorser", 2600, 42600)];
        let mut all = spans.to_vec();
        all.push(s("receipt", 3000, 5500));
        let (total, chain) = critical_path(&all);
        assert_eq!(total, 1500 + 900 + 40000);
        assert_eq!(chain.iter().map(|c| c.device.as_str()).collect::<Vec<_>>(), ["permit", "fp", "endorser"]);
        assert_eq!(sum(&all), 800 + 1500 + 900 + 40000 + 2500);
    }

    #[test]
    fn spans_are_cut_to_the_window() {
        let w = within(&[s("a", 0, 10), s("b", 5, 20), s("c", 30, 40)], 5, 15);
        assert_eq!(w, [s("a", 5, 10), s("b", 5, 15)]);
        assert_eq!(critical_path(&[]).0, 0);
    }
}
