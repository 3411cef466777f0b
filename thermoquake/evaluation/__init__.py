"""Honest evaluation: metrics from one confusion matrix, intervals over event groups, baselines."""
