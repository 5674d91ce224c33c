"""Photo-like images of a printed certificate, made from its real PDF.

The PDF is rendered with pdftoppm (poppler) as a printed page would look, then each
variant imitates one way a phone photo goes wrong: the page tilted a few degrees, seen at
an angle (perspective), out of focus, with a lamp's glare, dim light, sensor noise, strong
JPEG compression, a small photo, the page lying on a desk, upside down — and mixes of
these. Everything is seeded, so the same PDF gives the same images in every run.
"""

from __future__ import annotations

import io
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

Step = Callable[[Image.Image, np.random.Generator], Image.Image]


def render_page(pdf: bytes, dpi: int = 150) -> Image.Image:
    """The first page of ``pdf`` as an RGB image (pdftoppm, as a print at ``dpi``)."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "certificate.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-png", str(source), f"{tmp}/page"],
            check=True,
            capture_output=True,
        )
        (page,) = Path(tmp).glob("page*.png")
        with Image.open(page) as image:
            return image.convert("RGB")


def rotate(degrees: float) -> Step:
    """The page turned by ``degrees`` on a grey-brown desk."""

    def step(image: Image.Image, rng: np.random.Generator) -> Image.Image:
        return image.rotate(
            degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(96, 88, 80)
        )

    return step


def perspective(strength: float) -> Step:
    """The page seen from below and to one side: its far edge shorter than its near one."""

    def step(image: Image.Image, rng: np.random.Generator) -> Image.Image:
        w, h = image.size
        d = strength * w
        # Where the photo's corners come from on the page (top edge pulled in, one side lower).
        source = [(-d, -d * 0.3), (w + d * 0.6, 0), (w, h), (0, h + d * 0.2)]
        target = [(0, 0), (w, 0), (w, h), (0, h)]
        coeffs = _perspective_coefficients(target, source)
        return image.transform(
            (w, h),
            Image.Transform.PERSPECTIVE,
            coeffs,
            Image.Resampling.BICUBIC,
            fillcolor=(96, 88, 80),
        )

    return step


def _perspective_coefficients(
    target: list[tuple[float, float]], source: list[tuple[float, float]]
) -> tuple[float, ...]:
    rows = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    solution = np.linalg.solve(
        np.array(rows, dtype=float), np.array(source, dtype=float).reshape(8)
    )
    return tuple(float(c) for c in solution)


def blur(radius: float) -> Step:
    def step(image: Image.Image, rng: np.random.Generator) -> Image.Image:
        return image.filter(ImageFilter.GaussianBlur(radius))

    return step


def glare(cx: float, cy: float, radius: float, strength: float = 0.75) -> Step:
    """A lamp's reflection: a bright soft spot centred at (cx, cy), as fractions of the size."""

    def step(image: Image.Image, rng: np.random.Generator) -> Image.Image:
        w, h = image.size
        ys, xs = np.mgrid[0:h, 0:w]
        dist = np.hypot(xs - cx * w, ys - cy * h) / (radius * max(w, h))
        light = strength * np.clip(1 - dist, 0, 1) ** 2
        pixels = np.asarray(image, dtype=float)
        pixels = pixels + (255 - pixels) * light[..., None]
        return Image.fromarray(pixels.clip(0, 255).astype(np.uint8))

    return step


def dim(contrast: float, brightness: float) -> Step:
    """Poor light: less contrast, a darker and slightly yellow page."""

    def step(image: Image.Image, rng: np.random.Generator) -> Image.Image:
        pixels = np.asarray(image, dtype=float)
        pixels = (pixels - 128) * contrast + 128 * brightness
        pixels = pixels * np.array([1.0, 0.96, 0.85])
        return Image.fromarray(pixels.clip(0, 255).astype(np.uint8))

    return step


def noise(sigma: float) -> Step:
    def step(image: Image.Image, rng: np.random.Generator) -> Image.Image:
        pixels = np.asarray(image, dtype=float)
        pixels = pixels + rng.normal(0, sigma, pixels.shape)
        return Image.fromarray(pixels.clip(0, 255).astype(np.uint8))

    return step


def jpeg(quality: int) -> Step:
    def step(image: Image.Image, rng: np.random.Generator) -> Image.Image:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality)
        buffer.seek(0)
        with Image.open(buffer) as decoded:
            return decoded.convert("RGB")

    return step


