"""``python -m api.cli``: the same as the ``yizhan`` console script."""

from api.cli import main

main()
