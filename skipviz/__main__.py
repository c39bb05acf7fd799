"""`python -m skipviz serve|lessons DIR`: the same as the `skipviz` command."""

import sys

from skipviz.serve.cli import main

sys.exit(main())
