"""Honest evaluation: metrics from one confusion matrix, intervals over events, baselines."""
