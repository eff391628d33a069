"""One voice for numbers: the same value prints the same way in compare, the report and the CLI."""

from __future__ import annotations

import math

import pandas as pd

from sim.common.formats import MINUS, compact, decimals_for, fixed, number, percent, plus_minus, yaml_number
from sim.outputs.compare import format_table


def test_decimals_give_about_three_significant_digits():
    assert decimals_for([0.4751, 0.2]) == 3
    assert decimals_for([4.751]) == 2
    assert decimals_for([47.51, -3]) == 1
    assert decimals_for([475.1]) == 0
    assert decimals_for([float("nan"), None, 0.5]) == 3
    assert decimals_for([]) == 3


def test_fixed_and_number_agree_but_for_the_minus_sign():
    assert fixed(0.4751, 3) == "0.475"
    assert fixed(-0.0001, 3) == "0.000" and fixed(-0.0001, 3, sign=True) == "0.000"
    assert fixed(0.25, 2, sign=True) == "+0.25"
    assert fixed(float("nan")) == "-" and fixed(None) == "-" and fixed(math.inf) == "-"
    assert number(-0.5) == f"{MINUS}0.50"
    assert number(-0.5).replace(MINUS, "-") == fixed(-0.5)


def test_compact_and_other_helpers():
    assert [compact(x) for x in (0.4751, 14.52, 145.6, 12345.0)] == ["0.475", "14.5", "146", "12,345"]
    assert compact(float("nan")) == "-"
    assert plus_minus(0.41234, 0.0312) == "0.412 ± 0.031"
    assert [percent(p) for p in (0, 0.0004, 0.004, 0.61, 0.995, 0.9995, 1)] == \
        ["0%", "less than 0.1%", "0.4%", "61%", "99.5%", "more than 99.9%", "100%"]
    assert yaml_number(52.0) == "52" and yaml_number(0.45) == "0.45"


def test_compare_table_prints_a_median_with_the_shared_rule():
    table = pd.DataFrame({"output": ["unrest"], "year": [2020], "a:p50": [0.4751], "a:p05": [0.2], "a:p95": [0.61],
                          "b:p50": [0.5], "b:p05": [0.3], "b:p95": [0.7], "diff:b-a": [0.0249]})
    text = format_table(table)
    assert f"{fixed(0.4751, decimals_for([0.4751]))} [0.200, 0.610]" in text
    assert "+0.025" in text
