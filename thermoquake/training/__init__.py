"""Retraining per forecast window: cross-validated fits, out-of-fold predictions, the run
directory (model, configuration, metrics). Imports Keras: only ML commands load it."""
