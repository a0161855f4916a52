"""`python -m cli ARGS`: the `medquote` command without its console script."""

import sys

from cli import main

sys.exit(main())
