"""``python -m otj_desktop`` runs the same launcher as the ``otj-desktop`` command."""

from otj_desktop.launcher import main

raise SystemExit(main())
