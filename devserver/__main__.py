"""`python -m devserver`: see devserver/main.py."""

from devserver.main import main

raise SystemExit(main())
