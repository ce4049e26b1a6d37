# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Percentiles of measured latencies, shared by the Redis probe (PING round trips) and the LiteLLM measurement
(request latencies), so that neither imports the other's client library for it."""

from __future__ import annotations

import statistics


def percentiles(values, points=(50, 95, 99)):
    """{point: value} by statistics.quantiles (inclusive method: interpolated between the samples)."""
    if not values:
        return {pt: None for pt in points}
    if len(values) == 1:
        return {pt: values[0] for pt in points}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {pt: cuts[pt - 1] for pt in points}
