"""Boundary import: read any vector file, normalise, repair, check, then write a new generation."""

from .core import BoundaryImportError, ImportReport, LayerSpec, import_layers, prepare_layer

__all__ = ["BoundaryImportError", "ImportReport", "LayerSpec", "import_layers", "prepare_layer"]
