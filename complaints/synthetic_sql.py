"""The SQL behind complaints/synthetic.py: one batch of synthetic complaints, and their history.

Every draw is a hash of the row's number (deterministic, no random()): u(n, k) is uniform in
[0, 1). A merged report (every FOLLOWER_EVERY-th) draws its place, time and fate from the report
before it, its parent, so it has its parent's status and moves, filed up to two days later.

What became of a complaint depends on its age: open with probability 4 % + 80 % e^(-age/7 days)
(of the open: 45 % waiting, 33 % in progress, 10 % forwarded "not ours", 12 % follow-up); of the
closed, 92 % finished and 8 % irrelevant. First answers take 0.1-2x the response target, work
0.05-2x the resolution target beyond it (never later than now; "irrelevant" is closed by its
first answer, and only "finished" has a resolution time, as complaints/moves.py writes); an open complaint past its
deadline was escalated half the time (to the template's next level), a closed one that took over
1.5x its target a third of the time; 4 % of finished ones were reopened once.
"""


def u(n: str, k: int) -> str:
    """A uniform draw in [0, 1) for row number `n` and draw number `k`."""
    return f"((hashint8(({n}) * 32 + {k} + %(salt)s)::bigint + 2147483648)::float8 / 4294967296.0)"


OPEN = "('waiting', 'in_progress', 'forwarded', 'follow_up')"

INSERT = f"""
WITH rows AS (
    SELECT g, CASE WHEN g %% %(follower_every)s = 0 THEN g - 1 ELSE g END AS p
    FROM generate_series(%(start)s, %(stop)s) AS g
), drawn AS MATERIALIZED (
    SELECT r.g, r.p, 1 + floor({u("r.p", 1)} * %(templates)s)::int AS rn,
           floor(ln(1 + {u("r.p", 2)} * %(growth_span)s::float8) / %(growth)s * %(days)s)::int AS day_index,
           {u("r.p", 3)} AS u_week, {u("r.p", 4)} AS u_hour, {u("r.p", 5)} AS u_minute,
           {u("r.p", 6)} AS u_open, {u("r.p", 7)} AS u_state, {u("r.p", 8)} AS u_answer,
           {u("r.p", 9)} AS u_work, {u("r.p", 10)} AS u_escalate, {u("r.p", 11)} AS u_reopen,
           {u("r.g", 12)} AS u_x, {u("r.g", 13)} AS u_y, {u("r.g", 14)} AS u_lag, {u("r.p", 15)} AS u_house
    FROM rows r
), dated AS (
    SELECT d.*, CASE WHEN date_part('isodow', day) = 6 AND u_week < 0.3 THEN day - 1
                     WHEN date_part('isodow', day) = 7 AND u_week < 0.3 AND day < %(today)s THEN day + 1
                     ELSE day END AS filed_day
    FROM (SELECT d.*, %(first_day)s::date + least(d.day_index, %(days)s - 1) AS day FROM drawn d) d
), made AS MATERIALIZED (
    SELECT d.*, least(%(now)s::timestamptz - u_minute * interval '1 hour',
                      (filed_day + (%(hours)s::int[])[1 + floor(u_hour * cardinality(%(hours)s::int[]))::int]
                                   * interval '1 hour' + u_minute * interval '1 hour')
                      AT TIME ZONE %(zone)s) AS problem_at
    FROM dated d
), fate AS MATERIALIZED (
    SELECT m.*, date_part('epoch', %(now)s::timestamptz - problem_at) / 3600.0 AS age_h,
           CASE WHEN u_open < 0.04 + 0.8 * exp(-date_part('epoch', %(now)s::timestamptz - problem_at) / 604800.0)
                THEN CASE WHEN u_state < 0.45 THEN 'waiting' WHEN u_state < 0.78 THEN 'in_progress'
                          WHEN u_state < 0.88 THEN 'forwarded' ELSE 'follow_up' END
                ELSE CASE WHEN u_state < 0.92 THEN 'finished' ELSE 'irrelevant' END END AS state
    FROM made m
), timed AS MATERIALIZED (
    SELECT f.*, t.*,
           CASE WHEN state <> 'waiting'
                THEN least(age_h, t.response_h * (0.1 + 1.9 * u_answer * u_answer)) END AS answer_h,
           CASE WHEN state = 'finished'
                THEN least(age_h, t.response_h * (0.1 + 1.9 * u_answer * u_answer)
                                  + t.resolution_h * (0.05 + 1.95 * u_work * u_work)) END AS done_h,
           CASE WHEN state = 'waiting' THEN t.response_h
                WHEN state = 'forwarded' THEN least(age_h, t.response_h * (0.1 + 1.9 * u_answer * u_answer))
                                              + t.response_h
                WHEN state IN ('in_progress', 'follow_up') THEN t.resolution_h END AS due_h
    FROM fate f JOIN synthetic_template t ON t.rn = f.rn
), fated AS (
    SELECT t.*,
           CASE WHEN due_h IS NOT NULL AND due_h < age_h AND u_escalate < 0.5 AND above_id IS NOT NULL THEN 1
                WHEN done_h > 1.5 * resolution_h AND u_escalate < 0.33 AND above_id IS NOT NULL THEN 1
                ELSE 0 END AS escalated,
           (u_reopen < 0.04 AND state = 'finished')::int AS reopened,
           least(%(now)s::timestamptz,
                 problem_at + CASE WHEN g <> p THEN u_lag * interval '48 hours' ELSE interval '0' END) AS filed_at
    FROM timed t
)
INSERT INTO complaints_complaint (
    id, source, client_ticket_id, request_fingerprint, location, categories, description, photo_url,
    reporter_name, reporter_contact, status, reopen_count, agency_id, decision, province_code, district_code,
    subdistrict_code, local_government_code, generation, created, updated, first_response_at, resolved_at,
    due_at, alarm_at, escalation_level, escalated_to_id, parent_id, merged_at, description_hidden, revision)
SELECT %(base)s + g, 'synthetic', 'syn-' || (%(base)s + g), '',
       ST_SetSRID(ST_MakePoint(lon + (u_x - 0.5) * %(jitter)s, lat + (u_y - 0.5) * %(jitter)s), 4326),
       categories, phrase || ' ใกล้บ้านเลขที่ ' || (1 + floor(u_house * 999)::int), '', '', '', state, reopened,
       agency_id, '{{}}'::jsonb, province_code, district_code, subdistrict_code, local_government_code, generation,
       filed_at,
       greatest(filed_at, problem_at + coalesce(done_h, answer_h, 0) * interval '1 hour'),
       problem_at + answer_h * interval '1 hour', problem_at + done_h * interval '1 hour',
       problem_at + (due_h + CASE WHEN escalated = 1 AND done_h IS NULL THEN due_h ELSE 0 END) * interval '1 hour',
       CASE WHEN due_h IS NOT NULL AND escalated = 0 AND due_h > age_h
            THEN problem_at + due_h * interval '1 hour' END,
       escalated, CASE WHEN escalated = 1 THEN above_id END,
       CASE WHEN g <> p THEN %(base)s + p END,
       CASE WHEN g <> p THEN least(%(now)s::timestamptz, filed_at + interval '2 hours') END,
       false,
       1 + (answer_h IS NOT NULL)::int + (done_h IS NOT NULL)::int + escalated + 2 * reopened
FROM fated
"""

