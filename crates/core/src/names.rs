//! Name suggestions for "did you mean".

/// Edit distance between two short strings.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Names longer than this get no suggestion (the edit distance is quadratic in length).
const MAX_SUGGEST_LEN: usize = 64;

/// The closest candidate within a distance proportional to the word's length.
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let n = word.chars().count();
    if n > MAX_SUGGEST_LEN {
        return None;
    }
    let w = word.to_ascii_lowercase();
    let limit = (n / 3).max(1) + 1;
    candidates
        .iter()
        // The distance is at least the difference in length: skip the hopeless ones cheaply.
        .filter(|c| c.len().abs_diff(w.len()) <= limit * 4 && c.chars().count().abs_diff(n) <= limit)
        .map(|c| (levenshtein(&w, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let fields = ["placement", "target", "title", "buttons"];
        assert_eq!(did_you_mean("placment", &fields), Some("placement"));
        assert_eq!(did_you_mean("tittle", &fields), Some("title"));
        assert_eq!(did_you_mean("zzzzzz", &fields), None);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
    }
}
