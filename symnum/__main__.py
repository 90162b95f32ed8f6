"""`python -m symnum info` (versions, backends, kernel cache) and `python -m symnum cache clear`."""

import sys

from ._info import main

sys.exit(main())
