"""A path on this disk for a stored upload: the readers open files by path."""

import shutil
import tempfile
from contextlib import contextmanager


@contextmanager
def local_path(field_file):
    """The stored file's own path, or a temporary copy of it when the storage is not on
    this disk (object storage in production)."""
    try:
        path = field_file.path
    except NotImplementedError:
        path = None
    if path:
        yield path
        return
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as copy, field_file.open("rb") as stored:
        shutil.copyfileobj(stored, copy)
        copy.flush()
        yield copy.name
