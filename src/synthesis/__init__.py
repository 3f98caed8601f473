"""Framework-free analysis of consultation responses in the six UN languages.

Plain data in, plain data out: documents (:mod:`synthesis.text`) are coded against codebooks
(:mod:`synthesis.codebook`, :mod:`synthesis.coding`), screened for duplicates and campaigns
(:mod:`synthesis.duplicates`), explored for new themes (:mod:`synthesis.discovery`), broken down
(:mod:`synthesis.aggregate`) and assembled into report content (:mod:`synthesis.report`).
Only :mod:`synthesis.io` and the console front end :mod:`synthesis.cli` touch files. Importing the
package is cheap: heavy resources load on first use.
"""

__version__ = "0.1.0"
