// Package skills is the skills library: snippets that worked, kept as typed Go packages that
// later snippets import as "skills/<name>" and call in one line, instead of finding tools,
// reading their declarations and writing the snippet again.
//
// # What a skill is
//
// A skill is a Go package named after the skill: exported functions with doc comments, which
// may import stub packages (mcp_tools/<server>), other skills and the standard library a
// snippet may use. It comes with a one-line description and, optionally, an example snippet
// whose output is kept:
//
//	// Package top_customers ranks customers by order total.
//	package top_customers
//
//	import "mcp_tools/orders"
//
//	// Top returns the n customers with the largest order totals, largest first.
//	func Top(n int) ([]string, error) { ... }
//
// # Checked, and checked again
//
// [Store.Save] refuses a skill that does not compile in the sandbox against the current stubs,
// or whose example fails, and says why with the line; nothing is written then. When a server's
// tools change, the skills that import its stubs (directly or through another skill) are due for
// a check ([Store.Drifted]); [Store.Check] compiles them again and re-runs read-only examples.
// A skill that fails is marked broken with the reason, and kept.
//
// # Storage
//
// [Store] owns <workspace>/skills; see its documentation for the layout and the guarantees
// (atomic saves, serialised saves of one name, versions kept, deletes that keep the files).
// A second, read-only directory of team skills (Options.TeamDir), typically committed next to
// the team's .mcp.json, is listed and importable too. A skill moves from personal to team by
// copying its directory, skill.json and .history included or not, into the team directory;
// a skill written there by hand (a <name>.go without skill.json) is described from its comments
// and checked like any other.
//
// # Running
//
// The store runs nothing itself: the coordinator gives it a [Runner] that runs a snippet in the
// sandbox (and records it in the ledger), and mounts [Store.FS] next to the stub packages with
// [Mount] for every snippet run.
package skills
