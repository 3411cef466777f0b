"""The ``thermoquake`` command line (click)."""
