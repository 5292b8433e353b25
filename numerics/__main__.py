"""``python -m numerics`` runs the ``lostdim`` command line."""

import sys

from .cli import main

if __name__ == "__main__":  # pragma: no cover - exercised through subprocess tests
    sys.exit(main())
