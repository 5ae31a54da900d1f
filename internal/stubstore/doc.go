// Package stubstore owns the generated stub packages of a workspace: the files on disk
// (<workspace>/mcp_tools), the manifest that maps each server to its package and tools hash,
// and the packages in memory. [Store.Put] is the one way in (tools -> generated package, named
// so that no two servers and no allowed standard package share a name, written only when the
// tools changed); [Store.Get] is the one way out. The coordinator, skills and the sandbox's
// package loader all go through it.
//
// Several coordinators may share a workspace (Claude Desktop's and Claude Code's): changes
// happen under a cross-process file lock with the manifest read again under it, and snippets are
// served the packages this process holds in memory ([Store.FS]), so that another process
// removing a package, or writing its own for a server of the same name, changes nothing here.
package stubstore
