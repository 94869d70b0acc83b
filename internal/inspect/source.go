package inspect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

// Source is one file or URL to inspect.
type Source struct {
	// Instance names the process the source comes from; sources with the
	// same Instance are samples of one process, in the order given.
	Instance string
	// Location is a file path or an http:// or https:// URL.
	Location string
}

// ParseSource reads a command-line argument: "LOCATION", or
// "INSTANCE=LOCATION" to name the instance (several samples of one instance
// give growth). Without a name the location is the instance.
func ParseSource(arg string) (Source, error) {
	if arg == "" {
		return Source{}, errors.New("empty source: give a file or an http(s):// URL")
	}
	if name, loc, ok := strings.Cut(arg, "="); ok && name != "" && !strings.Contains(name, "/") && !strings.Contains(name, ":") {
		if loc == "" {
			return Source{}, fmt.Errorf("source %q names an instance but no file or URL", arg)
		}
		return Source{Instance: name, Location: loc}, nil
	}
	s := Source{Location: arg}
	s.Instance = s.Redacted()
	return s, nil
}

// Redacted returns the location with the password of a URL replaced by
// "xxxxx", for messages and reports.
func (s Source) Redacted() string {
	if !s.IsURL() {
		return s.Location
	}
	u, err := url.Parse(s.Location)
	if err != nil {
		if i := strings.LastIndexByte(s.Location, '@'); i >= 0 {
			// Unparsable: keep the scheme only, never the user part.
			scheme, _, _ := strings.Cut(s.Location, "://")
			return scheme + "://xxxxx@" + s.Location[i+1:]
		}
		return s.Location
	}
	return u.Redacted()
}

// IsURL reports whether the source is fetched over HTTP.
func (s Source) IsURL() bool {
	return strings.HasPrefix(s.Location, "http://") || strings.HasPrefix(s.Location, "https://")
}

// Result is the outcome of loading and decoding one source.
type Result struct {
	Source Source
	Time   time.Time
	Sample *Sample
	Err    error
}

// Loader reads sources concurrently.
type Loader struct {
	// Client fetches URLs; nil means a client without a global timeout
	// (Timeout bounds each source).
	Client *http.Client
	// Workers bounds how many sources are read at once.
	Workers int
	// Timeout bounds the reading of one source.
	Timeout time.Duration
	// Token, when set, is sent with every URL request as
	// "Authorization: Bearer <Token>" (the agent's Options.Token).
	Token string
}

// LoadAll reads and decodes every source with at most l.Workers at a time,
// and returns one result per source in the order given.
func (l *Loader) LoadAll(ctx context.Context, srcs []Source) []Result {
	out := make([]Result, len(srcs))
	sem := make(chan struct{}, max(l.Workers, 1))
	var wg sync.WaitGroup
	for i, s := range srcs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i] = l.Load(ctx, s)
		}()
	}
	wg.Wait()
	return out
}

// Load reads and decodes one source within l.Timeout. A dump is parsed as
// it is read; a source larger than MaxSourceBytes is refused before it is
// read when its size is known (a file, a Content-Length), and stopped at
// that size otherwise.
func (l *Loader) Load(ctx context.Context, s Source) Result {
	if l.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, l.Timeout)
		defer cancel()
	}
	r := Result{Source: s, Time: time.Now()}
	body, err := l.open(ctx, s)
	if err == nil {
		r.Sample, err = DecodeReader(&capReader{r: body, left: maxSourceBytes, err: errTooLarge})
		body.Close()
		if err != nil && s.IsURL() && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("body not complete within %s: raise -timeout", l.Timeout)
		}
	}
	r.Err = err
	return r
}

// maxSourceBytes is MaxSourceBytes; tests lower it.
var maxSourceBytes int64 = MaxSourceBytes

var errTooLarge = fmt.Errorf("larger than %d MiB: inspect reads at most that much of one source", MaxSourceBytes>>20)

// open opens a file, or fetches a URL and returns its body.
func (l *Loader) open(ctx context.Context, s Source) (io.ReadCloser, error) {
	if !s.IsURL() {
		f, err := os.Open(s.Location)
		if err != nil {
			return nil, err
		}
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > maxSourceBytes {
			f.Close()
			return nil, fmt.Errorf("%d MiB, %w", fi.Size()>>20, errTooLarge)
		}
		return f, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.Location, nil)
	if err != nil {
		// A *url.Error quotes the URL, password included.
		return nil, fmt.Errorf("bad URL: %w", unwrapURLError(err))
	}
	if l.Token != "" {
		req.Header.Set("Authorization", "Bearer "+l.Token)
	}
	client := l.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("no answer within %s: raise -timeout or check the address", l.Timeout)
		}
		return nil, fmt.Errorf("fetch: %w", unwrapURLError(err))
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		line, _, _ := strings.Cut(strings.TrimSpace(string(msg)), "\n")
		if resp.StatusCode == http.StatusUnauthorized && l.Token == "" {
			line += " (give the agent's token with -token-file or LEAKHOUND_TOKEN)"
		}
		return nil, fmt.Errorf("HTTP %s: %s", resp.Status, line)
	}
	if resp.ContentLength > maxSourceBytes {
		resp.Body.Close()
		return nil, fmt.Errorf("Content-Length %d MiB, %w", resp.ContentLength>>20, errTooLarge)
	}
	return resp.Body, nil
}

// unwrapURLError returns the error inside a *url.Error, whose message
// would quote the URL with its password.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
