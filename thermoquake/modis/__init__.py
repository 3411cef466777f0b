"""MODIS-specific knowledge: the sinusoidal tile grid, file names, products, QC and the HDF4 reader."""
