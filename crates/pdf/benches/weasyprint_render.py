"""Renders an HTML file with WeasyPrint N times in one process; prints the median milliseconds.

Used by `cargo xtask bench pdf` as the peer skranke-pdf is compared with (same content, same run)."""
import statistics
import sys
import time

import weasyprint

html_path, runs = sys.argv[1], int(sys.argv[2])
html = open(html_path, encoding="utf-8").read()
weasyprint.HTML(string=html).write_pdf()  # warm-up: fonts and caches, as a long-running server would have
samples = []
for _ in range(runs):
    start = time.perf_counter()
    weasyprint.HTML(string=html).write_pdf()
    samples.append((time.perf_counter() - start) * 1000)
print(f"{statistics.median(samples):.2f}")
