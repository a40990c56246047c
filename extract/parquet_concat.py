"""Concatenate row groups of Parquet files into one file, byte for byte.

A refresh usually changes one utility of many; the records export is one GeoParquet file,
and re-encoding all of it costs ~13 s at 10 million records. Written as one block of row
groups per utility, the file can instead be assembled from the unchanged utilities' row
groups of the old file and freshly written row groups of the changed ones. No library we
use can move encoded row groups between files (pyarrow, DuckDB and GDAL all decode and
re-encode), so this module copies the bytes and rewrites the footer: a Thrift
compact-protocol struct whose column-chunk offsets are absolute file positions.

Parquet layout: "PAR1", column chunks, bloom filters, footer, footer length (4 bytes LE),
"PAR1". Page indexes (column/offset index), which DuckDB does not write, are dropped rather
than relocated: they are optional, and the row-group statistics that readers prune on stay.
"""

from __future__ import annotations

import os
import struct
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

MAGIC = b"PAR1"

# Thrift compact-protocol type ids.
TRUE, FALSE, BYTE, I16, I32, I64, DOUBLE, BINARY, LIST, SET, MAP, STRUCT = range(1, 13)

# Field ids of parquet.thrift used here.
FILE_NUM_ROWS, FILE_ROW_GROUPS, FILE_KEY_VALUES, FILE_SCHEMA = 3, 4, 5, 2
GROUP_COLUMNS, GROUP_NUM_ROWS, GROUP_FILE_OFFSET, GROUP_ORDINAL = 1, 3, 5, 7
CHUNK_FILE_OFFSET, CHUNK_META = 2, 3
CHUNK_PAGE_INDEX_FIELDS = (4, 5, 6, 7)  # offset/column index offset and length
META_TOTAL_COMPRESSED, META_DATA_PAGE, META_INDEX_PAGE, META_DICTIONARY_PAGE = 7, 9, 10, 11
META_BLOOM_OFFSET, META_BLOOM_LENGTH = 14, 15
BLOOM_NUM_BYTES = 1


class ParquetLayoutError(ValueError):
    """A file this module cannot assemble from (not Parquet, encrypted, other schema)."""


@dataclass
class Struct:
    """A Thrift struct read generically: field id -> (type, value), in file order."""
    fields: dict[int, tuple[int, object]] = field(default_factory=dict)

    def get(self, field_id: int, default=None):
        return self.fields[field_id][1] if field_id in self.fields else default

    def set(self, field_id: int, kind: int, value) -> None:
        self.fields[field_id] = (kind, value)


@dataclass
class Raw:
    """A value kept encoded, as read: the parts of the footer this module never changes
    (statistics, schema, ...) are carried over without being decoded."""
    encoded: bytes


# What read_footer decodes: field id -> what to decode inside it (None: all of it). The
# rest of a footer of 1,000 row groups x 40 columns stays encoded, which keeps reading and
# writing it at a fraction of a second in Python.
COLUMN_META_SPEC: dict = {}
ROW_GROUP_SPEC = {GROUP_COLUMNS: {CHUNK_META: COLUMN_META_SPEC}}
FOOTER_SPEC = {FILE_ROW_GROUPS: ROW_GROUP_SPEC, FILE_KEY_VALUES: None}


def skip_varint(data: bytes, position: int) -> int:
    while data[position] & 0x80:
        position += 1
    return position + 1


def skip(data: bytes, position: int, kind: int) -> int:
    """The position after a value of type `kind` starting at `position`."""
    if kind in (I16, I32, I64):
        return skip_varint(data, position)
    if kind == BINARY:
        reader = Reader(data, position)
        length = reader.varint()
        return reader.position + length
    if kind in (TRUE, FALSE, BYTE):
        return position + 1
    if kind == DOUBLE:
        return position + 8
    if kind in (LIST, SET):
        header = data[position]
        size, element = header >> 4, header & 0x0F
        position += 1
        if size == 15:
            reader = Reader(data, position)
            size = reader.varint()
            position = reader.position
        for _ in range(size):
            position = skip(data, position, element)
        return position
    if kind == STRUCT:
        while True:
            header = data[position]
            position += 1
            if header == 0:
                return position
            if not header >> 4:
                position = skip_varint(data, position)
            if header & 0x0F not in (TRUE, FALSE):
                position = skip(data, position, header & 0x0F)
    raise ParquetLayoutError(f"Thrift type {kind} does not occur in Parquet metadata")


