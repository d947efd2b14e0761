-- Runs once, when the postgres volume is first initialised (docker-entrypoint-initdb.d).
-- POSTGRES_DB already created `sightline` (the app store: SIGHTLINE_DATABASE_URL);
-- Dagster's run/event/schedule storage gets its own database (docker/dagster.yaml).
CREATE DATABASE dagster OWNER sightline;
