"""PyInstaller runtime hook: give programs the app starts the user's environment, not ours.

On Linux the bootloader points ``LD_LIBRARY_PATH`` at the bundle so that Python finds its
libraries. Every child process inherits it, so the browser or file manager the app opens
(``webbrowser.open``, ``xdg-open``) would load the bundle's Qt, OpenSSL and SQLite instead of
the system's and could crash. The dynamic linker read the variable when this process started,
so restoring the user's value here changes nothing for the app itself; QtWebEngineProcess finds
the bundled Qt through its own RUNPATH.
"""

import os
import sys

if sys.platform.startswith("linux") and getattr(sys, "frozen", False):
    original = os.environ.pop("LD_LIBRARY_PATH_ORIG", None)
    if original is None:
        os.environ.pop("LD_LIBRARY_PATH", None)
    else:
        os.environ["LD_LIBRARY_PATH"] = original
