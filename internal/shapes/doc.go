// Package shapes remembers the JSON shape of tool results that no output schema describes, so
// that get_tool can show a model what Text() holds: a tool like sqlite's query returns its rows
// as JSON text, and without a shape the model has to guess the keys.
//
// A shape is keys and types, never values: [Of] renders a decoded JSON value as, for example,
// [{manager: string, paid_cents: number}], bounded in depth, keys and length. A [Book] keeps the
// latest shape per server and tool, observed off the call path, and saves it in one small JSON
// file of the workspace, so that the next conversation sees it too.
//
// # Concurrency
//
// A Book is safe for concurrent use. Observe never blocks: when results arrive faster than they
// are read, some are skipped (a shape changes rarely). Two processes sharing a workspace each
// keep their own book and the file holds the one written last.
package shapes
