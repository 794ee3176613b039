"""Secret redaction: the one function every string passes on its way out of the analysis.

A key can reach a report by many roads besides the literal it was found in: a snippet of the
same line, an endpoint URL, a model string, a manifest URL with credentials, a parser's error
message, a file name, a traceback. So redaction is not the string scanner's job alone: the
analysis boundary (`redact_result`, applied to every FileResult as it leaves `analyse_file`,
before the cache or a worker pipe sees it), the report (`redact_findings`), every rendered
document and every message (`redact_document`, `redact_message`) pass here.

What is masked, always, whatever rule files a scanned repository brings: the built-in key
formats, generic key shapes (`token_…` with a random-looking tail), credentials in URLs
(`https://user:KEY@host`, `?key=KEY`) and bearer tokens. Key formats from extra rule folders
are matched independently and the masked spans are united, so an added pattern can widen what
is masked, never narrow it. Code text is also read as Python reads it: escapes decoded
(`"\\x73k-…"`) and adjacent literals joined (`"sk-proj-" "Q7x9…"`), with every match mapped
back onto the characters that spelled it. A snippet cut in the middle of a key loses the cut
key too, and the pieces of a key the string scanner found are masked wherever they appear.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from functools import lru_cache
from typing import Iterable, Optional

_KEEP = 6
_GRAM = 8  # a run of key characters sharing this many characters with a found key is part of it
_KEY_RUN = re.compile(r"[A-Za-z0-9_\-+/=]+")
_FINAL_RUN = re.compile(r"[A-Za-z0-9_\-+/=]+\Z")
# Generic shapes: the key of a provider the catalogue does not know. The tail must look random
# (a digit, or both cases), so `token_usage_for_streaming_responses` stays readable.
_GENERIC = re.compile(r"(?<![A-Za-z0-9])(?:sk|pk|rk|api|key|token|secret)[-_]([A-Za-z0-9_\-]{24,})", re.IGNORECASE)
_GENERIC_PREFIXES = tuple(f"{word}{sep}" for word in ("sk", "pk", "rk", "api", "key", "token", "secret") for sep in "-_")
_USERINFO = re.compile(r"://([A-Za-z0-9._~%!$&'()*+,;=:\-]+)@")
_URL_PARAM = re.compile(r"[?&;](?:api[_-]?key|apikey|key|token|access[_-]?token|auth|secret|password|passwd|pwd|sig|signature)"
                        r"=([A-Za-z0-9._~%+/=\-]+)", re.IGNORECASE)
_BEARER = re.compile(r"[Bb]earer[ \t]+([A-Za-z0-9._~+/\-]{16,}=*)")
# How Python spells a character in a literal, and where two literals meet (`"a" "b"` is "ab").
_JOINT_TEXT = r"[\"']\s*[rRuUfFbB]{0,2}[\"']"
_JOINT = re.compile(_JOINT_TEXT)
_SPELLING = re.compile(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|N\{[^}\n]{1,80}\}|.)|" + _JOINT_TEXT)
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


_MASKED = "…[REDACTED"


def mask(secret: str) -> str:
    """`sk-proj-abc...` -> `sk-pro…[REDACTED 51 chars]`: enough to recognise, never enough to use."""
    return f"{secret[:min(_KEEP, len(secret) // 4)]}…[REDACTED {len(secret)} chars]"


def _random_tail(tail: str) -> bool:
    return any(c.isdigit() for c in tail) or (any(c.islower() for c in tail) and any(c.isupper() for c in tail))


class Redactor:
    """Masks keys in text: given key formats (compiled patterns) plus the generic shapes above."""

    def __init__(self, formats: Iterable = ()):
        from .ruleset import required_literal

        self.formats = [(p, required_literal(p.pattern)) for p in formats]
        self.literals = tuple(sorted({lit for _, lit in self.formats if lit} | set(_GENERIC_PREFIXES), key=len, reverse=True))

    def __call__(self, text, known: tuple = (), cut: bool = False, code: bool = True):
        """`text` with every key masked; `known`: keys found in the same file (their pieces are
        masked too); `cut`: the text was truncated, so a key running into its end is masked;
        `code`: the text may quote source code, so literals are read as Python reads them."""
        if not isinstance(text, str) or not text:
            return text
        view, where = _code_view(text) if code else (text, None)
        spans = self._spans(view, known)
        if cut:
            spans += self._cut_key(view)
        if not spans:
            return text
        return _apply(text, view, where, spans)

    def _spans(self, view: str, known: tuple) -> list:
        spans = []
        for pattern, literal in self.formats:
            if literal is None or literal in view:
                spans += [m.span() for m in pattern.finditer(view) if m.end() > m.start()]
        spans += _generic_spans(view)
        for shape, needle in ((_USERINFO, "://"), (_URL_PARAM, "="), (_BEARER, "earer")):
            if needle in view:
                spans += [m.span(1) for m in shape.finditer(view)]
        if known:
            grams = _grams(known, self.literals)
            spans += [m.span() for m in _KEY_RUN.finditer(view) if len(m.group()) >= _GRAM and _shares(m.group(), grams)]
        return spans

    def holds_key(self, text: str) -> bool:
        """Whether `text` holds a key of a known format: a quick test (fixed starts first)."""
        return any((literal is None or literal in text) and pattern.search(text) for pattern, literal in self.formats)

    def _cut_key(self, view: str) -> list:
        """A key format's fixed start followed by key characters up to the very end of a cut text."""
        run = _FINAL_RUN.search(view)
        if run is None:
            return []
        for literal in self.literals:
            at = run.group().rfind(literal)
            if at >= 0 and len(run.group()) - at - len(literal) >= 4:
                return [(run.start() + at, len(view))]
        return []


