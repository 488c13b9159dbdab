"""OTJ Desktop: an offline desktop app for logging off-the-job training.

The package is laid out by concern, with dependencies pointing inward:

* ``launcher`` starts and stops everything in order; ``server`` owns waitress; ``paths`` owns
  where files live.
* ``web`` is the Flask app (factory, security, one blueprint per area, templates, static files,
  the event stream). It calls ``domain`` and ``store``.
* ``store`` is SQLite: connections, migrations, and the one write path with its after-commit hook.
* ``domain`` is pure logic (activity rules, OTJ hour rules, dates): no Flask, no SQL.
* ``standards`` reads apprenticeship standards (official JSON and the bundled catalogue).
"""

__version__ = "0.1.0"
APP_NAME = "OTJ Desktop"
