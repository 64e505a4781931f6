"""Library commands: import papers (``add``), organise bookmarks, list and export them.

Registered on the main group by :mod:`paperbrowse.cli`. Every command works
on the core objects (:class:`~paperbrowse.core.library.Library`,
:func:`~paperbrowse.core.ingest.import_records`); nothing here touches the UI.

Exit status: 0 on success; 1 when an import read some bad records (the good
ones are imported, the bad ones listed on standard error), or when some of
the paper ids given to a command taking several (``list add``, ``list
remove``) are unknown or ambiguous (the others are done; each failure is
reported with the closest candidates), or when ``export`` selects no
bookmark (nothing is written); 2 for a usage error, the unknown or
ambiguous paper of a command taking one id (nothing is done), an unknown list
(or, for ``export``, an unknown tag), or a source that cannot be reached.
"""

from paperbrowse.cli_library.exporting import bookmarks, export
from paperbrowse.cli_library.importing import ERRORS_SHOWN, add
from paperbrowse.cli_library.keys import key
from paperbrowse.cli_library.organise import list_group, note, status, tag, tags
from paperbrowse.cli_library.refs import resolve_refs

#: The commands registered on the main group, in help order.
COMMANDS = [add, tag, tags, note, status, key, list_group, bookmarks, export]

__all__ = ["COMMANDS", "ERRORS_SHOWN", "resolve_refs"]
