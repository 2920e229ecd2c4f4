"""Writes the two public-domain series under data/, from the copies statsmodels ships.

data/nino12-sst.csv: monthly mean sea-surface temperature of the Nino 1+2 region, 1950-2010. The values are NOAA's (Climate Prediction Center, ERSST.V3B, Nino 1+2: 0-10S, 90W-80W), a work of the
US government and so in the public domain. They are taken from the copy statsmodels ships as its
`elnino` dataset (statsmodels/datasets/elnino/elnino.csv: one row per year, one column per month)
and reshaped to one row per month, in time order.

data/us-macro-quarterly.csv: US macroeconomic series, 1959Q1-2009Q3 (statsmodels `macrodata`), public
domain: FRED (Federal Reserve Bank of St. Louis) and the Bureau of Labor Statistics. A few of its
columns, one row per quarter.

Run once; seqtrain itself never needs Python:

    pip download statsmodels --no-deps -d /tmp/sm
    python3 scripts/data/make_datasets.py /tmp/sm/statsmodels-*.whl
"""
import csv
import io
import sys
import zipfile

MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]

with zipfile.ZipFile(sys.argv[1]) as wheel:
    text = wheel.read("statsmodels/datasets/elnino/elnino.csv").decode("utf-8")
    macro = wheel.read("statsmodels/datasets/macrodata/macrodata.csv").decode("utf-8")

rows = list(csv.DictReader(io.StringIO(text)))
with open("data/nino12-sst.csv", "w", newline="\n") as out:
    out.write("# Monthly mean sea-surface temperature (degrees C) of the Nino 1+2 region (0-10S, 90W-80W), 1950-2010.\n")
    out.write("# Source: NOAA Climate Prediction Center, ERSST.V3B (public domain, a work of the US government),\n")
    out.write("# via the copy in statsmodels (datasets/elnino); reshaped by scripts/data/make_datasets.py.\n")
    out.write("month,sst\n")
    for row in rows:
        year = int(float(row["YEAR"]))
        for number, name in enumerate(MONTHS, start=1):
            out.write(f"{year}-{number:02d},{row[name]}\n")
print(f"wrote data/nino12-sst.csv: {len(rows) * 12} months")

MACRO_COLUMNS = ["realgdp", "realcons", "realinv", "cpi", "tbilrate", "unemp", "infl"]
rows = list(csv.DictReader(io.StringIO(macro)))
with open("data/us-macro-quarterly.csv", "w", newline="\n") as out:
    out.write("# US macroeconomic series, 1959Q1-2009Q3, one row per quarter (seasonally adjusted).\n")
    out.write("# realgdp, realcons, realinv: billions of chained 2005 dollars, annual rate; cpi: 1982-84 = 100;\n")
    out.write("# tbilrate: 3-month treasury bill rate (%); unemp: unemployment rate (%); infl: inflation (% a year).\n")
    out.write("# Source: FRED (Federal Reserve Bank of St. Louis) and the Bureau of Labor Statistics, public domain,\n")
    out.write("# via the copy in statsmodels (datasets/macrodata); columns chosen by scripts/data/make_datasets.py.\n")
    out.write("quarter," + ",".join(MACRO_COLUMNS) + "\n")
    for row in rows:
        quarter = f"{int(float(row['year']))}-Q{int(float(row['quarter']))}"
        out.write(quarter + "," + ",".join(row[c] for c in MACRO_COLUMNS) + "\n")
print(f"wrote data/us-macro-quarterly.csv: {len(rows)} quarters")
