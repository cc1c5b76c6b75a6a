"""The team server's gunicorn settings (docs/deploy/gunicorn.conf.py): what a worker does once it has the app."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parent.parent / "docs/deploy/gunicorn.conf.py"


def test_a_worker_freezes_what_it_loaded_so_full_collections_skip_it():
    settings = runpy.run_path(str(CONF))
    assert settings["worker_class"] == "gthread"
    try:
        settings["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 0  # this process's objects moved to the permanent generation
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0
