"""`import trio` re-exports every distribution's public names, once, unchanged."""

import importlib
import inspect
import types

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
            documentable = inspect.isclass(obj) or inspect.isfunction(obj)
            # Names re-exported unchanged from the standard library (the socket
            # module's exceptions, say) keep the standard library's docs.
            if getattr(obj, "__module__", "").split(".")[0] not in LIBRARY_PACKAGES:
                continue
            if documentable and not (obj.__doc__ or "").strip():
                missing.append(f"{source_name}.{name}")
    assert not missing, f"public names without a docstring: {missing}"
