"""``python -m pipelines`` is the same command line as ``talking-photo``."""

import sys

from pipelines.cli.main import main

sys.exit(main())
