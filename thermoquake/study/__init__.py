"""A study: which samples (events and controls), on which days, and which granules they need."""
