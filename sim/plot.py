#!/usr/bin/env python3
"""plot.py: the supermarket-model figure of docs/simulation.md, as SVG.

Reads the CSV of `build/sim_tool theory --csv` on standard input (columns
load,i,random_theory,random_sim,p2c_theory,p2c_sim) and writes an SVG on
standard output: two panels (random, p2c), the fraction of backends with
at least i connections on a log scale against i, the theory as lines and
the simulation as dots, one colour per load.

    build/sim_tool theory --csv | python3 sim/plot.py > docs/simulation-supermarket.svg

Only the Python standard library. Exit status 0, or 1 with a message for
input that is not that CSV.
"""
import csv
import math
import sys

COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e"]
WIDTH, HEIGHT = 760, 380
PANEL_W, PANEL_H = 300, 260
LEFT, TOP = 70, 50
GAP = 70
Y_MIN_EXP = -5          # the axis goes from 1e-5 to 1


def read_rows(stream):
    rows = list(csv.DictReader(stream))
    need = {"load", "i", "random_theory", "random_sim", "p2c_theory", "p2c_sim"}
    if not rows or not need <= set(rows[0]):
        raise ValueError("expected the CSV of 'sim_tool theory --csv'")
    return [{k: float(v) for k, v in row.items()} for row in rows]


def y_of(value):
    """The y coordinate of a fraction (log scale), clamped to the axis."""
    exp = math.log10(max(value, 10 ** Y_MIN_EXP))
    return TOP + PANEL_H * (exp / Y_MIN_EXP)


def x_of(i, imax):
    return PANEL_W * (i - 1) / (imax - 1)


def panel(out, x0, title, rows, loads, key, imax):
    out.append(f'<g transform="translate({x0},0)">')
    out.append(f'<text x="{PANEL_W / 2}" y="{TOP - 20}" text-anchor="middle" '
               f'font-size="15">{title}</text>')
    out.append(f'<rect x="0" y="{TOP}" width="{PANEL_W}" height="{PANEL_H}" '
               'fill="none" stroke="#444"/>')
    for exp in range(Y_MIN_EXP, 1):
        y = y_of(10 ** exp)
        out.append(f'<line x1="0" x2="{PANEL_W}" y1="{y:.1f}" y2="{y:.1f}" '
                   'stroke="#ddd"/>')
        out.append(f'<text x="-6" y="{y + 4:.1f}" text-anchor="end" '
                   f'font-size="11">1e{exp}</text>')
    for i in range(1, imax + 1):
        x = x_of(i, imax)
        out.append(f'<text x="{x:.1f}" y="{TOP + PANEL_H + 16}" '
                   f'text-anchor="middle" font-size="11">{i}</text>')
    out.append(f'<text x="{PANEL_W / 2}" y="{TOP + PANEL_H + 34}" '
               'text-anchor="middle" font-size="12">i (connections at a '
               'backend)</text>')
    for n, load in enumerate(loads):
        colour = COLOURS[n % len(COLOURS)]
        mine = sorted((r for r in rows if r["load"] == load),
                      key=lambda r: r["i"])
        points = " ".join(f'{x_of(r["i"], imax):.1f},{y_of(r[key + "_theory"]):.1f}'
                          for r in mine)
        out.append(f'<polyline points="{points}" fill="none" '
                   f'stroke="{colour}" stroke-width="1.5" '
                   'stroke-dasharray="5,3"/>')
        for r in mine:
            if r[key + "_sim"] > 0:
                out.append(f'<circle cx="{x_of(r["i"], imax):.1f}" '
                           f'cy="{y_of(r[key + "_sim"]):.1f}" r="4" '
                           f'fill="{colour}"/>')
    out.append("</g>")


def render(rows):
    loads = sorted({r["load"] for r in rows})
    imax = int(max(r["i"] for r in rows))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
           f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
           'font-family="sans-serif">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>']
    panel(out, LEFT, "random: load^i", rows, loads, "random", imax)
    panel(out, LEFT + PANEL_W + GAP, "p2c: load^(2^i - 1)", rows, loads,
          "p2c", imax)
    out.append(f'<text x="{LEFT - 55}" y="{TOP + PANEL_H / 2}" font-size="12" '
               f'transform="rotate(-90 {LEFT - 55} {TOP + PANEL_H / 2})" '
               'text-anchor="middle">fraction with at least i</text>')
    legend_y = HEIGHT - 22
    out.append(f'<text x="{LEFT}" y="{legend_y}" font-size="12">dashed: '
               'theory, dots: simulation (1,000 backends); load</text>')
    for n, load in enumerate(loads):
        x = LEFT + 330 + n * 70
        colour = COLOURS[n % len(COLOURS)]
        out.append(f'<circle cx="{x}" cy="{legend_y - 4}" r="4" '
                   f'fill="{colour}"/>')
        out.append(f'<text x="{x + 8}" y="{legend_y}" font-size="12">'
                   f'{load:g}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    try:
        rows = read_rows(sys.stdin)
    except (ValueError, KeyError) as err:
        print(f"plot.py: {err}", file=sys.stderr)
        return 1
    sys.stdout.write(render(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
