// Package realtime carries committed changes to cases (事件) to GraphQL subscriptions: the
// commit of every recorded step is announced with ids only (PostgreSQL NOTIFY in the
// committing transaction, in-process on SQLite), each process loads what it heard once and
// hands it to its own subscribers, and every delivery is authorized against the subscriber's
// viewer as it is at delivery time, not as it was when it subscribed.
package realtime
