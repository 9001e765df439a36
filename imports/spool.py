"""Chunks of rows kept on disk, so a 300,000-row ledger never sits in memory whole.

The reader spools the rows of the sheet it read; the commit spools the rows it checked
until it writes them. Each chunk is pickled to an unnamed temporary file (our own data,
never a user's pickle) and read back with ``os.pread``, which leaves the file's position
alone, so several readers may go through a spool at once. The file is gone when the
spool is closed or garbage collected.
"""

import os
import pickle
import tempfile
import weakref


class Spool:
    """Append chunks, then iterate over them (as many times as needed)."""

    def __init__(self):
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close or the finalizer)
        self._chunks = []  # (offset, size) of each pickle
        self._size = 0
        self._finalizer = weakref.finalize(self, self._file.close)

    def append(self, chunk):
        data = pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL)
        self._file.write(data)
        self._chunks.append((self._size, len(data)))
        self._size += len(data)

    def __iter__(self):
        self._file.flush()
        descriptor = self._file.fileno()
        for offset, size in self._chunks:
            yield pickle.loads(os.pread(descriptor, size, offset))  # noqa: S301 (our own file)

    def close(self):
        self._finalizer()
