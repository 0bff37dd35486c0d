"""``python -m casino_core``: the same as the ``casino-core`` command."""

import sys

from casino_core.cli import main

sys.exit(main())
