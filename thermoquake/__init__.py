"""thermoquake: thermal precursors of earthquakes in MODIS land-surface temperature.

Importing the package is cheap: no TensorFlow, no Keras, no dask. Heavy
libraries are imported inside the modules that need them.
"""

__version__ = "0.1.0"
