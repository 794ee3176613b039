"""riskscan: how dependent is this code on AI vendors, and what breaks if one fails."""
__version__ = "0.1.0"

from .api import ScanOptions, scan  # noqa: E402
from .model import Finding, Report, Skipped  # noqa: E402

__all__ = ["__version__", "scan", "ScanOptions", "Report", "Finding", "Skipped"]
