"""Analytics layer: pure functions, frames and values in, frames, values and dataclasses out (docs/metrics.md); no sentences, no charts."""
