"""Settings of the statistics' aggregates (complaints/stat_cells.py, docs/statistics.md)."""

import os

# From this many complaints (the planner's estimate) the statistics read the aggregates; below
# it they count the complaints, which is as fast there and gives exact percentiles.
GEO_STATS_CELLS_FROM = int(os.environ.get("GEO_STATS_CELLS_FROM", "200000"))
# How often the workers fold the deltas into the cells (croniter: the sixth field is seconds).
GEO_STATS_FOLD_CRON = os.environ.get("GEO_STATS_FOLD_CRON", "* * * * * */5")
# Once a day the day and 8-day cells older than 64-127 days are dropped (complaints/stat_cells.py).
GEO_STATS_HORIZON_CRON = os.environ.get("GEO_STATS_HORIZON_CRON", "23 3 * * *")