class Reader:
    def __init__(self, data: bytes, position: int = 0):
        self.data, self.position = data, position

    def byte(self) -> int:
        value = self.data[self.position]
        self.position += 1
        return value

    def varint(self) -> int:
        shift = result = 0
        while True:
            byte = self.byte()
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return result
            shift += 7

    def zigzag(self) -> int:
        value = self.varint()
        return (value >> 1) ^ -(value & 1)

    def value(self, kind: int, spec: dict | None = None):
        if kind in (TRUE, FALSE):  # only inside lists: one byte each
            return self.byte() == TRUE
        if kind == BYTE:
            return struct.unpack("b", bytes([self.byte()]))[0]
        if kind in (I16, I32, I64):
            return self.zigzag()
        if kind == DOUBLE:
            self.position += 8
            return struct.unpack("<d", self.data[self.position - 8:self.position])[0]
        if kind == BINARY:
            length = self.varint()
            self.position += length
            return self.data[self.position - length:self.position]
        if kind in (LIST, SET):
            header = self.byte()
            size, element = header >> 4, header & 0x0F
            if size == 15:
                size = self.varint()
            return element, [self.value(element, spec) for _ in range(size)]
        if kind == STRUCT:
            return self.struct(spec)
        raise ParquetLayoutError(f"Thrift type {kind} does not occur in Parquet metadata")

    def struct(self, spec: dict | None = None) -> Struct:
        """Decode a struct; with a `spec`, only the lists and structs it names are decoded
        (with their own spec) and the others kept Raw. Integers are decoded inline: a
        footer holds ~40,000 column chunks of ~15 fields each."""
        fields, last_id, data, position = {}, 0, self.data, self.position
        while True:
            header = data[position]
            position += 1
            if header == 0:
                self.position = position
                return Struct(fields)
            delta, kind = header >> 4, header & 0x0F
            if delta:
                last_id += delta
            else:
                self.position = position
                last_id = self.zigzag()
                position = self.position
            if kind in (I16, I32, I64):
                shift = value = 0
                while True:
                    byte = data[position]
                    position += 1
                    value |= (byte & 0x7F) << shift
                    if byte < 0x80:
                        break
                    shift += 7
                fields[last_id] = (kind, (value >> 1) ^ -(value & 1))
            elif kind in (TRUE, FALSE):
                fields[last_id] = (kind, kind == TRUE)
            elif spec is not None and kind in (LIST, SET, STRUCT) and last_id not in spec:
                end = skip(data, position, kind)
                fields[last_id] = (kind, Raw(data[position:end]))
                position = end
            else:
                self.position = position
                fields[last_id] = (kind, self.value(
                    kind, spec.get(last_id) if spec is not None else None))
                position = self.position


class Writer:
    def __init__(self):
        self.out = bytearray()

    def varint(self, value: int) -> None:
        while value > 0x7F:
            self.out.append((value & 0x7F) | 0x80)
            value >>= 7
        self.out.append(value)

    def zigzag(self, value: int) -> None:
        self.varint((value << 1) ^ (value >> 63))

    def value(self, kind: int, value) -> None:
        if isinstance(value, Raw):
            self.out += value.encoded
        elif kind in (TRUE, FALSE):
            self.out.append(TRUE if value else FALSE)
        elif kind == BYTE:
            self.out += struct.pack("b", value)
        elif kind in (I16, I32, I64):
            self.zigzag(value)
        elif kind == DOUBLE:
            self.out += struct.pack("<d", value)
        elif kind == BINARY:
            self.varint(len(value))
            self.out += value
        elif kind in (LIST, SET):
            element, items = value
            if len(items) < 15:
                self.out.append(len(items) << 4 | element)
            else:
                self.out.append(0xF0 | element)
                self.varint(len(items))
            for item in items:
                self.value(element, item)
        elif kind == STRUCT:
            self.struct(value)
        else:
            raise ParquetLayoutError(f"Thrift type {kind} does not occur in Parquet metadata")

    def struct(self, value: Struct) -> None:
        last_id = 0
        for field_id in sorted(value.fields):
            kind, item = value.fields[field_id]
            if kind in (TRUE, FALSE):
                kind = TRUE if item else FALSE
            delta = field_id - last_id
            if 0 < delta <= 15:
                self.out.append(delta << 4 | kind)
            else:
                self.out.append(kind)
                self.zigzag(field_id)
            if kind not in (TRUE, FALSE):
                self.value(kind, item)
            last_id = field_id
        self.out.append(0)


def read_footer(path: Path) -> Struct:
    """The FileMetaData of a Parquet file."""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        if size < 12:
            raise ParquetLayoutError(f"{path}: {size} bytes is too short for Parquet")
        handle.seek(size - 8)
        tail = handle.read(8)
        if tail[4:] != MAGIC:
            raise ParquetLayoutError(f"{path}: not a Parquet file, or an encrypted one")
        length = struct.unpack("<I", tail[:4])[0]
        handle.seek(size - 8 - length)
        return Reader(handle.read(length)).struct(FOOTER_SPEC)


def key_values(footer: Struct) -> dict[str, str]:
    """The footer's key-value metadata."""
    return {pair.get(1).decode(): (pair.get(2) or b"").decode()
            for pair in footer.get(FILE_KEY_VALUES, (STRUCT, []))[1]}


def row_group_rows(footer: Struct) -> list[int]:
    return [group.get(GROUP_NUM_ROWS) for group in footer.get(FILE_ROW_GROUPS)[1]]


def schema_bytes(footer: Struct) -> bytes:
    writer = Writer()
    writer.value(LIST, footer.get(FILE_SCHEMA))
    return bytes(writer.out)


