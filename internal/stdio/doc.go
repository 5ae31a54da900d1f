// Package stdio is the MCP stdio transport of "mcp-coordinator serve": go-sdk's newline-delimited
// JSON-RPC over stdin and stdout, made to survive bad input (a malformed line, a message that is
// not JSON-RPC, a batch where batches are not allowed: each answered with a JSON-RPC error, the
// session going on) and to send no response for a request the client cancelled. See
// [Transport].
//
// It lives apart from the coordinator because it knows nothing of it: it is the wire, and the
// whole of it belongs upstream in go-sdk's stdio connection.
package stdio
