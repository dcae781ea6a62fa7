"""Open index segments without copying them (a fix to whoosh's BufferFile).

whoosh reads a segment's files through an mmap of its compound file, but
`BufferFile.__init__` wraps each memoryview in `BytesIO(buf)`, which copies the
whole sub-file: opening a searcher on a 1,000,000-document index copied its
terms files on every new index generation (~0.3 s per searcher, the same again
for each writer that updates a document), most of the time from a decision's
publication until it is searchable. `ViewFile` reads the memoryview in place.
Imported by service.search.whoosh_backend; tests/search/test_viewfile.py checks it.
"""

from whoosh.filedb import structfile


class ViewFile:
    """The file methods whoosh's StructFile calls, over a buffer it must not copy."""

    def __init__(self, buf) -> None:
        self._view = memoryview(buf).cast("B")
        self._pos = 0

    def read(self, size=-1) -> bytes:
        end = len(self._view) if size is None or size < 0 else min(self._pos + size,
                                                                   len(self._view))
        data = self._view[self._pos:end].tobytes()
        self._pos = end
        return data

    def readinto(self, target) -> int:
        data = self.read(len(target))
        target[:len(data)] = data
        return len(data)

    def readline(self, size=-1) -> bytes:
        view, start = self._view, self._pos
        limit = len(view) if size is None or size < 0 else min(start + size, len(view))
        end = start
        while end < limit:
            end += 1
            if view[end - 1] == 10:
                break
        self._pos = end
        return view[start:end].tobytes()

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: len(self._view)}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def __iter__(self):
        while line := self.readline():
            yield line

    def flush(self) -> None:
        return None

    def close(self) -> None:
        self._view = memoryview(b"")


def _buffer_file_init(self, buf, name=None, onclose=None) -> None:
    """BufferFile.__init__ as whoosh has it, with ViewFile for BytesIO."""
    self._buf = buf
    self._name = name
    self.file = ViewFile(buf)
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


structfile.BufferFile.__init__ = _buffer_file_init
