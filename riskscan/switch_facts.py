"""Per-file facts for configuration-time switches: where code picks one of several named options.

The structure walk (structure.py) hands over the few statements that can choose an
implementation by a name known only at run time: a dict literal of name -> class, factory or
"dotted.path.Class" string (a registry), an if/elif chain or a match statement comparing one
value against names (its `else` is an option too), an if/else on a flag read from configuration
(`if os.getenv("USE_LITELLM"):`), and classes registered under a name by a decorator
(`@register_provider(LLMType.OPENAI)`, options of one registry spread over many files). This
module records, for each option, its label, its lines and what it
refers to; whether the options really are different AI providers is decided after extraction,
over the whole repository (switches.py), because a registry usually names classes of other files.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Callable, Optional

_DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")
_SETTING_KEY = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$")  # USE_LITELLM, OPENAI_CHAT_HOST
_CONFIG_HOLDERS = frozenset({"settings", "config", "cfg", "conf", "configuration", "environ", "env"})
MIN_OPTIONS = 2
OTHERWISE = "(otherwise)"  # the label of a chain's final `else`


@dataclass(frozen=True)
class SwitchOption:
    label: str  # the key or compared value ("openai", "LLMProvider.ANTHROPIC")
    start: int  # lines of the option's value or branch
    end: int
    refs: tuple = ()  # dotted targets it names or calls (absolute where the module's imports resolve them)


@dataclass(frozen=True)
class SwitchFact:
    kind: str  # "registry" (a dict of options), "branch" (if/elif, match or a flag) or "decorator" (registered classes)
    line: int
    owner: str  # qualname of the function or class holding it (the class, for a class attribute)
    options: tuple  # SwitchOption


def registry(node: ast.Dict, line: int, owner: str, resolve: Callable) -> Optional[SwitchFact]:
    """A dict whose keys are names and whose values refer to code: `{"openai": OpenAILLM, ...}`."""
    options = []
    for key, value in zip(node.keys, node.values):
        label = _label(key)
        refs = _value_refs(value, resolve) if label is not None else ()
        if refs:
            options.append(SwitchOption(label, value.lineno, value.end_lineno or value.lineno, refs))
    return SwitchFact("registry", line, owner, tuple(options)) if len(options) >= MIN_OPTIONS else None


def chain(node: ast.If) -> list:
    """The if/elif nodes of a chain whose conditions each compare a value with names."""
    found, current = [], node
    while isinstance(current, ast.If) and _compared_labels(current.test):
        found.append(current)
        orelse = current.orelse
        current = orelse[0] if len(orelse) == 1 and isinstance(orelse[0], ast.If) else None
    return found


def branch_chain(nodes: list, owner: str, resolve: Callable) -> Optional[SwitchFact]:
    """`if mode == "openai": ... elif mode == "ollama": ... else: ...` (the nodes of `chain`): the
    final `else` runs for every other value, so it is an option of its own."""
    options = [_branch(label, n.body, resolve) for n in nodes for label in _compared_labels(n.test)]
    if nodes and nodes[-1].orelse:
        options.append(_branch(OTHERWISE, nodes[-1].orelse, resolve))
    return SwitchFact("branch", nodes[0].lineno, owner, tuple(options)) if len(options) >= MIN_OPTIONS else None


def flag_branch(node: ast.If, owner: str, resolve: Callable, flags: dict) -> Optional[SwitchFact]:
    """`if use_litellm: ... else: ...` where the flag is read from configuration (or is a name
    whose value, in `flags`, was): a deploy chooses the branch. Any other if/else is no switch."""
    test, negated = node.test, False
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test, negated = test.operand, True
    if not node.orelse or not isinstance(test, (ast.Name, ast.Attribute, ast.Call, ast.Subscript)):
        return None
    if not reads_configuration(flags.get(test.id) if isinstance(test, ast.Name) else test):
        return None
    label = ast.unparse(test)[:80]
    branches = [(label, node.body), (f"not {label}", node.orelse)]
    options = [_branch(text, body, resolve) for text, body in (branches[::-1] if negated else branches)]
    return SwitchFact("branch", node.lineno, owner, tuple(options))


def reads_configuration(node) -> bool:
    """`os.getenv("X")`, `os.environ["X"]`, `cfg.get("USE_X")`, `settings.use_azure`: a value a
    deploy sets, not one the program computes."""
    if node is None:
        return False
    for child in ast.walk(node):
        if isinstance(child, ast.Call) and _dotted_parts(child.func)[-1:] == ["getenv"]:
            return True
        if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) and child.func.attr == "get" and \
                child.args and isinstance(child.args[0], ast.Constant) and _SETTING_KEY.match(str(child.args[0].value)):
            return True
        if isinstance(child, (ast.Attribute, ast.Subscript)):
            holders = [part.lower() for part in _dotted_parts(child.value)]
            if _CONFIG_HOLDERS.intersection(holders):
                return True
    return False


def registration(decorator, target: str) -> Optional[SwitchFact]:
    """`@register_provider(LLMType.OPENAI)` (or a list of names) on a class: one option of the
    registry the decorator fills, whose other options are in other files (switches.py joins them
    by the decorator's name, the fact's owner). Line numbers are left out: the class is the ref."""
    if not isinstance(decorator, ast.Call) or not decorator.args:
        return None
    first = decorator.args[0]
    labels = [_label(e) for e in first.elts] if isinstance(first, (ast.List, ast.Tuple)) else [_label(first)]
    if not labels or not all(labels) or any("/" in label or " " in label for label in labels):
        return None  # a route's path or a sentence is no provider's name
    name = ".".join(_dotted_parts(decorator.func))
    options = tuple(SwitchOption(label, 0, 0, (target,)) for label in labels)
    return SwitchFact("decorator", decorator.lineno, name, options) if name else None


def _dotted_parts(node) -> list:
    """["self", "config", "use_azure"] of `self.config.use_azure`; [] for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return [node.id] + parts[::-1] if isinstance(node, ast.Name) else []


