"""Root conftest of this repository, the harness' first user. The plugin itself is not loaded here: it comes
from the installed package's `pytest11` entry point (chaos_harness/plugin.py); this file only makes the
repository's own helpers (fixtures/) importable from the tests."""
