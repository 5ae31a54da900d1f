// Package ledger owns the usage ledger, <workspace>/usage.jsonl: one JSON line per execute_code
// run (and, later, per skill run and delegation), recording what the tools returned inside the
// sandbox against what went back to the model, in bytes and o200k tokens. It also owns token
// counting: [CountTokens] for one text, [Counter] for the results of a run's tool calls.
//
// # Concurrency
//
// A [Ledger] is safe for concurrent use by goroutines and by processes sharing the file: every
// entry is one write on a file opened for appending. Lines are whole even after a kill -9: a
// line cut short is closed by the next Append and counted as unreadable by [Ledger.ReadStats].
package ledger
