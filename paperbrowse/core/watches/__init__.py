"""Watches: named saved searches that ``paperbrowse update`` keeps filled with new papers.

A **watch** is a query over the local index (Whoosh's query language, with
optional year and organisation filters) plus, optionally, sources to poll: an
arXiv API query (``cat:cs.LG AND abs:diffusion``) and/or the Hugging Face daily
papers. The watches live in the library database (tables ``watches``,
``watch_papers`` and ``seen``, created by the library's schema migration 5);
this package holds their SQL and runs on the library's connections and
transactions.

:func:`update_watches` polls every watch's sources for what appeared since its
last successful update, imports it through the ordinary pipeline
(:func:`~paperbrowse.core.ingest.import_records`: de-duplicated, stored,
indexed) and records which papers each watch brought:

* **arXiv**: the watch's query restricted to ``submittedDate:[FROM TO TO]``
  (GMT, ``YYYYMMDDHHMM``), where ``FROM`` is the end of the last finished
  range less :data:`ARXIV_OVERLAP_DAYS` (the first time: :data:`FIRST_DAYS`
  days back) and ``TO`` is now. The overlap is there because arXiv lists a
  paper only once it is announced, up to three days (over a weekend) after
  its submission date: a range ending now may not hold yet what was
  submitted just before; the papers fetched twice add nothing. The
  range is fixed when it starts and kept with an offset of entries done, so
  the result list is stable (newer submissions fall after ``TO``) and paging
  (``sortBy=submittedDate``, ascending, ``page_size`` per request, 3 s apart)
  can stop and resume at any page. Every arXiv result belongs to the watch:
  the arXiv query is its filter.
* **Hugging Face**: each day from the day after the last one fetched for good
  up to today, at most :data:`MAX_DAYS` days (older days are skipped, and
  said so). Today is fetched but not counted as done (its list grows during
  the day), so the next update fetches it again. Each day is fetched once per
  run, however many watches ask for it. A featured paper belongs to the watch
  when it matches the watch's local query.
* **Local**: papers stored in the library since the watch last looked
  (its library revision cursor, starting when the watch was made) that match
  the local query, whatever brought them (``paperbrowse add``, another watch).

**Resumable.** Each page or day is imported first, then its papers and the
watch's cursor are recorded in one transaction. An update stopped anywhere
(offline, Ctrl-C, ``kill``) resumes at the first page or day not recorded; a
page imported but not recorded is fetched again, and importing it again
changes nothing. **Idempotent:** a paper is recorded once per watch
(``INSERT OR IGNORE``), so running ``update`` twice adds nothing.

**Seen** is per paper, not per watch: marking a paper seen in one watch marks
it seen in every watch that has it (table ``seen``).

Nothing here imports the UI; :class:`WatchStore` is the data the app shows.

Where things are (every name is imported from this package):

* ``model.py``: :class:`Watch`, :class:`WatchPaper`, :class:`WatchError`,
  :func:`check_name`, :func:`check_arxiv_query`, :data:`MAX_NAME_CHARS` and the ``VIA_*`` origins;
* ``store.py``: :class:`WatchStore`, the SQL (definitions, papers, seen,
  :meth:`WatchStore.record_found` for the updater);
* ``update.py``: :func:`update_watches`, the :class:`UpdateReport`, the
  arXiv ranges and Hugging Face days (:func:`arxiv_time`,
  :func:`arxiv_window_query`, :func:`hf_days`) and the tunables
  (:data:`FIRST_DAYS`, :data:`ARXIV_OVERLAP_DAYS`, :data:`LOCAL_CHUNK`,
  :data:`MAX_DAYS`, :data:`MAX_ARXIV_PER_RUN`); the ones a run reads as it
  goes are looked up here, so setting them on this package takes effect;
* ``digest.py``: :func:`digest` and :func:`digest_json`.
"""

from paperbrowse.core.watches.digest import digest as digest
from paperbrowse.core.watches.digest import digest_json as digest_json
from paperbrowse.core.watches.model import MAX_NAME_CHARS as MAX_NAME_CHARS
from paperbrowse.core.watches.model import VIA_ARXIV as VIA_ARXIV
from paperbrowse.core.watches.model import VIA_HF as VIA_HF
from paperbrowse.core.watches.model import VIA_LOCAL as VIA_LOCAL
from paperbrowse.core.watches.model import Watch as Watch
from paperbrowse.core.watches.model import WatchError as WatchError
from paperbrowse.core.watches.model import WatchPaper as WatchPaper
from paperbrowse.core.watches.model import check_arxiv_query as check_arxiv_query
from paperbrowse.core.watches.model import check_name as check_name
from paperbrowse.core.watches.store import WatchStore as WatchStore
from paperbrowse.core.watches.update import ARXIV_OVERLAP_DAYS as ARXIV_OVERLAP_DAYS
from paperbrowse.core.watches.update import FIRST_DAYS as FIRST_DAYS
from paperbrowse.core.watches.update import LOCAL_CHUNK as LOCAL_CHUNK
from paperbrowse.core.watches.update import MAX_ARXIV_PER_RUN as MAX_ARXIV_PER_RUN
from paperbrowse.core.watches.update import MAX_DAYS as MAX_DAYS
from paperbrowse.core.watches.update import UpdateReport as UpdateReport
from paperbrowse.core.watches.update import arxiv_time as arxiv_time
from paperbrowse.core.watches.update import arxiv_window_query as arxiv_window_query
from paperbrowse.core.watches.update import hf_days as hf_days
from paperbrowse.core.watches.update import update_watches as update_watches
