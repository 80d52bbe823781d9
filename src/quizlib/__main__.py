"""``python -m quizlib``: the same as the ``quizlib`` command."""

import sys

from quizlib.cli import main

sys.exit(main())
