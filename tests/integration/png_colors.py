#!/usr/bin/env python3
"""png_colors.py: how many pixels of a PNG are near each colour given.

    png_colors.py FILE.png '#1f77b4' '#ff7f0e' ...

Prints one line per colour, "#rrggbb N", N the pixels within 12 of it on
every channel, then "blank N" for the pure white ones and "total N".
Reads 8-bit RGB and RGBA PNGs (what Chromium writes) with the standard
library alone. Exit status: 0, or 2 when the file is not such a PNG.
"""
import struct
import sys
import zlib

NEAR = 12


def fail(message):
    print(f"png_colors.py: {message}", file=sys.stderr)
    sys.exit(2)


def read_png(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{path}: not a PNG")
    pos, idat, header = 8, [], None
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    if header is None:
        fail(f"{path}: no IHDR")
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace != 0:
        fail(f"{path}: only 8-bit RGB or RGBA without interlace is read")
    return width, height, 3 if colour == 2 else 4, zlib.decompress(b"".join(idat))


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def rows(width, height, bpp, raw):
    stride = width * bpp
    prev = bytearray(stride)
    pos = 0
    for _ in range(height):
        kind, line = raw[pos], bytearray(raw[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = prev[i]
            corner = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + ((left + up) >> 1)) & 255
            elif kind == 4:
                line[i] = (line[i] + paeth(left, up, corner)) & 255
        prev = line
        yield line


def main():
    if len(sys.argv) < 2:
        fail("usage: png_colors.py FILE.png [#rrggbb]...")
    wanted = []
    for text in sys.argv[2:]:
        if len(text) != 7 or text[0] != "#":
            fail(f"bad colour '{text}': give #rrggbb")
        wanted.append((text, tuple(int(text[i:i + 2], 16) for i in (1, 3, 5))))
    width, height, bpp, raw = read_png(sys.argv[1])
    counts = [0] * len(wanted)
    blank = 0
    for line in rows(width, height, bpp, raw):
        for x in range(0, width * bpp, bpp):
            r, g, b = line[x], line[x + 1], line[x + 2]
            if r == 255 and g == 255 and b == 255:
                blank += 1
                continue
            for k, (_, (wr, wg, wb)) in enumerate(wanted):
                if abs(r - wr) <= NEAR and abs(g - wg) <= NEAR and abs(b - wb) <= NEAR:
                    counts[k] += 1
    for (text, _), n in zip(wanted, counts):
        print(f"{text} {n}")
    print(f"blank {blank}")
    print(f"total {width * height}")


main()
