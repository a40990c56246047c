"""GridX dynamic prices (CalFUSE getPricing): configs, requests, parsing and the dlt load.

configs/pricing/*.yaml -> plan windows of at most 14 days per (rate, circuit) -> fetch them
concurrently -> exact Decimal rows -> dlt merge into raw_gridx.prices (+ prices__components).
"""
