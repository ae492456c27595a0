-- Every job, its state and how many times it ran.
CREATE TABLE jobs (
    id          text PRIMARY KEY,
    state       text NOT NULL DEFAULT 'queued',
    attempts    integer NOT NULL DEFAULT 0,
    run_after   timestamptz NOT NULL DEFAULT now(),
    last_error  text
);

CREATE INDEX jobs_due ON jobs (state, run_after);

-- Jobs that ran out of attempts, for the people on call.
CREATE VIEW parked_jobs AS
    SELECT id, attempts, last_error FROM jobs WHERE state = 'dead';