def downscale(longest: int) -> Step:
    """The photo as a phone sends it in a chat: ``longest`` pixels on its long side."""

    def step(image: Image.Image, rng: np.random.Generator) -> Image.Image:
        scale = min(1.0, longest / max(image.size))
        size = (round(image.width * scale), round(image.height * scale))
        return image.resize(size, Image.Resampling.LANCZOS)

    return step


def on_desk(fraction: float) -> Step:
    """The page fills only ``fraction`` of the photo's height; the desk shows around it."""

    def step(image: Image.Image, rng: np.random.Generator) -> Image.Image:
        h = round(image.height / fraction)
        w = round(h * 3 / 4)
        desk = Image.new("RGB", (max(w, image.width), h), (70, 62, 55))
        x = (desk.width - image.width) // 2 + int(rng.integers(-20, 20))
        desk.paste(image, (x, (h - image.height) // 3))
        return desk

    return step


@dataclass(frozen=True)
class Variant:
    name: str
    steps: tuple[Step, ...]


#: The photo set: at least twenty ways a phone photo of the certificate comes out.
VARIANTS = (
    Variant("tilt-3", (rotate(3), downscale(2000), jpeg(85))),
    Variant("tilt-5", (rotate(5), downscale(2000), jpeg(85))),
    Variant("tilt-minus-4", (rotate(-4), downscale(2000), jpeg(85))),
    Variant("tilt-7-blur", (rotate(7), blur(1.2), downscale(2000), jpeg(85))),
    Variant("tilt-10", (rotate(10), downscale(2000), jpeg(85))),
    Variant("tilt-minus-8-blur", (rotate(-8), blur(0.9), downscale(1800), jpeg(80))),
    Variant("perspective", (perspective(0.06), downscale(2000), jpeg(85))),
    Variant("perspective-tilt-5", (perspective(0.05), rotate(5), downscale(2000), jpeg(85))),
    Variant("perspective-strong", (perspective(0.10), downscale(2000), jpeg(85))),
    Variant("blur", (blur(1.5), downscale(2000), jpeg(85))),
    Variant("blur-strong", (blur(2.2), downscale(2000), jpeg(85))),
    Variant("glare-corner", (glare(0.85, 0.15, 0.5), rotate(4), downscale(2000), jpeg(85))),
    Variant("glare-on-qr", (glare(0.25, 0.75, 0.25, 0.6), rotate(-3), downscale(2000), jpeg(85))),
    Variant("jpeg-40", (rotate(3), jpeg(40))),
    Variant("jpeg-15", (rotate(-5), downscale(1600), jpeg(15))),
    Variant("small-1200", (rotate(4), downscale(1200), jpeg(80))),
    Variant("small-900", (rotate(-3), downscale(900), jpeg(85))),
    Variant("desk-tilt-6", (rotate(6), on_desk(0.75), downscale(2000), jpeg(80))),
    Variant("noise-tilt-3", (rotate(3), noise(12), downscale(2000), jpeg(80))),
    Variant("dim-light", (dim(0.55, 0.75), rotate(-6), noise(6), downscale(2000), jpeg(75))),
    Variant(
        "tilt-8-blur-glare", (rotate(8), blur(0.8), glare(0.6, 0.3, 0.5), downscale(1800), jpeg(75))
    ),
    Variant("perspective-jpeg-noise", (perspective(0.07), noise(8), downscale(1600), jpeg(50))),
    Variant("upside-down", (rotate(183), downscale(2000), jpeg(85))),
    Variant("sideways", (rotate(88), downscale(2000), jpeg(85))),
)


def photo_set(pdf: bytes, out_dir: Path, seed: int = 14) -> list[Path]:
    """Write every variant of the certificate ``pdf`` as a JPEG under ``out_dir``."""
    page = render_page(pdf)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, variant in enumerate(VARIANTS):
        rng = np.random.default_rng(seed + index)
        image = page
        for step in variant.steps:
            image = step(image, rng)
        path = out_dir / f"{index:02d}-{variant.name}.jpg"
        image.save(path, "JPEG", quality=95)
        paths.append(path)
    return paths
