"""`import trio` re-exports every distribution's public names, once, unchanged."""

import ast
import importlib
import inspect
import re
import textwrap
import types
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest

import trio
import trio.socket
import trio_socket

DISTRIBUTION_MODULES = {
    "trio": ["trio_core", "trio_streams", "trio_signals"],
    "trio.abc": ["trio_core.abc", "trio_streams.abc"],
    "trio.testing": ["trio_core.testing", "trio_streams.testing"],
    "trio.lowlevel": ["trio_core.lowlevel"],
    "trio.socket": ["trio_socket"],
    "trio.to_thread": ["trio_core.to_thread"],
    "trio.from_thread": ["trio_core.from_thread"],
}
LIBRARY_PACKAGES = {"trio", "trio_core", "trio_socket", "trio_streams", "trio_signals"}


@pytest.mark.parametrize("facade", sorted(DISTRIBUTION_MODULES))
def test_every_public_name_is_reexported_as_the_same_object(facade: str) -> None:
    front = importlib.import_module(facade)
    seen: dict[str, str] = {}
    for source_name in DISTRIBUTION_MODULES[facade]:
        source = importlib.import_module(source_name)
        public = getattr(source, "__all__", None)
        assert public, f"{source_name} has no __all__"
        assert len(public) == len(set(public)), f"{source_name}.__all__ has duplicates"
        for name in public:
            assert name not in seen, f"{facade}.{name} is in {seen[name]} and {source_name}"
            seen[name] = source_name
            assert getattr(front, name) is getattr(source, name), f"{facade}.{name}"


def test_the_seed_names_the_stream_abcs_at_the_top_level() -> None:
    import trio_streams.abc

    for name in trio_streams.abc.__all__:
        assert getattr(trio, name) is getattr(trio_streams.abc, name) is getattr(trio.abc, name)
        assert name in trio.__all__
    assert trio.Stream.staple is trio_streams.abc.Stream.staple


def test_what_issue_19_adds_is_in_trio() -> None:
    import trio_streams

    names = [
        "BufferedRecvStream",
        "BufferedReceiveStream",
        "MessageTooLongError",
        "IncompleteMessageError",
        "open_unix_listeners",
        "serve_unix",
        "open_unix_stream",
        "UnixSocketListener",
        "open_udp_socket",
        "serve_udp",
        "UDPSocket",
    ]
    for name in names:
        assert getattr(trio, name) is getattr(trio_streams, name), name
        assert name in trio.__all__, name
    assert trio.BufferedReceiveStream is trio.BufferedRecvStream


def test_submodules_are_modules() -> None:
    for name in ["abc", "testing", "lowlevel", "socket", "to_thread", "from_thread"]:
        assert isinstance(getattr(trio, name), types.ModuleType)
    assert trio.socket.SocketType is trio_socket.SocketType


@pytest.mark.parametrize("facade", sorted(DISTRIBUTION_MODULES))
def test_every_public_callable_has_a_docstring(facade: str) -> None:
    missing = []
    for source_name in DISTRIBUTION_MODULES[facade]:
        source = importlib.import_module(source_name)
        for name in source.__all__:
            obj = getattr(source, name)
            # Names re-exported unchanged from the standard library (the socket
            # module's exceptions, say) keep the standard library's docs.
            if getattr(obj, "__module__", "").split(".")[0] not in LIBRARY_PACKAGES:
                continue
            # Classes and functions, and objects of our classes (such as
            # TASK_STATUS_IGNORED), which inspect.getdoc documents by their type.
            if not (inspect.getdoc(obj) or "").strip():
                missing.append(f"{source_name}.{name}")
    assert not missing, f"public names without a docstring: {missing}"


# --- Issue 7: every public routine documents what it does, its arguments,
# what it raises, and whether it is a checkpoint. ---------------------------

DOCUMENTED_MODULES = [
    "trio_core",
    "trio_core.lowlevel",
    "trio_core.testing",
    "trio_core.abc",
    "trio_core.to_thread",
    "trio_core.from_thread",
    "trio_socket",
    "trio_streams",
    "trio_streams.abc",
    "trio_streams.testing",
    "trio_signals",
]

# Genuine exceptions: (qualified name, check) -> why.  check is one of
# "docstring", "checkpoint", "params", "raises".  Keep it short; an entry
# that no longer silences anything fails test_docstring_exemptions_are_used.
# (None needed so far: classes users never construct say "no public
# constructor", which exempts their __init__ arguments.)
DOCSTRING_EXEMPTIONS: dict[tuple[str, str], str] = {}