def _generic_spans(view: str) -> list:
    """The generic shapes, found from their prefixes (`token_`, `sk-`): searching the pattern itself,
    case-insensitive with a look-behind, costs a regex step at every character of a report."""
    lowered, spans = view.lower(), []
    for prefix in _GENERIC_PREFIXES:
        at = lowered.find(prefix)
        while at != -1:
            match = _GENERIC.match(view, at)
            if match and _random_tail(match.group(1)):
                spans.append(match.span())
            at = lowered.find(prefix, at + 1)
    return spans


def _grams(known: tuple, literals: tuple) -> frozenset:
    """Every _GRAM-long piece of the found keys that holds at least one character past a format's fixed start."""
    grams = set()
    for key in known:
        if not isinstance(key, str):
            continue
        start = max((len(lit) for lit in literals if key.startswith(lit)), default=0)
        grams.update(key[i:i + _GRAM] for i in range(max(0, start - _GRAM + 1), len(key) - _GRAM + 1))
    return frozenset(grams)


def _shares(run: str, grams: frozenset) -> bool:
    return any(run[i:i + _GRAM] in grams for i in range(len(run) - _GRAM + 1))


def _code_view(text: str) -> tuple:
    """(text as Python would read its literals, the source span of each view character).

    Escapes are decoded and adjacent literals joined (a joint spells no character, so a match
    runs across it); text without either is its own view, with no span table.
    """
    if "\\" not in text and not _JOINT.search(text):
        return text, None
    chars, where, position = [], [], 0
    for token in _SPELLING.finditer(text):
        chars += text[position:token.start()]
        where += [(i, i + 1) for i in range(position, token.start())]
        decoded = _decode(token.group())
        chars += decoded
        where += [token.span()] * len(decoded)
        position = token.end()
    chars += text[position:]
    where += [(i, i + 1) for i in range(position, len(text))]
    return "".join(chars), where


def _decode(token: str) -> str:
    """One escape sequence as the character it spells; a literal joint as nothing."""
    if token[0] != "\\":
        return ""
    body = token[1:]
    try:
        if body[0] in "xuU":
            return chr(int(body[1:], 16))
        if body[0] in "01234567":
            return chr(int(body, 8))
        if body.startswith("N{"):
            return unicodedata.lookup(body[2:-1])
    except (ValueError, KeyError, OverflowError):
        return token
    return _SIMPLE.get(body, token)


def _apply(text: str, view: str, where, spans: list) -> str:
    """Mask each merged span (view positions) over the source characters that spelled it."""
    merged = []
    for start, end in sorted(span for span in spans if not view.startswith(_MASKED, span[1])):  # already masked
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, position = [], 0
    for start, end in merged:
        source_start, source_end = (start, end) if where is None else (where[start][0], where[end - 1][1])
        if source_start < position:
            continue
        out.append(text[position:source_start])
        out.append(mask(view[start:end]))
        position = source_end
    out.append(text[position:])
    return "".join(out)


# ---------------------------------------------------------------------- who redacts with what
@lru_cache(maxsize=8)
def _redactor(version: str, formats: tuple) -> Redactor:
    return Redactor(formats)


_FLOOR: list = []  # the built-in redactor, once known


def redactor_for(catalogue=None) -> Redactor:
    """The catalogue's key formats (built-in plus any rule folder's) and the generic shapes;
    without a catalogue, the built-in formats."""
    if catalogue is None:
        return builtin_redactor()
    if not _FLOOR:  # the catalogue holds the built-in formats already: no need to read the files again
        from .ruleset import builtin_rules_dir

        shipped = str(builtin_rules_dir())
        _FLOOR.append(Redactor(p for p, vendor, _ in catalogue.secrets
                               if str(getattr(catalogue.vendors.get(vendor), "source", "")).startswith(shipped)))
    return _redactor(catalogue.version, tuple(p for p, _, _ in catalogue.secrets))


