"""Batch preprocessing (``thermoquake preprocess``): every target and RST-reference epicentre
image of a list of events, cropped from a directory of MODIS tiles, on dask.distributed.

Modules: ``events`` (read and validate the events CSV), ``hdf_index`` (find tiles by MODIS
file name), ``plan`` (the deterministic list of images), ``workdir`` (output layout and
parameters), ``tables`` (manifest and failures), ``run`` (execute the plan).
"""
