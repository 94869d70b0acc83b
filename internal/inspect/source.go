package inspect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
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
	return Source{Instance: arg, Location: arg}, nil
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

// Load reads and decodes one source within l.Timeout.
func (l *Loader) Load(ctx context.Context, s Source) Result {
	if l.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, l.Timeout)
		defer cancel()
	}
	r := Result{Source: s, Time: time.Now()}
	data, err := l.read(ctx, s)
	if err == nil {
		r.Sample, err = Decode(data)
	}
	r.Err = err
	return r
}

func (l *Loader) read(ctx context.Context, s Source) ([]byte, error) {
	if !s.IsURL() {
		f, err := os.Open(s.Location)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return readLimited(f)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.Location, nil)
	if err != nil {
		return nil, fmt.Errorf("bad URL: %w", err)
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
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		line, _, _ := strings.Cut(strings.TrimSpace(string(msg)), "\n")
		return nil, fmt.Errorf("HTTP %s: %s", resp.Status, line)
	}
	data, err := readLimited(resp.Body)
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("body not complete within %s: raise -timeout", l.Timeout)
	}
	return data, err
}

func unwrapURLError(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}

func readLimited(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSourceBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if len(data) > MaxSourceBytes {
		return nil, fmt.Errorf("larger than %d bytes", MaxSourceBytes)
	}
	return data, nil
}
