// Package toolsearch ranks the tools of generated packages against a few words of a query, for
// search_tools.
package toolsearch
