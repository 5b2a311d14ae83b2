"""The demo the README's first command runs (grows into the TLS chat demo)."""

import trio

print(f"trio {trio.__version__}")
for dist, version in sorted(trio.component_versions.items()):
    print(f"  {dist:<13} {version}")
