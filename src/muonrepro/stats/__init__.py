"""Verdict statistics: per-seed effects -> mean, interval, count of seeds where the effect holds ->
verdict (``stats.verdict``), the one place a verdict about data is computed."""
