"""riskscan: how dependent is this code on AI vendors, and what breaks if one fails."""
__version__ = "0.1.0"

__all__ = ["__version__", "scan", "ScanOptions", "Report", "Finding", "Skipped"]

# Loaded on first use, so that `riskscan check` and a memoised scan start without importing the
# whole pipeline (`from riskscan import scan` works as before).
_LAZY = {"scan": "api", "ScanOptions": "api", "Report": "model", "Finding": "model", "Skipped": "model"}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'riskscan' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
