"""``python -m casino_core.cli``: the same as the ``casino-core`` command."""

import sys

from casino_core.cli import main

sys.exit(main())
