"""Where the bootstrap puts the command-line tools the suite runs on the host (git-ignored `.tools/`).

promtool comes from Debian's `prometheus` package (the same 2.42 as the stack's image), amtool from
`prometheus-alertmanager` (0.25, as in the stack), the
Allure 2 command line from npm `allure-commandline` (runs on the Debian JRE), actionlint from
`go install`, chromium from Debian. `scripts/bootstrap.sh` installs them; this module only finds them.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from chaos_harness.errors import InfrastructureError
from chaos_harness.layout import current

# where each tool lands under the tools directory (CHAOS_TOOLS_DIR, else .tools/ in the project root)
_LOCAL = {
    "promtool": Path("prometheus", "usr", "bin", "promtool"),
    "amtool": Path("alertmanager", "usr", "bin", "amtool"),
    "allure": Path("allure", "node_modules", ".bin", "allure"),
    "actionlint": Path("bin", "actionlint"),
}


def tools_dir() -> Path:
    return Path(os.environ.get("CHAOS_TOOLS_DIR") or current().root / ".tools")


# a command found on PATH under any of these names serves as the tool (Ubuntu names chromium differently)
_ALIASES = {"chromium": ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")}


class ToolMissing(InfrastructureError):
    pass


def tool(name: str) -> Path:
    """Path of a tool the bootstrap installs; a clear error saying how to get it otherwise."""
    local = tools_dir() / _LOCAL[name] if name in _LOCAL else None
    if local is not None and os.access(local, os.X_OK):
        return local
    found = next((shutil.which(n) for n in _ALIASES.get(name, (name,)) if shutil.which(n)), None)
    if found:     # e.g. a project whose machine has promtool on PATH and no .tools/
        return Path(found)
    raise ToolMissing(f"{name} is not installed (expected {local or name} or {name} on PATH); "
                      f"run ./scripts/bootstrap.sh (or `make bootstrap`)")
