"""The Heat essay's cover: an illustration drawn here, not a film still (whose rights are
not ours to give). Los Angeles at night in the film's blue and amber: a dusk sky, a
skyline with lit windows, a runway's lights leading into the dark. Drawn the same way
every time (a fixed seed), in about a second, so the repository holds no image file.
"""

import io
import itertools
import random

from PIL import Image, ImageDraw, ImageFilter

WIDTH, HEIGHT = 2400, 1260
HORIZON = 860
ALT = (
    "An illustration of Los Angeles at night: a blue dusk over a dark skyline of lit "
    "windows, and the lights of an airport runway leading towards it."
)


def _mix(a: tuple, b: tuple, t: float) -> tuple:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def cover_jpeg() -> bytes:
    """The cover as JPEG bytes."""
    rng = random.Random(1995)
    image = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    # Sky: deep navy overhead, steel blue, then an amber glow at the horizon.
    stops = [
        (0.0, (6, 14, 30)),
        (0.5, (20, 46, 78)),
        (0.76, (58, 84, 110)),
        (0.9, (168, 118, 82)),
        (1.0, (236, 152, 70)),
    ]
    for y in range(HORIZON):
        t = y / HORIZON
        for (t0, c0), (t1, c1) in itertools.pairwise(stops):
            if t0 <= t <= t1:
                draw.line([(0, y), (WIDTH, y)], fill=_mix(c0, c1, (t - t0) / (t1 - t0)))
                break
    # Ground: the city's haze fading into the dark.
    for y in range(HORIZON, HEIGHT):
        draw.line(
            [(0, y), (WIDTH, y)],
            fill=_mix((40, 34, 36), (4, 7, 13), ((y - HORIZON) / (HEIGHT - HORIZON)) ** 0.4),
        )
    # Skyline: towers in two layers, the far one lighter, with a few lit windows.
    for layer, (shade, tallest, lit) in enumerate(
        [((28, 38, 54), 330, 0.05), ((9, 13, 22), 520, 0.09)]
    ):
        x = -40
        while x < WIDTH:
            width = rng.randrange(60, 170)
            top = HORIZON - rng.randrange(60, tallest if rng.random() < 0.25 else tallest // 2)
            draw.rectangle([x, top, x + width, HORIZON], fill=shade)
            for wy in range(top + 14, HORIZON - 10, 18):
                for wx in range(x + 10, x + width - 10, 16):
                    if rng.random() < lit:
                        glow = rng.choice([(255, 196, 120), (236, 232, 210), (150, 200, 255)])
                        draw.rectangle(
                            [wx, wy, wx + 5, wy + 8], fill=_mix(shade, glow, 0.4 + layer * 0.4)
                        )
            x += width + rng.randrange(0, 90 if layer else 30)
    # The runway: two rows of lights converging on the horizon, brighter when nearer.
    vanish = (WIDTH * 0.62, HORIZON + 8)
    for side in (-1, 1):
        base = (WIDTH * 0.62 + side * 1500, HEIGHT + 40)
        for n in range(1, 28):
            t = (n / 28) ** 1.8
            x = base[0] + (vanish[0] - base[0]) * t
            y = base[1] + (vanish[1] - base[1]) * t
            r = max(1.5, 9 * (1 - t))
            draw.ellipse([x - r, y - r * 0.6, x + r, y + r * 0.6], fill=(255, 214, 150))
    image = image.filter(ImageFilter.GaussianBlur(1.2))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=86, optimize=True, progressive=True)
    return out.getvalue()
