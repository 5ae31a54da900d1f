package coordinator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/mcp-coordinator/mcp-coordinator/delegate"
)

// SettingsEnv names the variable that sets the settings file when Options.SettingsPath is
// empty.
const SettingsEnv = "MCP_COORDINATOR_SETTINGS"

// Settings are the coordinator's own settings, kept in one JSON file (default
// <workspace>/settings.json) so that a user edits one place. Command-line flags and Options
// win over it. Every field is optional.
//
//	{
//	  "delegate": {"providers": [
//	    {"name": "llama-swap", "base_url": "http://127.0.0.1:8080/v1",
//	     "models": {"quality": "qwen2.5-coder-14b", "fast": "qwen2.5-coder-1.5b"}},
//	    {"name": "remote", "base_url": "https://api.example.com/v1", "api_key_env": "EXAMPLE_KEY",
//	     "models": {"quality": "big"}, "price": {"input_per_million": 0.5, "output_per_million": 1.5}}
//	  ]},
//	  "team_skills": "/path/to/repo/.mcp-skills",
//	  "max_timeout": "60s", "max_memory_mib": 512, "output_chars": 20000
//	}
type Settings struct {
	// Delegate lists the local (then free, then paid) model providers; the LOCAL_LLM_*
	// variables add one in front.
	Delegate delegate.Config `json:"delegate"`
	// TeamSkills is Options.TeamSkills.
	TeamSkills string `json:"team_skills,omitempty"`
	// MaxTimeout, MaxMemoryMiB and OutputChars are the limits of Options.
	MaxTimeout   delegate.Duration `json:"max_timeout,omitempty"`
	MaxMemoryMiB int               `json:"max_memory_mib,omitempty"`
	OutputChars  int               `json:"output_chars,omitempty"`
	// Sandbox is Options.Engine: "process" or "wasm".
	Sandbox string `json:"sandbox,omitempty"`
}

// settingsPath returns the settings file: explicit, else $MCP_COORDINATOR_SETTINGS, else
// settings.json in the workspace.
func settingsPath(explicit, workspace string) string {
	if explicit != "" {
		return explicit
	}
	if p := os.Getenv(SettingsEnv); p != "" {
		return p
	}
	return filepath.Join(workspace, "settings.json")
}

// loadSettings reads the settings file at path; a missing file is empty settings. A file that
// is not valid gives empty settings (none of its values is used) and an error that names the
// file, the line and what is wrong.
func loadSettings(path string) (Settings, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Settings{}, nil
	}
	if err != nil {
		return Settings{}, fmt.Errorf("settings %s: %w", path, err)
	}
	var s Settings
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err = dec.Decode(&s)
	if err == nil && dec.More() {
		err = errors.New("more JSON after the settings object")
	}
	if err != nil {
		return Settings{}, fmt.Errorf("settings %s: line %d: %v", path, errorLine(data, dec, err), err)
	}
	switch {
	case s.MaxMemoryMiB < 0, s.OutputChars < 0, s.MaxTimeout < 0:
		return Settings{}, fmt.Errorf("settings %s: max_timeout, max_memory_mib and output_chars are not negative", path)
	case s.Sandbox != "" && s.Sandbox != EngineProcess && s.Sandbox != EngineWasm:
		return Settings{}, fmt.Errorf("settings %s: line %d: sandbox %q: want %q or %q", path, errorLine(data, dec, fmt.Errorf("%q", s.Sandbox)), s.Sandbox, EngineProcess, EngineWasm)
	}
	return s, nil
}

// quotedRE finds a quoted name or value in a decoding error: unknown field "x", duration "y".
var quotedRE = regexp.MustCompile(`"([^"]+)"`)

// errorLine is the line of data that err, from dec, is about: at the offset a syntax or type
// error gives, else at the first mention of the name or value the message quotes, else where
// the decoder stopped.
func errorLine(data []byte, dec *json.Decoder, err error) int {
	off := int(dec.InputOffset())
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = int(se.Offset)
	case errors.As(err, &te):
		off = int(te.Offset)
	default:
		if m := quotedRE.FindStringSubmatch(err.Error()); m != nil {
			if i := bytes.Index(data, []byte(`"`+m[1]+`"`)); i >= 0 {
				off = i
			}
		}
	}
	return 1 + bytes.Count(data[:min(max(off, 0), len(data))], []byte("\n"))
}

// apply fills the zero fields of opts from s.
func (s Settings) apply(opts *Options) {
	if opts.TeamSkills == "" {
		opts.TeamSkills = s.TeamSkills
	}
	if opts.MaxLimits.Timeout == 0 {
		opts.MaxLimits.Timeout = time.Duration(s.MaxTimeout)
	}
	if opts.MaxLimits.MemoryBytes == 0 {
		opts.MaxLimits.MemoryBytes = int64(s.MaxMemoryMiB) << 20
	}
	if opts.OutputChars == 0 {
		opts.OutputChars = s.OutputChars
	}
	if opts.Engine == "" {
		opts.Engine = s.Sandbox
	}
}
