"""`riskscan learn`: adapter rules learned from the code that defines them.

The pipeline, one module per step: sources.py (which files make a distribution, read from folders,
wheels, sdists and site-packages metadata, never imported) -> analysis.py (the scan engine's
per-file analysis under the names the layout gives) -> symbols.py (public symbols, classes and
their bases, router arguments) -> reach.py (what each symbol reaches through the call graph, and
what it is learned as) -> rules.py (the rule file: data, TOML, validation, loading) -> env.py
(learning the distributions a scanned project imports, cached by content hash; venv.py finds an
environment's site-packages and signs it for the run memo).

Kept free of imports: ruleset.py loads learned files through rules.py while it is itself loading.
"""
