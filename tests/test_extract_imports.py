"""The extract command refuses pandas, which DuckDB's binding would otherwise import at the
first query with parameters (34 MB of peak RSS): the loads it runs work without it."""

import subprocess
import sys

LOADS_WITHOUT_PANDAS = """
import sys
from extract.__main__ import skip_unused_imports
skip_unused_imports()
import datetime, dlt, httpx, pyarrow
destination = dlt.destinations.duckdb(sys.argv[1] + "/w.duckdb")
pipeline = dlt.pipeline("imports", destination=destination, pipelines_dir=sys.argv[1])
# the pricing load (rows to Parquet through pyarrow), then the features' (an Arrow table)
pipeline.run([{"at": datetime.datetime.now(datetime.UTC), "price": 0.1}], table_name="rows",
             loader_file_format="parquet").raise_on_failed_jobs()
pipeline.run(pyarrow.table({"id": [1, 2]}), table_name="pages").raise_on_failed_jobs()
with pipeline.sql_client() as sql:
    print(sql.execute_sql("select count(*) from rows where price = ?", 0.1)[0][0],
          sql.execute_sql("select count(*) from pages")[0][0])
print(sorted(name for name in ("pandas", "httpx._main") if name in sys.modules))
try:
    import pandas  # noqa: F401
except ModuleNotFoundError as error:
    print(error)
"""


def test_extract_loads_prices_and_features_without_importing_pandas(tmp_path):
    done = subprocess.run([sys.executable, "-c", LOADS_WITHOUT_PANDAS, str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines() == [
        "1 2", "[]", "No module named 'pandas' (not used by the extract)"]