def match_cases(node, owner: str, resolve: Callable) -> Optional[SwitchFact]:
    """`match settings.provider: case "openai": ... case "anthropic": ...`."""
    options = []
    for case in node.cases:
        for label in _pattern_labels(case.pattern):
            options.append(_branch(label, case.body, resolve))
    return SwitchFact("branch", node.lineno, owner, tuple(options)) if len(options) >= MIN_OPTIONS else None


def _branch(label: str, body: list, resolve: Callable) -> SwitchOption:
    refs = []
    for statement in body:
        for child in ast.walk(statement):
            if isinstance(child, ast.Call):
                refs.append(resolve(child.func))
            elif isinstance(child, ast.Constant) and isinstance(child.value, str) and _DOTTED.match(child.value):
                refs.append(child.value)
    end = max((getattr(s, "end_lineno", None) or s.lineno for s in body), default=body[0].lineno)
    return SwitchOption(label, body[0].lineno, end, tuple(sorted({r for r in refs if r})))


def _value_refs(value, resolve: Callable) -> tuple:
    """What a registry value names: a class or function, a dotted path string, or those inside a
    tuple, a call (`partial(Cls, ...)`, `Cls(...)`) or a lambda body."""
    found = []
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, (ast.Name, ast.Attribute)):
            found.append(resolve(current))
        elif isinstance(current, ast.Constant) and isinstance(current.value, str) and _DOTTED.match(current.value):
            found.append(current.value)
        elif isinstance(current, (ast.Tuple, ast.List)):
            stack.extend(current.elts)
        elif isinstance(current, ast.Call):
            stack.append(current.func)
            stack.extend(current.args)
        elif isinstance(current, ast.Lambda):
            stack.append(current.body)
    return tuple(sorted({r for r in found if r}))


def _label(node) -> Optional[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value:
        return node.value
    if isinstance(node, ast.Attribute):  # an enum member: LLMProvider.OPENAI
        return _attribute_label(node)
    return None


def _attribute_label(node) -> Optional[str]:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join([node.id] + parts[::-1]) if isinstance(node, ast.Name) else None


def _compared_labels(test) -> list:
    """Names one branch condition compares against: `x == "a"`, `x in ("a", "b")`, `"a" == x`."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        labels = [_compared_labels(value) for value in test.values]
        return [label for group in labels for label in group] if all(labels) else []
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return []
    op, left, right = test.ops[0], test.left, test.comparators[0]
    if isinstance(op, (ast.Eq, ast.Is)):
        # a name compared with a string, or with an enum member on the right (`mode is Provider.OPENAI`)
        side = right if isinstance(right, (ast.Constant, ast.Attribute)) else left if isinstance(left, ast.Constant) else None
        label = _label(side) if side is not None else None
        return [label] if label else []
    if isinstance(op, ast.In) and isinstance(right, (ast.Tuple, ast.List, ast.Set)):
        labels = [_label(element) for element in right.elts]
        return labels if labels and all(labels) else []
    return []


def _pattern_labels(pattern) -> list:
    if isinstance(pattern, ast.MatchValue):
        label = _label(pattern.value)
        return [label] if label else []
    if isinstance(pattern, ast.MatchOr):
        labels = [_pattern_labels(p) for p in pattern.patterns]
        return [label for group in labels for label in group] if all(labels) else []
    return []
