from shop.core._version import version as __version__