class Routine(NamedTuple):
    qualname: str  # as imported: "trio_core.Nursery.start"
    fn: Callable[..., Any]
    kind: str  # "function", "method", "property" (its getter) or "init"
    owner: type | None  # the class, for methods, properties and __init__


def _ours(obj: object) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return module.split(".")[0] in LIBRARY_PACKAGES


def _says_no_public_constructor(cls: type) -> bool:
    return "no public constructor" in " ".join((inspect.getdoc(cls) or "").lower().split())


def _public_routines(module_name: str) -> list[Routine]:
    """The public functions of a module, and the public methods of its classes.

    Methods come from the class and its bases defined in our packages (not
    object, Generic, ABC...), so a private base's methods count too.  Dunder
    methods other than __init__ are skipped: their contract is Python's.  A
    dataclass's generated __init__ counts: its fields are its arguments.
    """
    module = importlib.import_module(module_name)
    found: list[Routine] = []
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.ismodule(obj) or not _ours(obj):
            continue  # submodules; names re-exported from the standard library
        qualname = f"{module_name}.{name}"
        if inspect.isroutine(obj):
            found.append(Routine(qualname, obj, "function", None))
        if not inspect.isclass(obj):
            continue
        seen: set[str] = set()
        for klass in obj.__mro__:
            if not _ours(klass):
                continue
            for attr, value in vars(klass).items():
                if attr in seen or (attr.startswith("_") and attr != "__init__"):
                    continue
                seen.add(attr)
                where = f"{qualname}.{attr}"
                if isinstance(value, property):
                    if value.fget is not None:
                        found.append(Routine(where, value.fget, "property", obj))
                    continue
                if isinstance(value, (staticmethod, classmethod)):
                    value = value.__func__
                if not inspect.isroutine(value) or not _ours(value):
                    continue  # plain attributes; typing's Protocol.__init__
                if attr != "__init__":
                    found.append(Routine(where, value, "method", obj))
                elif not _says_no_public_constructor(obj):
                    found.append(Routine(where, value, "init", obj))
    return found


def _raises_a_class(fn: Callable[..., Any]) -> bool:
    """Whether fn's source has ``raise SomeClass(...)`` or ``raise SomeClass``.

    A bare ``raise`` and re-raising a variable (``raise exc``) do not count.
    """
    try:
        source = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        return False  # generated code (a dataclass's __init__)
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Raise) or node.exc is None:
            continue
        target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        if isinstance(target, ast.Attribute):
            terminal = target.attr
        elif isinstance(target, ast.Name):
            terminal = target.id
        else:
            continue
        if terminal[:1].isupper():
            return True
    return False


def _docstring_problems(module_name: str) -> list[tuple[str, str, str]]:
    """(qualified name, check, message) for each gap, exemptions not applied."""
    problems: list[tuple[str, str, str]] = []
    for routine in _public_routines(module_name):
        name, fn, kind = routine.qualname, routine.fn, routine.kind
        doc = inspect.getdoc(fn) or ""
        if kind == "init":
            # Constructor arguments are documented in the class docstring.
            doc = f"{inspect.getdoc(routine.owner) or ''}\n{doc}"
        elif not doc.strip():
            problems.append((name, "docstring", "no docstring"))
            continue

        # Async or not, a function or method says whether it is a checkpoint.
        if kind in ("function", "method") and "checkpoint" not in doc.lower():
            problems.append((name, "checkpoint", "does not say whether it is a checkpoint"))

        # Every named parameter is mentioned somewhere (an Args: entry, or prose).
        if kind != "property":
            missing = [
                p.name
                for p in inspect.signature(fn).parameters.values()
                if p.name not in ("self", "cls")
                and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
                and not re.search(rf"\b{re.escape(p.name)}\b", doc)
            ]
            if missing:
                problems.append((name, "params", f"parameters not documented: {missing}"))

        # Code that raises an exception class says so (a Raises: section).
        if _raises_a_class(fn) and "raise" not in doc.lower():
            problems.append((name, "raises", "raises, but the docstring has no Raises"))
    return problems


@pytest.mark.parametrize("module_name", DOCUMENTED_MODULES)
def test_every_public_routine_documents_args_raises_and_checkpoints(module_name: str) -> None:
    problems = [
        f"{name}: {message}"
        for name, check, message in _docstring_problems(module_name)
        if (name, check) not in DOCSTRING_EXEMPTIONS
    ]
    assert not problems, "\n".join([f"{module_name}: incomplete docstrings:", *problems])


def test_docstring_exemptions_are_used() -> None:
    flagged = {
        (name, check)
        for module_name in DOCUMENTED_MODULES
        for name, check, _ in _docstring_problems(module_name)
    }
    assert set(DOCSTRING_EXEMPTIONS) <= flagged, "exemptions that silence nothing"
