"""Checks what headless Chromium rendered: the screenshot is not blank and
the page's DOM holds every move of the plan.

    python3 check_render.py SCREENSHOT.png [DOM.html PLAN.json]

Only the standard library: the PNG is decoded by hand (zlib + the five
scanline filters), which is all a screenshot needs.
"""

import json
import struct
import sys
import zlib


def read_png(path):
    """Returns (width, height, channels, rows of bytes)."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG")
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    if depth != 8 or colour not in (2, 6):
        sys.exit(f"{path}: unexpected PNG format (depth {depth}, colour {colour})")
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[i] = (line[i] + predictor) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


def check_not_blank(path):
    width, height, channels, rows = read_png(path)
    colours, inked = set(), 0
    for row in rows[::2]:
        for x in range(0, width * channels, channels * 2):
            pixel = row[x:x + 3]
            colours.add(pixel)
            if min(pixel) < 200:
                inked += 1
    sampled = (height // 2 + height % 2) * ((width + 1) // 2)
    share = inked / max(sampled, 1)
    if len(colours) < 8 or share < 0.005:
        sys.exit(f"{path}: looks blank ({len(colours)} colours, {share:.2%} inked)")
    print(f"{path}: {width}x{height}, {len(colours)} colours, {share:.1%} inked")


def check_moves_in_dom(dom_path, plan_path):
    dom = open(dom_path, encoding="utf-8").read()
    plan = json.load(open(plan_path, encoding="utf-8"))
    if "<svg" not in dom:
        sys.exit(f"{dom_path}: no picture in the page")
    missing = [m["action"] for m in plan["moves"] if f"<code>{m['action']}</code>" not in dom]
    if missing:
        sys.exit(f"{dom_path}: moves missing from the page: {missing}")
    print(f"{dom_path}: all {len(plan['moves'])} moves of the plan are in the page")


if __name__ == "__main__":
    check_not_blank(sys.argv[1])
    if len(sys.argv) == 4:
        check_moves_in_dom(sys.argv[2], sys.argv[3])
