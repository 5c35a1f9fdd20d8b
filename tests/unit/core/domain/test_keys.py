"""Primary keys made on this machine: valid UUIDs, unique, neighbouring within one sitting."""

from __future__ import annotations

import lzma
import os
import threading
import uuid
import warnings

import pytest

from desktop.core.domain.keys import IdSequence
from desktop.core.storage.base import new_id
from sync.protocol import _UUID_RE


def test_keys_are_canonical_version_8_uuids() -> None:
    ids = IdSequence()
    for _ in range(100):
        value = ids()
        parsed = uuid.UUID(value)
        assert parsed.version == 8
        assert parsed.variant == uuid.RFC_4122
        # The protocol accepts only the canonical lower-case spelling.
        assert _UUID_RE.fullmatch(value)
        assert str(parsed) == value


def test_keys_count_up_in_text_order_under_one_prefix() -> None:
    ids = IdSequence(prefix=12345)
    values = [ids() for _ in range(70_000)]
    assert values == sorted(values)
    assert len(set(values)) == len(values)
    assert {value[:28] for value in values} == {values[0][:28]}
    assert values[0].endswith("00000000") and values[-1].endswith(f"{69_999:08x}")


def test_a_given_prefix_gives_the_same_keys_and_another_prefix_other_keys() -> None:
    assert [IdSequence(7)() for _ in range(2)] == [IdSequence(7)()] * 2
    assert IdSequence(7)() != IdSequence(8)()
    assert IdSequence()()[:28] != IdSequence()()[:28]


def test_the_prefix_must_fit() -> None:
    with pytest.raises(ValueError, match="90 bits"):
        IdSequence(1 << IdSequence.RANDOM_BITS)
    with pytest.raises(ValueError, match="90 bits"):
        IdSequence(-1)


def test_a_used_up_counter_draws_a_new_prefix_or_refuses_when_fixed() -> None:
    free = IdSequence()
    first = free()
    free._counter = 1 << IdSequence.COUNTER_BITS
    after = free()
    assert after[:28] != first[:28] and after.endswith("00000000")
    fixed = IdSequence(prefix=3)
    fixed._counter = 1 << IdSequence.COUNTER_BITS
    with pytest.raises(OverflowError):
        fixed()


def test_threads_never_get_the_same_key() -> None:
    ids = IdSequence()
    got: list[list[str]] = [[] for _ in range(8)]

    def take(out: list[str]) -> None:
        out.extend(ids() for _ in range(5_000))

    threads = [threading.Thread(target=take, args=(out,)) for out in got]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [value for out in got for value in out]
    assert len(set(every)) == len(every) == 40_000


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork only exists on POSIX")
def test_a_forked_child_does_not_repeat_its_parents_keys() -> None:
    before = new_id()
    read, write = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns about fork in a process with threads; the child only writes.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.close(read)
        os.write(write, new_id().encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 100).decode()
    os.close(read)
    os.waitpid(pid, 0)
    parent = new_id()
    assert child[:28] != before[:28]
    assert parent[:28] == before[:28]
    assert len({before, child, parent}) == 3


def test_keys_of_one_sitting_compress_far_better_than_random_ones() -> None:
    # Why the keys look like this: a batch of rows typed in one sitting, sent over 2G.
    ids = IdSequence()
    sequential = "\n".join(ids() for _ in range(2_000)).encode()
    random_ = "\n".join(str(uuid.uuid4()) for _ in range(2_000)).encode()
    assert len(lzma.compress(sequential)) * 5 < len(lzma.compress(random_))
