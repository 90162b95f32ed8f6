"""`python -m symnum info` (versions, backends, kernel cache) and `python -m symnum cache clear`."""

import sys  # pragma: no cover - run as a subprocess (tests/test_info.py), outside coverage

from ._info import main  # pragma: no cover

sys.exit(main())  # pragma: no cover
