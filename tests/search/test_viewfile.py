"""ViewFile: the file whoosh reads a segment through, without copying the buffer."""

import pickle
from io import BytesIO

from whoosh.filedb.structfile import BufferFile

from service.search import whoosh_backend  # noqa: F401 (installs ViewFile)
from service.search.viewfile import ViewFile


def test_it_reads_as_bytesio_does():
    data = b"first line\nsecond\n" + pickle.dumps({"a": [1, 2, 3]}) + b"tail"
    ours, theirs = ViewFile(memoryview(data)), BytesIO(data)
    assert ours.readline() == theirs.readline()
    assert [ours.read(3), ours.tell()] == [theirs.read(3), theirs.tell()]
    ours.seek(0), theirs.seek(0)
    assert list(ours)[:2] == list(theirs)[:2]
    start = data.index(b"\x80")
    ours.seek(start), theirs.seek(start)
    assert pickle.load(ours) == pickle.load(theirs) == {"a": [1, 2, 3]}  # noqa: S301
    assert ours.read() == theirs.read() == b"tail"
    ours.seek(-2, 2), theirs.seek(-2, 2)
    assert ours.read(10) == theirs.read(10) == b"il"
    buffer = bytearray(4)
    ours.seek(0)
    assert (ours.readinto(buffer), bytes(buffer)) == (4, b"firs")


def test_whoosh_buffer_files_read_the_buffer_in_place():
    data = bytearray(b"0123456789")
    view = memoryview(data)
    file = BufferFile(view, name="t")
    assert isinstance(file.file, ViewFile)
    data[0:1] = b"X"  # no copy was made: the file sees the buffer as it is now
    assert file.read(3) == b"X12"
    assert file.get(5, 2) == b"56"
