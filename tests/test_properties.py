"""Robustness properties: no input makes the scanner raise, and results do not depend on how it runs."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import hypothesmith
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskscan.analyse import analyse_file
from riskscan.api import ScanOptions, scan
from riskscan.discover import SourceFile
from riskscan.render import render

from conftest import FIXTURES

VENDORISH = st.sampled_from([
    "import openai\n", "from anthropic import Anthropic\nAnthropic().messages.create()\n",
    "x = 'https://api.groq.com/openai/v1'\n", "import litellm\nlitellm.completion(model='gpt-4o')\n",
    "if TYPE_CHECKING:\n    import cohere\n", "try:\n    import mistralai\nexcept ImportError:\n    pass\n",
    "os.environ['OPENAI_API_KEY']\n", "def f(:\n", "\x00", "\ufeff", "\r\n", "print 'py2'\n",
])


def _analyse_text(catalogue, data: bytes, name: str = "sample.py"):
    folder = Path(tempfile.mkdtemp())
    try:
        path = folder / name
        path.write_bytes(data)
        return analyse_file(SourceFile(path, name, "prod"), catalogue, frozenset(), 5_000_000)
    finally:
        shutil.rmtree(folder)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes_are_scanned_or_skipped_never_raise(catalogue, data):
    result = _analyse_text(catalogue, data)
    assert result.skipped is None or result.skipped.reason


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(VENDORISH, max_size=6).map("".join))
def test_vendor_shaped_fragments_never_raise(catalogue, text):
    result = _analyse_text(catalogue, text.encode("utf-8", "surrogatepass"))
    assert result.skipped is None or result.skipped.reason
    for finding in result.findings:
        assert finding.line >= 1 and finding.vendor in catalogue.vendors


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(hypothesmith.from_grammar())
def test_random_valid_python_never_raises(catalogue, source):
    result = _analyse_text(catalogue, source.encode("utf-8"))
    assert result.skipped is None or result.skipped.reason


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_arbitrary_notebook_text_never_raises(catalogue, text):
    result = _analyse_text(catalogue, text.encode("utf-8", "surrogatepass"), "nb.ipynb")
    assert result.skipped is None or result.skipped.reason


def test_results_do_not_depend_on_workers_or_prefilter(catalogue):
    app = FIXTURES / "example_app"
    baseline = render(scan(app, ScanOptions(jobs=1), catalogue), "json")
    assert render(scan(app, ScanOptions(jobs=2, parallel_from=0), catalogue), "json") == baseline
    assert render(scan(app, ScanOptions(jobs=1, prefilter=False), catalogue), "json") == baseline
