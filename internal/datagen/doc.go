// Package datagen writes a deterministic synthetic data set into PostgreSQL for benchmarks
// (`gridgov gen`): a grid tree with national codes and materialized paths, staff with their
// role assignments, the case taxonomy, cases spread over several years with complete
// timelines, households with their plates and visits, patrols and daily reports of a recent
// window, and two sign-in accounts.
//
// Rows go in with COPY inside one transaction, with explicit ids taken from each table's
// global-id range (ent's globalid feature), so that every reference is known before it is
// written; the secondary indexes and foreign keys of the loaded tables are dropped first and
// rebuilt at the end, which is several times faster than maintaining them row by row. The
// identity sequences are then moved past the written ids so that the server inserts after
// them.
//
// Every row satisfies the invariants the server enforces: codes extend their parent's code
// and have their tier's length, paths are canonical (/1/4/17/) and copied onto the rows that
// belong to a grid, each case's status, counters, deadline and version are what its timeline
// of actions would have left, and each step is taken by someone whose role allows it. The
// same seed and scale give the same rows (apart from the accounts' password hashes).
package datagen
