package delegate

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Tier picks a provider's model: Quality for code that must be right, Fast for small chores.
type Tier string

const (
	Quality Tier = "quality"
	Fast    Tier = "fast"
)

// ParseTier returns the tier named s; empty means Quality.
func ParseTier(s string) (Tier, error) {
	switch Tier(s) {
	case "", Quality:
		return Quality, nil
	case Fast:
		return Fast, nil
	}
	return "", fmt.Errorf("tier %q: use quality or fast", s)
}

// Provider is one OpenAI-compatible server: llama-swap, Ollama, llama.cpp's server, LM Studio,
// vLLM, or a paid remote API. The zero value of each optional field means its default.
type Provider struct {
	// Name names the provider in answers and the ledger. Default: the URL's host.
	Name string `json:"name,omitempty"`
	// BaseURL is the API root, ending in /v1 (http://127.0.0.1:8080/v1). Required.
	BaseURL string `json:"base_url"`
	// APIKey is sent as a bearer token; APIKeyEnv names a variable that holds it instead.
	APIKey    string `json:"api_key,omitempty"`
	APIKeyEnv string `json:"api_key_env,omitempty"`
	// Models maps each tier to a model name; a tier without one uses the other tier's.
	Models map[Tier]string `json:"models"`
	// Concurrency bounds the requests in flight to this provider; more wait their turn.
	// Default 1: a local server runs one generation at a time, and more only queue there.
	Concurrency int `json:"concurrency,omitempty"`
	// ConnectTimeout bounds connecting. Default 5 s.
	ConnectTimeout Duration `json:"connect_timeout,omitempty"`
	// Timeout bounds one request once it is sent, per tier. Default 180 s for quality (a cold
	// model swap can take minutes) and 60 s for fast.
	Timeout map[Tier]Duration `json:"timeout,omitempty"`
	// Price, for a paid provider, is what it charges; nil for a free one.
	Price *Price `json:"price,omitempty"`
}

// Price is a provider's charge in US dollars per million tokens.
type Price struct {
	Input  float64 `json:"input_per_million"`
	Output float64 `json:"output_per_million"`
}

// Cost is what in and out tokens cost at p; 0 for a nil p.
func (p *Price) Cost(in, out int) float64 {
	if p == nil {
		return 0
	}
	return (float64(in)*p.Input + float64(out)*p.Output) / 1e6
}

// Duration is a time.Duration that JSON writes as "90s" and reads as "90s" or seconds.
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var secs float64
	if err := json.Unmarshal(b, &secs); err == nil {
		*d = Duration(secs * float64(time.Second))
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is seconds (90) or text (\"90s\", \"3m\")")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: use seconds (90) or text (\"90s\", \"3m\")", s)
	}
	*d = Duration(v)
	return nil
}

// Config is the delegation part of the coordinator's settings: the providers, tried in order
// (local first, then free, then paid) until one answers.
type Config struct {
	Providers []Provider `json:"providers"`
}

// The environment variables that configure one local provider, as local-executor-mcp users
// already set them. A provider from them goes first.
const (
	EnvBaseURL      = "LOCAL_LLM_BASE_URL"
	EnvModelQuality = "LOCAL_LLM_MODEL_QUALITY"
	EnvModelFast    = "LOCAL_LLM_MODEL_FAST"
	EnvAPIKey       = "LOCAL_LLM_API_KEY"
)

// WithEnv returns cfg with the provider that the environment describes (getenv reads it) in
// front, when LOCAL_LLM_BASE_URL is set.
func (cfg Config) WithEnv(getenv func(string) string) Config {
	base := strings.TrimSpace(getenv(EnvBaseURL))
	if base == "" {
		return cfg
	}
	p := Provider{Name: "local", BaseURL: base, APIKey: getenv(EnvAPIKey), Models: map[Tier]string{}}
	if m := strings.TrimSpace(getenv(EnvModelQuality)); m != "" {
		p.Models[Quality] = m
	}
	if m := strings.TrimSpace(getenv(EnvModelFast)); m != "" {
		p.Models[Fast] = m
	}
	out := Config{Providers: append([]Provider{p}, cfg.Providers...)}
	return out
}

// URL is BaseURL with any password replaced by xxxxx, to show.
func (p *Provider) URL() string {
	u, err := url.Parse(p.BaseURL)
	if err != nil {
		return "(not a URL)"
	}
	return u.Redacted()
}

// password is the password in BaseURL, or "".
func (p *Provider) password() string {
	u, err := url.Parse(p.BaseURL)
	if err != nil || u.User == nil {
		return ""
	}
	pw, _ := u.User.Password()
	return pw
}

// check validates p and fills its defaults; getenv reads APIKeyEnv.
func (p *Provider) check(i int, getenv func(string) string) error {
	where := fmt.Sprintf("provider %d", i+1)
	if p.Name != "" {
		where += " (" + p.Name + ")"
	}
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(p.BaseURL), "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		shown := "(not a URL)"
		if err == nil {
			shown = u.Redacted()
		}
		return fmt.Errorf("%s: base_url %s: give the API root, such as http://127.0.0.1:8080/v1", where, shown)
	}
	p.BaseURL = u.String()
	if p.Name == "" {
		p.Name = u.Host
	}
	if p.Models[Quality] == "" && p.Models[Fast] == "" {
		return fmt.Errorf("%s: no model: set models.quality or models.fast (%s, %s)", where, EnvModelQuality, EnvModelFast)
	}
	if p.Models[Quality] == "" {
		p.Models[Quality] = p.Models[Fast]
	}
	if p.Models[Fast] == "" {
		p.Models[Fast] = p.Models[Quality]
	}
	if p.Concurrency < 0 {
		return fmt.Errorf("%s: concurrency %d: at least 1", where, p.Concurrency)
	}
	if p.Concurrency == 0 {
		p.Concurrency = 1
	}
	if p.ConnectTimeout <= 0 {
		p.ConnectTimeout = Duration(5 * time.Second)
	}
	t := map[Tier]Duration{Quality: Duration(180 * time.Second), Fast: Duration(60 * time.Second)}
	for k, v := range p.Timeout {
		if k != Quality && k != Fast {
			return fmt.Errorf("%s: timeout for tier %q: the tiers are quality and fast", where, k)
		}
		if v > 0 {
			t[k] = v
		}
	}
	p.Timeout = t
	if p.APIKey == "" && p.APIKeyEnv != "" {
		p.APIKey = getenv(p.APIKeyEnv)
	}
	p.APIKey = strings.TrimSpace(p.APIKey) // a key read from a file keeps its newline
	if p.Price != nil && (p.Price.Input < 0 || p.Price.Output < 0) {
		return fmt.Errorf("%s: a price is not negative", where)
	}
	return nil
}
