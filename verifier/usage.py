"""The argument parser of the creditbank command lines: bad usage exits 2 with one line."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

__all__ = ["EXIT_USAGE", "UsageParser"]

#: Exit status for bad usage, shared by every creditbank command line.
EXIT_USAGE = 2


class UsageParser(argparse.ArgumentParser):
    """``argparse`` that reports bad usage as ``PROG: error: …`` and exits 2."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)