# One entry when filed and one when closed (finish or reject), as the write path records them
# (without the agency's code in `data`, which would cost a join per batch).
HISTORY = f"""
INSERT INTO complaints_historyentry (
    complaint_id, event, action, from_status, to_status, actor, actor_role, actor_agency, note, photo_url,
    data, intake_key_id, agencies, at, note_hidden)
SELECT c.id, 'created', '', '', 'waiting', 'synthetic', 'intake', '', '', '', '{{}}'::jsonb, NULL::bigint,
       array_remove(ARRAY[c.agency_id], NULL), c.created, false
FROM complaints_complaint c
WHERE c.id BETWEEN %(low)s AND %(high)s
UNION ALL
SELECT c.id, 'transition', CASE c.status WHEN 'finished' THEN 'finish' ELSE 'reject' END,
       CASE c.status WHEN 'finished' THEN 'in_progress' ELSE 'waiting' END, c.status,
       'synthetic', 'staff', '', '', '', '{{}}'::jsonb, NULL::bigint,
       array_remove(ARRAY[c.agency_id, c.escalated_to_id], NULL), coalesce(c.resolved_at, c.first_response_at), false
FROM complaints_complaint c
WHERE c.id BETWEEN %(low)s AND %(high)s AND c.status NOT IN {OPEN}
"""

# The tables' secondary indexes (neither primary nor unique: those check what is written), for a
# large fill that drops them and builds them again afterwards (much faster than row by row).
SECONDARY_INDEXES = """
SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
WHERE x.indrelid IN ('complaints_complaint'::regclass, 'complaints_historyentry'::regclass)
  AND NOT x.indisunique AND NOT x.indisprimary
ORDER BY i.relname
"""
