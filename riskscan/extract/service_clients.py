"""Clients of a generic SDK told apart by an argument (the AWS service of `boto3.client`), built
where the walk cannot read the argument at the SDK's own call: through a factory parameterised by
it, or on a receiver nobody typed.

`boto3.client(service_name)` is Amazon Bedrock for "bedrock-runtime", SageMaker for
"sagemaker-runtime" and no AI provider for "s3" (the `discriminator` of a `[[clients]]` rule).
Packages often build every client in one helper (`def aws_client(service_name, region=None):
... return boto3.client(**params)`) and call it with the literal: the helper alone reaches no
provider, each call of it with a literal builds that provider's client. A module-level function
that returns such a call, its discriminating argument being one of its parameters (directly, or
as a key of a dict literal unpacked with `**`), is recorded as a factory of that client
parameterised by that parameter; a call of it, in the same module or (through the exports of
imported.py) in another, is then judged as the client's own call would be. And a session handed
in untyped (`session.client(service_name="bedrock-runtime")`) builds the client the SDK's own
method and keyword name.
"""
from __future__ import annotations

from typing import Optional

import libcst as cst

from .syntax import first_arg, string_value
from .values import Value


class ServiceClientsMixin:
    """Finds the module's parameterised client factories, resolves calls of them, and clients built on untyped sessions."""

    def _init_factories(self) -> None:
        self.signatures: list = []  # per enclosing function: its parameters a caller passes by position, in order
        self.factories: dict = {}  # module-level function -> (client path, parameter, its position)
        self.imported_factories: dict = {}  # dotted name -> the same, exported by another module
        self._param_clients: dict = {}  # id(call) -> (client path, parameter, position): a call building by a parameter
        self._factory_imports: dict = {}  # id(call) or function -> the Value of the callee, whose import it uses

    def enter_signature(self, node: cst.FunctionDef) -> None:
        params = list(node.params.posonly_params) + list(node.params.params)
        self.signatures.append(tuple(p.name.value for p in params))

    def leave_signature(self) -> None:
        self.signatures.pop()

    def discriminating_arg(self, node: cst.Call, position, keyword) -> Optional[cst.CSTNode]:
        """The argument at `position` / `keyword`, else the value `keyword` has in a dict literal
        unpacked into the call (`boto3.client(**{"service_name": name, ...})`, through a name)."""
        argument = first_arg(node, position, keyword)
        if argument is not None or keyword is None:
            return argument
        for arg in node.args:
            if arg.star != "**":
                continue
            value = self.value_of(arg.value)
            literal = value.node if value is not None else None
            for element in (literal.elements if isinstance(literal, cst.Dict) else ()):
                if isinstance(element, cst.DictElement) and string_value(element.key) == keyword:
                    return element.value
        return None

    def discriminated(self, node: cst.Call, position, keyword, values: tuple, client: str) -> bool:
        """Whether the call's discriminating argument is one of `values`: a literal, or a parameter
        typed `Literal["bedrock-runtime", "bedrock"]` whose every choice is one. An argument that is
        the enclosing function's own parameter makes the call, a `client` built, a factory's (see
        `returned_call`)."""
        argument = self.discriminating_arg(node, position, keyword)
        value = self.value_of(argument) if argument is not None else None
        if value is not None and (value.text in values or value.choices and set(value.choices) <= set(values)):
            return True
        param = self._own_parameter(argument)
        if param is not None:
            self._param_clients.setdefault(id(node), (client,) + param)
            self._factory_imports.setdefault(id(node), self.value_of(node.func))
        return False

    def discriminated_entry(self, node: cst.Call, client: str, where: Optional[tuple] = None) -> tuple:
        """(entry, vendor) of the generic SDK client `client` that the call's discriminating argument
        selects, read where the rule says (its position and keyword) or at `where` (a factory's
        parameter: position, name); (None, None) when it selects none of the catalogued ones."""
        for vendor in self.cat.conditional_roots.get(client.split(".")[0], ()):
            entry = self.cat.entries.get(f"{client}#{vendor}")
            if entry is not None and entry.discriminator:
                position, keyword, values = entry.discriminator
                if self.discriminated(node, *(where or (position, keyword)), values, client):
                    return entry, vendor
        return None, None

    def _own_parameter(self, argument) -> Optional[tuple]:
        """(name, position) when `argument` is a parameter of the enclosing function, not rebound."""
        if not isinstance(argument, cst.Name) or not self.signatures or self.lookup(argument.value) is not None:
            return None
        params = self.signatures[-1]
        return (argument.value, params.index(argument.value)) if argument.value in params else None

    def returned_call(self, function: str, node) -> None:
        """`return boto3.client(**params)` in a module-level function: a factory when the call
        builds its client by one of the function's parameters."""
        if isinstance(node, cst.Await):
            node = node.expression
        built = self._param_clients.get(id(node)) if isinstance(node, cst.Call) else None
        if built is not None and "." not in function:
            self.factories[function] = built
            self._factory_imports[function] = self._factory_imports.get(id(node))

    def factory_call(self, node: cst.Call, callee: str, func: Optional[Value]) -> bool:
        """A call of a parameterised factory (`aws_client("bedrock-runtime")`): the client its
        argument selects is built here (a finding with feature `client`), and the call's value is
        that client, so requests on it are call sites. False when `callee` is no such factory."""
        spec = self.factories.get(callee) or self.imported_factories.get(callee)
        if spec is None:
            return False
        client, param, position = spec
        entry, vendor = self.discriminated_entry(node, client, (position, param))
        if entry is None:
            return False  # (a factory handing its own parameter on to this one is a factory too: `discriminated`)
        index = self.add(node, vendor, "call", callee, feature="client", **self._call_facts(node))
        self._derive(func or self._factory_imports.get(callee), vendor)  # the import of this module or of the SDK
        self.call_values[id(node)] = Value(path=f"{client}()", vendor=vendor, site=index, kind="call",
                                           binding=func.binding if func is not None else None)
        return True

    def untyped_client(self, node: cst.Call) -> bool:
        """`session.client(service_name="bedrock-runtime")` on a receiver the walk cannot type (an
        untyped parameter, a session from elsewhere): the method and the keyword a generic SDK's
        client is told apart by, with one of the provider's values, build that client. Only the
        keyword form counts: a positional `x.client("bedrock")` may be anything's."""
        if not isinstance(node.func, cst.Attribute):
            return False
        for client, vendor, keyword, values in self.cat.discriminated_methods().get(node.func.attr.value, ()):
            argument = self.discriminating_arg(node, None, keyword)
            value = self.value_of(argument) if argument is not None else None
            if value is not None and value.text in values:
                index = self.add(node, vendor, "call", client, feature="client", **self._call_facts(node))
                self.call_values[id(node)] = Value(path=f"{client}()", vendor=vendor, site=index, kind="call")
                return True
        return False

    def exported_factories(self) -> dict:
        """"name()" -> (client path, "", "factory", "parameter:position"): an export row (imported.py)."""
        return {f"{name}()": (client, "", "factory", f"{param}:{position}")
                for name, (client, param, position) in self.factories.items()}


def factory_of(row: tuple) -> Optional[tuple]:
    """(client path, parameter, position) of an exported factory row; None for a value's row."""
    path, _, kind, spec = row
    if kind != "factory" or not spec or ":" not in spec:
        return None
    param, _, position = spec.rpartition(":")
    return (path, param, int(position)) if position.isdigit() else None
