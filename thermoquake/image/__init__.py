"""Epicentre images: the 1 km grid around an epicentre, cropping tiles onto it, and the GeoTIFF that holds it."""