def chunk_range(meta: Struct) -> tuple[int, int]:
    """[start, end) of a column chunk's pages."""
    starts = [meta.get(key) for key in (META_DICTIONARY_PAGE, META_INDEX_PAGE, META_DATA_PAGE)]
    start = min(offset for offset in starts if offset)  # writers put 0 for "none" too
    return start, start + meta.get(META_TOTAL_COMPRESSED)


def bloom_filter_length(handle, offset: int) -> int:
    """Header plus bitset, for writers that do not record the length (DuckDB)."""
    handle.seek(offset)
    head = handle.read(256)
    reader = Reader(head)
    header = reader.struct()
    return reader.position + header.get(BLOOM_NUM_BYTES)


def copy_range(source, target, start: int, length: int) -> None:
    """Append bytes [start, start + length) of `source` to `target` (an unbuffered file),
    in the kernel where it can."""
    try:
        while length:
            copied = os.copy_file_range(source.fileno(), target.fileno(), length, start,
                                        target.tell())
            if not copied:
                raise ParquetLayoutError(f"{source.name}: shorter than its footer says")
            target.seek(copied, os.SEEK_CUR)
            start, length = start + copied, length - copied
    except (AttributeError, OSError):  # no copy_file_range here (other OS, file system)
        source.seek(start)
        target.write(source.read(length))


def concatenate(pieces: list[tuple[Path, list[int]]], target: Path,
                metadata: dict[str, str], footers: dict[Path, Struct] | None = None) -> int:
    """Write `target` from the row groups `pieces` names ((file, row-group indices), in
    order), with `metadata` as its key-value metadata; the rows written. Every file must
    have the same schema. `footers` may hold files' footers already read (a footer of
    1,000 row groups takes about a second to read in Python); they are changed."""
    if not pieces:
        raise ParquetLayoutError(f"{target}: nothing to write")
    footers = dict(footers or {})
    for path, _ in pieces:
        if path not in footers:
            footers[path] = read_footer(path)
    base = footers[pieces[0][0]]
    schema = schema_bytes(base)
    for path, footer in footers.items():
        if schema_bytes(footer) != schema:
            raise ParquetLayoutError(f"{path}: its schema differs from {pieces[0][0]}'s")
    groups, blooms = [], []
    with ExitStack() as files:
        sources = {path: files.enter_context(open(path, "rb")) for path in footers}
        out = files.enter_context(open(target, "wb", buffering=0))
        out.write(MAGIC)
        for path, indices in pieces:
            source, source_groups = sources[path], footers[path].get(FILE_ROW_GROUPS)[1]
            for index in indices:
                group = source_groups[index]
                chunks = [chunk.get(CHUNK_META) for chunk in group.get(GROUP_COLUMNS)[1]]
                ranges = [chunk_range(meta) for meta in chunks]
                start, end = min(r[0] for r in ranges), max(r[1] for r in ranges)
                shift = out.tell() - start
                copy_range(source, out, start, end - start)
                relocate(group, shift)
                groups.append(group)
                for meta in chunks:
                    offset = meta.get(META_BLOOM_OFFSET)
                    if offset:
                        length = meta.get(META_BLOOM_LENGTH) or bloom_filter_length(
                            source, offset)
                        blooms.append((source, offset, length, meta))
        for source, offset, length, meta in blooms:  # after the row groups, as DuckDB does
            meta.set(META_BLOOM_OFFSET, I64, out.tell())
            copy_range(source, out, offset, length)
        for ordinal, group in enumerate(groups):
            if ordinal < 2 ** 15:
                group.set(GROUP_ORDINAL, I16, ordinal)
            else:
                group.fields.pop(GROUP_ORDINAL, None)
        footer = Struct(dict(base.fields))
        footer.set(FILE_ROW_GROUPS, LIST, (STRUCT, groups))
        rows = sum(group.get(GROUP_NUM_ROWS) for group in groups)
        footer.set(FILE_NUM_ROWS, I64, rows)
        footer.set(FILE_KEY_VALUES, LIST, (STRUCT, [
            Struct({1: (BINARY, key.encode()), 2: (BINARY, value.encode())})
            for key, value in metadata.items()]))
        writer = Writer()
        writer.struct(footer)
        out.write(writer.out)
        out.write(struct.pack("<I", len(writer.out)) + MAGIC)
    return rows


def relocate(group: Struct, shift: int) -> None:
    """Move a row group's absolute offsets by `shift` bytes; drop its page-index offsets."""
    for chunk in group.get(GROUP_COLUMNS)[1]:
        meta = chunk.get(CHUNK_META)
        for key in (META_DATA_PAGE, META_INDEX_PAGE, META_DICTIONARY_PAGE):
            if meta.get(key):
                meta.set(key, I64, meta.get(key) + shift)
        if chunk.get(CHUNK_FILE_OFFSET):
            chunk.set(CHUNK_FILE_OFFSET, I64, chunk.get(CHUNK_FILE_OFFSET) + shift)
        for key in CHUNK_PAGE_INDEX_FIELDS:
            chunk.fields.pop(key, None)
    if group.get(GROUP_FILE_OFFSET):
        group.set(GROUP_FILE_OFFSET, I64, group.get(GROUP_FILE_OFFSET) + shift)
