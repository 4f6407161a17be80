"""A seeded generator of CQL2 text expressions, each with the same predicate written by hand in SQL.

The SQL side is written here from the CQL2 1.0 definitions (three-valued logic, LIKE wildcards,
the temporal operators on an instant against an instant or an interval, S_DWITHIN in metres on
the spheroid), against the tables themselves, not through the code under test.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


@dataclass
class Spec:
    strings: dict  # queryable -> (SQL column, sample values)
    ints: dict = field(default_factory=dict)  # queryable -> (SQL column, (low, high))
    times: dict = field(default_factory=dict)  # queryable -> (SQL column, sample values)
    geometry: str = ""  # SQL geometry expression
    area: tuple = (100.0, 13.0, 101.0, 14.0)  # where spatial literals fall


def _quote(text: str) -> str:
    return "'" + text + "'"


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Generator:
    def __init__(self, spec: Spec, seed: int):
        self.spec, self.rnd = spec, random.Random(seed)

    def expression(self, depth: int = 0):
        """(cql2 text, sql, params)"""
        roll = self.rnd.random()
        if depth < 3 and roll < 0.35:
            op = self.rnd.choice(["AND", "OR"])
            (t1, s1, p1), (t2, s2, p2) = self.expression(depth + 1), self.expression(depth + 1)
            return f"({t1}) {op} ({t2})", f"(({s1}) {op} ({s2}))", p1 + p2
        if depth < 3 and roll < 0.45:
            t, s, p = self.expression(depth + 1)
            return f"NOT ({t})", f"(NOT ({s}))", p
        return self.leaf()

    def leaf(self):
        kinds = ["string"] * 4 + ["spatial"] * 2
        if self.spec.ints:
            kinds += ["int"] * 2
        if self.spec.times:
            kinds += ["time"] * 3
        return getattr(self, "_" + self.rnd.choice(kinds))()

    # --- strings: =, <>, <, >, LIKE, IN, IS NULL
    def _string(self):
        name = self.rnd.choice(sorted(self.spec.strings))
        column, samples = self.spec.strings[name]
        value = self.rnd.choice(samples)
        form = self.rnd.choice(["=", "<>", "<", ">=", "like", "notlike", "in", "notin", "null", "notnull"])
        if form in ("=", "<>", "<", ">="):
            return f"{name} {form} {_quote(value)}", f"{column} {form} %s", [value]
        if form in ("like", "notlike"):
            pattern = self._pattern(value)
            neg = "NOT " if form == "notlike" else ""
            return f"{name} {neg}LIKE {_quote(pattern)}", f"{column} {neg}LIKE %s", [pattern]
        if form in ("in", "notin"):
            options = sorted({self.rnd.choice(samples) for _ in range(self.rnd.randint(1, 4))})
            neg = "NOT " if form == "notin" else ""
            text = ", ".join(_quote(v) for v in options)
            return f"{name} {neg}IN ({text})", f"{column} {neg}IN ({', '.join(['%s'] * len(options))})", options
        neg = "NOT " if form == "notnull" else ""
        return f"{name} IS {neg}NULL", f"{column} IS {neg}NULL", []

    def _pattern(self, value: str) -> str:
        chars = list(value)
        for i in range(len(chars)):
            if self.rnd.random() < 0.2:
                chars[i] = "_"
        text = "".join(chars)
        cut = self.rnd.randint(0, len(text))
        choice = self.rnd.random()
        if choice < 0.3:
            return text[:cut] + "%"
        if choice < 0.6:
            return "%" + text[cut:]
        if choice < 0.8:
            return "%" + text[cut // 2 : cut] + "%"
        return text[:cut] + "%" + text[cut:]

    # --- integers: comparisons, BETWEEN
    def _int(self):
        name = self.rnd.choice(sorted(self.spec.ints))
        column, (low, high) = self.spec.ints[name]
        a, b = sorted(self.rnd.randint(low - 1, high + 1) for _ in range(2))
        form = self.rnd.choice(["=", "<>", "<", "<=", ">", ">=", "between", "notbetween"])
        if form == "between":
            return f"{name} BETWEEN {a} AND {b}", f"{column} BETWEEN %s AND %s", [a, b]
        if form == "notbetween":
            return f"{name} NOT BETWEEN {a} AND {b}", f"{column} NOT BETWEEN %s AND %s", [a, b]
        return f"{name} {form} {a}", f"{column} {form} %s", [a]

    # --- timestamps: comparisons and the temporal operators
    def _moment(self, samples):
        base = self.rnd.choice(samples)
        if self.rnd.random() < 0.4:
            return base  # exactly a stored value, microseconds and all
        return base + timedelta(seconds=self.rnd.randint(-86_400 * 30, 86_400 * 30))

    def _time(self):
        name = self.rnd.choice(sorted(self.spec.times))
        column, samples = self.spec.times[name]
        form = self.rnd.choice(["cmp", "cmp", "instant", "interval", "interval"])
        if form == "cmp":
            op = self.rnd.choice(["=", "<>", "<", "<=", ">", ">="])
            v = self._moment(samples)
            return f"{name} {op} TIMESTAMP('{_ts(v)}')", f"{column} {op} %s", [v]
        if form == "instant":
            v = self._moment(samples)
            op = self.rnd.choice(["T_BEFORE", "T_AFTER", "T_INTERSECTS", "T_DISJOINT", "T_EQUALS"])
            sql = {
                "T_BEFORE": f"{column} < %s",
                "T_AFTER": f"{column} > %s",
                "T_INTERSECTS": f"{column} = %s",
                "T_DISJOINT": f"NOT ({column} = %s)",
                "T_EQUALS": f"{column} = %s",
            }[op]
            return f"{name} {op} TIMESTAMP('{_ts(v)}')", sql, [v]
        start, end = sorted([self._moment(samples), self._moment(samples)])
        if self.rnd.random() < 0.2:
            start = None
        elif self.rnd.random() < 0.2:
            end = None
        text = f"INTERVAL('{'..' if start is None else _ts(start)}', '{'..' if end is None else _ts(end)}')"
        op = self.rnd.choice(["T_BEFORE", "T_AFTER", "T_DURING", "T_INTERSECTS", "T_DISJOINT", "T_EQUALS"])

        def cond(template, bound):
            return ("TRUE", []) if bound is None else (template, [bound])

        if op == "T_BEFORE":  # ends before the interval begins
            sql, p = ("FALSE", []) if start is None else (f"{column} < %s", [start])
        elif op == "T_AFTER":
            sql, p = ("FALSE", []) if end is None else (f"{column} > %s", [end])
        elif op in ("T_DURING", "T_INTERSECTS", "T_DISJOINT"):
            strict = op == "T_DURING"
            s1, p1 = cond(f"{column} {'>' if strict else '>='} %s", start)
            s2, p2 = cond(f"{column} {'<' if strict else '<='} %s", end)
            sql, p = f"({s1} AND {s2})", p1 + p2
            if op == "T_DISJOINT":
                sql = f"NOT {sql}"
        else:  # T_EQUALS: an instant equals an interval only when both ends are that instant
            if start is None or end is None:
                sql, p = "FALSE", []
            else:
                sql, p = f"({column} = %s AND {column} = %s)", [start, end]
        return f"{name} {op} {text}", sql, p

    # --- spatial: S_INTERSECTS (box, polygon), S_DISJOINT, S_WITHIN, S_DWITHIN
    def _box(self):
        x0, y0, x1, y1 = self.spec.area
        w = (x1 - x0) * self.rnd.choice([0.02, 0.1, 0.3, 0.8])
        h = (y1 - y0) * self.rnd.choice([0.02, 0.1, 0.3, 0.8])
        minx = self.rnd.uniform(x0 - w / 2, x1 - w / 2)
        miny = self.rnd.uniform(y0 - h / 2, y1 - h / 2)
        return round(minx, 5), round(miny, 5), round(minx + w, 5), round(miny + h, 5)

    def _spatial(self):
        g = self.spec.geometry
        form = self.rnd.choice(["box", "triangle", "disjoint", "within", "dwithin", "dwithin"])
        minx, miny, maxx, maxy = self._box()
        envelope = "ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
        if form == "box":
            return (
                f"S_INTERSECTS(geometry, BBOX({minx}, {miny}, {maxx}, {maxy}))",
                f"ST_Intersects({g}, {envelope})",
                [minx, miny, maxx, maxy],
            )
        if form == "triangle":
            wkt = f"POLYGON(({minx} {miny}, {maxx} {miny}, {minx} {maxy}, {minx} {miny}))"
            return f"S_INTERSECTS(geometry, {wkt})", f"ST_Intersects({g}, ST_GeomFromText(%s, 4326))", [wkt]
        if form == "disjoint":
            return (
                f"S_DISJOINT(geometry, BBOX({minx}, {miny}, {maxx}, {maxy}))",
                f"NOT ST_Intersects({g}, {envelope})",
                [minx, miny, maxx, maxy],
            )
        if form == "within":
            return (
                f"S_WITHIN(geometry, BBOX({minx}, {miny}, {maxx}, {maxy}))",
                f"ST_Within({g}, {envelope})",
                [minx, miny, maxx, maxy],
            )
        x, y = round(self.rnd.uniform(minx, maxx), 5), round(self.rnd.uniform(miny, maxy), 5)
        metres = self.rnd.choice([0, 50, 500, 3000, 20000])
        return (
            f"S_DWITHIN(geometry, POINT({x} {y}), {metres})",
            f"ST_DWithin(({g})::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, %s)",
            [x, y, metres],
        )
