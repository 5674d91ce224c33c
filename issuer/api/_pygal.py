"""pygal, imported with its legacy import finder taken out of ``sys.meta_path`` again.

pygal appends a finder for its map plugins (which we do not use) to ``sys.meta_path``;
after it, every failed import anywhere (an optional dependency that is not installed)
raises an ImportWarning. Import pygal through this module only.
"""

from __future__ import annotations

import sys

import pygal
from pygal.style import Style

__all__ = ["Style", "pygal"]

sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, pygal.PluginImportFixer)]