def builtin_redactor() -> Redactor:
    """The floor no rule folder can lower: the shipped key formats, read from the shipped rule
    files alone when no catalogue was loaded (errors can come before one, and from a broken one)."""
    if not _FLOOR:
        _FLOOR.append(_read_builtin())
    return _FLOOR[0]


def _read_builtin() -> Redactor:
    try:
        from .ruleset import builtin_rules_dir, rule_files, tomllib

        documents = (tomllib.loads(path.read_text(encoding="utf-8")) for kind, path in rule_files(builtin_rules_dir())
                     if kind == "vendor")
        return Redactor(re.compile(s["pattern"], re.ASCII) for data in documents for s in data.get("secrets", ()))
    except Exception:  # a best effort: a broken installation must not hide the error being reported
        return Redactor()


def redact(text: str, catalogue=None, force: bool = False) -> str:
    """Replace every key-shaped substring of `text`; `force` masks the whole text."""
    if force:
        return mask(text)
    return redactor_for(catalogue)(text)


def redact_message(text: str) -> str:
    """An error or warning may quote a value from a config, rule, manifest or source file."""
    return builtin_redactor()(str(text))


def redact_document(text: str) -> str:
    """A rendered report or export, the last pass before it is written: the built-in formats and
    generic shapes, none of which spans a quote or a backslash, so JSON stays JSON."""
    return builtin_redactor()(text, code=False) if isinstance(text, str) else text


def unstorable(row: str, path: str) -> bool:
    """Whether a cache row still names a key (in its file name, or an identifier of a built-in
    format): such a row is never written. Everything else in a row was redacted at the boundary."""
    redactor = builtin_redactor()
    return redactor(path, code=False) != path or redactor.holds_key(row)


# ---------------------------------------------------------------------- the analysis boundary
def redact_result(result, catalogue):
    """A FileResult as it leaves the analysis: every string a report can show, redacted.

    A secret finding arrives with the key it found as its detail (the scanner knows no more
    than the literal); here it becomes the mask, and the key's pieces are masked in the other
    findings of the file (a key split over two lines, or built in an f-string, shows its
    remainder in snippets without its recognisable start).
    """
    redactor = redactor_for(catalogue)
    known = tuple(f.detail for f in result.findings if f.kind == "secret" and "[REDACTED" not in f.detail)
    result.findings = [_finding(f, redactor, known) for f in result.findings]
    if result.skipped is not None:
        result.skipped = replace(result.skipped, reason=redactor(result.skipped.reason, known))
    structure = result.structure
    if structure is not None:
        for entry in structure.entries:
            entry.detail, entry.name = redactor(entry.detail, known), redactor(entry.name, known)
        structure.url_views = [tuple(redactor(part, known) if isinstance(part, str) else part for part in view)
                               for view in structure.url_views]
    return result


def redact_findings(findings: list, catalogue=None, results=()) -> list:
    """Findings made from whole files or manifests after the analysis, redacted the same way; the
    ones that came through redact_result unchanged (`results`) are not read twice."""
    redactor = redactor_for(catalogue)
    done = {_shown(f) for result in results for f in result.findings}
    return [f if _shown(f) in done else _redacted(f, redactor) for f in findings]


def _redacted(finding, redactor: Redactor):
    """_finding without known keys, kept by value: the lifecycle findings a history makes again for
    every commit are read once. (A finding whose facts hold a list cannot be a key: read each time.)"""
    try:
        return _redacted_once(finding, redactor)
    except TypeError:
        return _finding(finding, redactor, ())


@lru_cache(maxsize=4096)
def _redacted_once(finding, redactor: Redactor):
    return _finding(finding, redactor, ())


_SHOWN = ("detail", "snippet", "model", "function", "facts")  # what _finding redacts


def _shown(finding) -> tuple:
    """The strings of a finding that redaction reads, by identity: a finding a later pass made from
    a redacted one (its vendor or lock-in class set) shows the very same strings, and is not read again."""
    return tuple(id(getattr(finding, name)) for name in _SHOWN)


def _finding(finding, redactor: Redactor, known: tuple):
    if finding.kind == "secret" and "[REDACTED" not in finding.detail:
        detail = mask(finding.detail)
    else:
        detail = redactor(finding.detail, known)
    changed = dict(
        detail=detail, snippet=redactor(finding.snippet, known, cut=True), model=redactor(finding.model, known),
        function=redactor(finding.function, known), facts=tuple((k, _value(v, redactor, known)) for k, v in finding.facts))
    if all(changed[name] == getattr(finding, name) for name in changed):
        return finding
    return replace(finding, **changed)


def _value(value, redactor: Redactor, known: tuple):
    if isinstance(value, str):
        return redactor(value, known)
    if isinstance(value, (list, tuple)):
        return type(value)(_value(v, redactor, known) for v in value)
    return value
