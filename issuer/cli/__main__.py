"""``python -m issuer.cli``: the ``creditbank`` command (how ``serve`` starts its worker)."""

from issuer.cli import main

main()
