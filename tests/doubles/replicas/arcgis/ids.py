"""Object ids computed, never stored: feature number <-> object id in constant time.

A layer's features are numbered 0..count-1 (their *index*). The object id of an index
follows the layer's `IdLayout`: dense (1, 2, 3...) or sparse like a layer whose rows were
deleted and re-imported (small random gaps, and a bigger hole after every block). Both
directions are arithmetic, so a million-feature layer is served without a list of its ids.
Features removed at runtime are the only ids kept in memory.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from replicas.arcgis.seeds import stable_seed


@dataclass(frozen=True)
class IdLayout:
    """Where the object ids of a layer fall.

    Index i occupies a slot of `stride` ids and takes one of them at random (stride 1:
    dense ids). After every `block_size` features (0: never) `hole` ids are skipped.
    """

    first: int = 1
    stride: int = 1
    block_size: int = 0
    hole: int = 0

    @property
    def block_span(self) -> int:
        return self.block_size * self.stride + self.hole


DENSE_IDS = IdLayout()


class IdSpace:
    """The live object ids of one layer: `count` generated features minus `deleted`."""

    def __init__(self, layout: IdLayout, seed: int, count: int, deleted: tuple[int, ...] = (),
                 shift: int = 0):
        self.layout = layout
        self.seed = seed
        self.count = count
        self.deleted = deleted  # sorted feature indices removed at runtime
        self.shift = shift  # added to every id: the layer was republished with new ids

    def _jitter(self, index: int) -> int:
        if self.layout.stride == 1:
            return 0
        return stable_seed(self.seed, "oid", index) % self.layout.stride

    def oid_at(self, index: int) -> int:
        return self.shift + self._unshifted_oid_at(index)

    def _unshifted_oid_at(self, index: int) -> int:
        layout = self.layout
        if layout.block_size:
            block, within = divmod(index, layout.block_size)
            start = layout.first + block * layout.block_span + within * layout.stride
        else:
            start = layout.first + index * layout.stride
        return start + self._jitter(index)

    def first_index_from(self, oid: int) -> int:
        """The smallest feature index whose object id is >= oid (may be `count`)."""
        layout = self.layout
        offset = oid - self.shift - layout.first
        if offset <= 0:
            return 0
        block, rest = 0, offset
        if layout.block_size:
            block, rest = divmod(offset, layout.block_span)
            if rest >= layout.block_size * layout.stride:
                return min(self.count, (block + 1) * layout.block_size)
        within, slot_offset = divmod(rest, layout.stride)
        index = block * layout.block_size + within
        if self._jitter(index) < slot_offset:
            index += 1
        return min(self.count, index)

    def index_of(self, oid: int) -> int | None:
        """The live feature index with this object id, or None."""
        index = self.first_index_from(oid)
        if index >= self.count or self.oid_at(index) != oid or self.is_deleted(index):
            return None
        return index

    def is_deleted(self, index: int) -> bool:
        position = bisect_left(self.deleted, index)
        return position < len(self.deleted) and self.deleted[position] == index

    def deleted_between(self, start: int, stop: int) -> int:
        return bisect_left(self.deleted, stop) - bisect_left(self.deleted, start)


class Selection:
    """The object ids a query matches, in ascending order, without listing them all."""

    def __len__(self) -> int:
        raise NotImplementedError

    def page(self, start: int, size: int) -> list[int]:
        raise NotImplementedError

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError


class IndexWindow(Selection):
    """Live features with index in [start, stop): what a `where` range selects."""

    def __init__(self, ids: IdSpace, start: int, stop: int):
        self.ids = ids
        self.start = start
        self.stop = max(start, stop)

    def __len__(self) -> int:
        return (self.stop - self.start) - self.ids.deleted_between(self.start, self.stop)

    def _nth_live_index(self, n: int) -> int:
        # Smallest i with i - deleted(start..i) == start + n: a fixed point reached from below.
        index = self.start + n
        while True:
            removed = bisect_right(self.ids.deleted, index) - bisect_left(
                self.ids.deleted, self.start)
            candidate = self.start + n + removed
            if candidate == index:
                return index
            index = candidate

    def page(self, start: int, size: int) -> list[int]:
        if start >= len(self) or size <= 0:
            return []
        index = self._nth_live_index(start)
        found: list[int] = []
        while len(found) < size and index < self.stop:
            if not self.ids.is_deleted(index):
                found.append(self.ids.oid_at(index))
            index += 1
        return found

    def __iter__(self) -> Iterator[int]:
        for index in range(self.start, self.stop):
            if not self.ids.is_deleted(index):
                yield self.ids.oid_at(index)


class IdList(Selection):
    """An explicit, short list of ids (`objectIds=` or `IN (...)`), already checked live."""

    def __init__(self, oids: list[int]):
        self.oids = sorted(set(oids))

    def __len__(self) -> int:
        return len(self.oids)

    def page(self, start: int, size: int) -> list[int]:
        return self.oids[start:start + max(size, 0)]

    def __iter__(self) -> Iterator[int]:
        return iter(self.oids)
