"""End-to-end experiments: the synthetic benchmark and the paper's tables."""
