"""One sentence for a file the app could not write: a full disk, a folder that cannot be
written to, or (rarely) something else, named.

The database's own failures have theirs in ``store/db.py`` (``storage_error_message``); this is
for files written beside it (an import being parked, an export, an attached file), which fail
with ``OSError``. Pages show the sentence where the apprentice acted and answer 503, as the
database's storage failures do.
"""

from __future__ import annotations

import errno


def storage_sentence(exc: OSError, what_failed: str) -> str:
    """``"The disk is full, so <what_failed>. Free some space and try again."`` and the like."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return f"The disk is full, so {what_failed}. Free some space and try again."
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM) or isinstance(exc, FileExistsError):
        return f"The data folder cannot be written to, so {what_failed}."
    return f"Because of a problem with the disk ({exc.strerror or exc}), {what_failed}."
