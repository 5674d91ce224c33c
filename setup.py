"""The one part of the build pyproject.toml cannot state yet: the compiled cbqr fast paths.

``verifier/formats/_cbqr_speedups.c`` is optional. Without a C compiler, the zlib
headers or the Python headers the install goes on, and the QR credential is encoded and
decoded by the Python implementation, which gives the same answers more slowly.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "verifier.formats._cbqr_speedups",
            sources=["verifier/formats/_cbqr_speedups.c"],
            libraries=["z"],
            optional=True,
        )
    ]
)
