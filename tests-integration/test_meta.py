import importlib.metadata

import trio
import trio.socket
import trio_socket


def test_meta_package_pins_every_component() -> None:
    assert set(trio.component_versions) == {
        "trio-core",
        "trio-socket",
        "trio-streams",
        "trio-signals",
    }
    for dist, version in trio.component_versions.items():
        assert version == importlib.metadata.version(dist)
    requires = importlib.metadata.requires("trio") or []
    for dist in trio.component_versions:
        assert f"{dist}<0.2,>=0.1" in requires or f"{dist}>=0.1,<0.2" in requires


def test_socket_is_a_module_reexport() -> None:
    assert trio.socket.__name__ == "trio.socket"
    assert set(getattr(trio_socket, "__all__", [])) <= set(dir(trio.socket))
