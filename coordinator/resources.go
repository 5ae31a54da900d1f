package coordinator

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The coordinator re-exposes its servers' resources in its own resources/list and
// resources/read: a client that offered a server's resources to its user (Claude Code's
// @-mentions) still does behind the coordinator, and the listing costs no tokens of the
// conversation. Each resource's URI is namespaced by its server (see resourceURI), its name
// prefixed by the server's; the listing waits for servers still starting as list_servers does.

// resourceScheme is the scheme of the coordinator's resource URIs.
const resourceScheme = "mcp-coordinator"

// resourceURI is the coordinator's URI for server's resource uri:
// mcp-coordinator://<server>/<uri>, both path-escaped.
func resourceURI(server, uri string) string {
	return resourceScheme + "://" + url.PathEscape(server) + "/" + url.PathEscape(uri)
}

// parseResourceURI reverses resourceURI.
func parseResourceURI(u string) (server, uri string, ok bool) {
	rest, ok := strings.CutPrefix(u, resourceScheme+"://")
	if !ok {
		return "", "", false
	}
	s, r, ok := strings.Cut(rest, "/")
	if !ok {
		return "", "", false
	}
	server, err1 := url.PathUnescape(s)
	uri, err2 := url.PathUnescape(r)
	return server, uri, err1 == nil && err2 == nil && server != "" && uri != ""
}

// resourcesMiddleware answers resources/list and resources/read from the servers.
func (c *Coordinator) resourcesMiddleware(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		switch method {
		case "resources/list":
			return c.listResources(ctx), nil
		case "resources/read":
			if r, ok := req.(*mcp.ReadResourceRequest); ok && r.Params != nil {
				return c.readResource(ctx, r.Params.URI)
			}
		}
		return next(ctx, method, req)
	}
}

// listResources lists every ready server's resources; a server that fails to list them is
// left out (list_servers says why a server is down).
func (c *Coordinator) listResources(ctx context.Context) *mcp.ListResourcesResult {
	wctx, cancel := context.WithTimeout(ctx, listWait)
	c.pool.WaitAll(wctx)
	cancel()
	res := &mcp.ListResourcesResult{Resources: []*mcp.Resource{}}
	for _, st := range c.pool.Status() {
		if st.Resources == 0 {
			continue
		}
		raw, err := c.pool.ListResources(ctx, st.Name)
		var list mcp.ListResourcesResult
		if err != nil || json.Unmarshal(raw, &list) != nil {
			continue
		}
		for _, r := range list.Resources {
			r.URI = resourceURI(st.Name, r.URI)
			r.Name = st.Name + ": " + r.Name
			res.Resources = append(res.Resources, r)
		}
	}
	return res
}

// readResource reads one resource through its server.
func (c *Coordinator) readResource(ctx context.Context, u string) (*mcp.ReadResourceResult, error) {
	server, uri, ok := parseResourceURI(u)
	if !ok {
		return nil, mcp.ResourceNotFoundError(u)
	}
	raw, err := c.pool.ReadResource(ctx, server, uri)
	if err != nil {
		return nil, fmt.Errorf("reading %s from server %s: %w", uri, server, err)
	}
	var res mcp.ReadResourceResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, fmt.Errorf("reading %s from server %s: %w", uri, server, err)
	}
	for _, rc := range res.Contents {
		if rc != nil && rc.URI == uri {
			rc.URI = u
		}
	}
	return &res, nil
}
