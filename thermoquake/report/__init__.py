"""Anomaly-map reports: figures of events, runs and augmentation, one HTML page and a PDF.

Modules, one job each: :mod:`.inputs` reads the workdir / run / augmentation files,
:mod:`.figures_event`, :mod:`.figures_run` and :mod:`.figures_augment` draw matplotlib
figures (Agg), :mod:`.html` writes the page, :mod:`.build` puts them together.
Importing this package imports neither matplotlib nor TensorFlow.
"""
