package downstream

import (
	"context"
	"encoding/json"
	"iter"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// maxListed bounds the resources or prompts one listing collects over its pages: a server
// whose cursors never end must not keep the Pool paging.
const maxListed = 10000

// ListResources returns server's resources, every page of them (up to 10,000), as the JSON
// of an MCP ListResourcesResult without a cursor. It implements sandbox.ResourceCaller.
// Errors are as for [Pool.CallTool], with the method in place of the tool; a server that
// offers no resources answers an empty list.
func (p *Pool) ListResources(ctx context.Context, server string) (json.RawMessage, error) {
	res, err := rpc(p, ctx, server, "resources/list", func(ctx context.Context, sess *mcp.ClientSession) (*mcp.ListResourcesResult, error) {
		if caps := sess.InitializeResult().Capabilities; caps == nil || caps.Resources == nil {
			return &mcp.ListResourcesResult{Resources: []*mcp.Resource{}}, nil
		}
		all, err := collect(sess.Resources(ctx, nil))
		return &mcp.ListResourcesResult{Resources: all}, err
	})
	if err != nil {
		return nil, err
	}
	return encode(server, "resources/list", res)
}

// ReadResource reads the resource at uri from server and returns the JSON of the MCP
// ReadResourceResult. It implements sandbox.ResourceCaller; errors are as for
// [Pool.ListResources].
func (p *Pool) ReadResource(ctx context.Context, server, uri string) (json.RawMessage, error) {
	res, err := rpc(p, ctx, server, "resources/read", func(ctx context.Context, sess *mcp.ClientSession) (*mcp.ReadResourceResult, error) {
		return sess.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri})
	})
	if err != nil {
		return nil, err
	}
	return encode(server, "resources/read", res)
}

// ListPrompts returns server's prompts, every page of them (up to 10,000), as the JSON of an
// MCP ListPromptsResult without a cursor. It implements sandbox.ResourceCaller; errors are as
// for [Pool.ListResources].
func (p *Pool) ListPrompts(ctx context.Context, server string) (json.RawMessage, error) {
	res, err := rpc(p, ctx, server, "prompts/list", func(ctx context.Context, sess *mcp.ClientSession) (*mcp.ListPromptsResult, error) {
		if caps := sess.InitializeResult().Capabilities; caps == nil || caps.Prompts == nil {
			return &mcp.ListPromptsResult{Prompts: []*mcp.Prompt{}}, nil
		}
		all, err := collect(sess.Prompts(ctx, nil))
		return &mcp.ListPromptsResult{Prompts: all}, err
	})
	if err != nil {
		return nil, err
	}
	return encode(server, "prompts/list", res)
}

// GetPrompt returns server's prompt name filled in with args, as the JSON of the MCP
// GetPromptResult. It implements sandbox.ResourceCaller; errors are as for
// [Pool.ListResources].
func (p *Pool) GetPrompt(ctx context.Context, server, name string, args map[string]string) (json.RawMessage, error) {
	res, err := rpc(p, ctx, server, "prompts/get", func(ctx context.Context, sess *mcp.ClientSession) (*mcp.GetPromptResult, error) {
		return sess.GetPrompt(ctx, &mcp.GetPromptParams{Name: name, Arguments: args})
	})
	if err != nil {
		return nil, err
	}
	return encode(server, "prompts/get", res)
}

// rpc makes one request on server's live session, bounded like a tool call, its failure
// explained like a tool call's.
func rpc[R any](p *Pool, ctx context.Context, server, method string, do func(context.Context, *mcp.ClientSession) (R, error)) (R, error) {
	var zero R
	s, c, err := p.acquire(ctx, server, true)
	if err != nil {
		return zero, err
	}
	callCtx, cancel := c.bound(ctx)
	defer cancel()
	if d := p.opts.CallTimeout; d > 0 {
		var cancelT context.CancelFunc
		callCtx, cancelT = context.WithTimeout(callCtx, d)
		defer cancelT()
	}
	res, err := do(callCtx, c.sess)
	if err != nil {
		return zero, s.callErr(ctx, callCtx, c, method, err)
	}
	return res, nil
}

// collect gathers a paginated listing, up to maxListed items.
func collect[T any](seq iter.Seq2[*T, error]) ([]*T, error) {
	all := []*T{}
	for item, err := range seq {
		if err != nil {
			return nil, err
		}
		if len(all) == maxListed {
			break
		}
		all = append(all, item)
	}
	return all, nil
}

func encode(server, method string, v any) (json.RawMessage, error) {
	out, err := json.Marshal(v)
	if err != nil {
		return nil, errorf(KindProtocol, server, method, err, "server %q: the result of %s cannot be encoded: %v", server, method, err)
	}
	return out, nil
}
