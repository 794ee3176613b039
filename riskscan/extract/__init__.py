"""Stage 2: vendor evidence in one module, found with libcst (the walk is in extractor.py)."""
from .extractor import ModuleExtractor, extract_module
from .syntax import string_value

__all__ = ["ModuleExtractor", "extract_module", "string_value"]
