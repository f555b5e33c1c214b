"""W&B transaction logs (`run-<id>.wandb`) decoded without importing wandb or protobuf.

Since wandb-core (0.18+), an offline run leaves its config, history, summary and system metadata
only in this file; `files/` holds just `output.log` and `requirements.txt`. The file is a 7-byte
header (`:W&B`, magic 0xBEE1, version 0) followed by a LevelDB-style log: 32 KiB blocks of chunks,
each `crc32 (4) | length (2) | type (1) | data`, where type 1 is a whole record and 2/3/4 are the
first/middle/last parts of one. Each record is a protobuf `Record` (wandb/proto/wandb_internal.proto);
only the few fields planner needs are decoded, by field number, from the wire format.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

from planner.evidence.errors import BAD_WANDB_LOG, error
from planner.evidence.files import read_bytes

HEADER = b":W&B\xe1\xbe\x00"
BLOCK = 32 * 1024
CHUNK_HEADER = 7
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4

Fields = dict[int, list]  # protobuf field number -> values (int for varints, bytes otherwise)


class WireError(ValueError):
    pass


def read_records(path: Path, file: str, root: Path | None = None) -> list[Fields]:
    """Every record of the log, decoded one level deep (read through the guard, inside `root`:
    the log's own folder when None)."""
    data = read_bytes(path, file, root if root is not None else path.parent)
    if not data.startswith(HEADER):
        raise error(
            BAD_WANDB_LOG,
            f"{file} is not a W&B transaction log of a known version",
            file,
            hint="read with the wandb version that wrote it, or sync the run and read its files/",
        )
    try:
        return [decode(record) for record in split_records(data)]
    except WireError as exc:
        raise error(BAD_WANDB_LOG, f"{file} is damaged: {exc}", file) from None


def split_records(data: bytes) -> Iterator[bytes]:
    pos, pending = len(HEADER), b""
    while pos + CHUNK_HEADER <= len(data):
        left = BLOCK - pos % BLOCK
        if left < CHUNK_HEADER:  # a block's tail too short for a chunk header is zero padding
            pos += left
            continue
        checksum, length, kind = struct.unpack_from("<IHB", data, pos)
        chunk = data[pos + CHUNK_HEADER : pos + CHUNK_HEADER + length]
        if kind == 0 and length == 0:  # zero fill at the end of a log still being written
            break
        if len(chunk) != length or zlib.crc32(chunk, zlib.crc32(bytes([kind]))) != checksum:
            raise WireError(f"bad chunk at byte {pos}")
        pos += CHUNK_HEADER + length
        pending = chunk if kind in (FULL, FIRST) else pending + chunk
        if kind in (FULL, LAST):
            yield pending


def decode(message: bytes) -> Fields:
    """One protobuf message -> {field number: [values]} (nested messages stay bytes)."""
    fields: Fields = {}
    pos = 0
    while pos < len(message):
        key, pos = _varint(message, pos)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == 0:
            value, pos = _varint(message, pos)
        elif wire == 1:
            value, pos = message[pos : pos + 8], pos + 8
        elif wire == 2:
            length, pos = _varint(message, pos)
            value, pos = message[pos : pos + length], pos + length
        elif wire == 5:
            value, pos = message[pos : pos + 4], pos + 4
        else:
            raise WireError(f"unsupported wire type {wire}")
        if pos > len(message):
            raise WireError("record cut short")
        fields.setdefault(number, []).append(value)
    return fields


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while pos < len(data):
        byte = data[pos]
        result |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return result, pos
        shift += 7
    raise WireError("record cut short")


def text(fields: Fields, number: int) -> str | None:
    """The last value of a string field (protobuf: the last one wins)."""
    values = fields.get(number)
    return values[-1].decode("utf-8", "replace") if values else None


def texts(fields: Fields, number: int) -> list[str]:
    return [value.decode("utf-8", "replace") for value in fields.get(number, [])]


def message(fields: Fields, number: int) -> Fields:
    values = fields.get(number)
    return decode(values[-1]) if values else {}


def messages(fields: Fields, number: int) -> list[Fields]:
    return [decode(value) for value in fields.get(number, [])]


def integer(fields: Fields, number: int) -> int | None:
    values = fields.get(number)
    return values[-1] if values else None
