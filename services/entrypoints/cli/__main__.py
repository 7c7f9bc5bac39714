import sys

from services.entrypoints.cli import main

sys.exit(main())
