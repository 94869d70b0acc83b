// Package inspectcmd implements `leakhound inspect`: analysis of goroutine
// dumps and profiles from files or URLs, from one process or a fleet.
package inspectcmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/leakhound/leakhound/internal/cmdutil"
	"github.com/leakhound/leakhound/internal/config"
	"github.com/leakhound/leakhound/internal/inspect"
	"github.com/leakhound/leakhound/internal/policy"
	"github.com/leakhound/leakhound/report"
)

const usage = `usage: leakhound inspect [flags] <file|URL>...

Reads goroutine dumps (debug=2, panic or SIGQUIT output), debug=1 text
profiles and pprof protos of the goroutine or goroutineleak profile, from
files or http(s):// URLs, groups goroutines by the site where they block
across all sources, and ranks the sites: proven leaks first, then sites with
many goroutines, long waits, or growth between two samples of one instance.

A source may be named INSTANCE=FILE_OR_URL; sources with the same instance
name are samples of one process, in the order given, and give growth.

URLs of agents started with a token need it: -token-file FILE, or the
environment variable LEAKHOUND_TOKEN (never on the command line, where
process listings would show it).

The ignore rules of .leakhound.yaml (found from the current directory up to
the module root, or -config FILE) apply: see docs/config.md. With -baseline
FILE, the suspects the baseline lists are reported as known and do not
count; -write-baseline FILE writes the suspects of this run as a baseline.

Exit status: 0 no suspect (but ignored or known ones); 1 suspects found; 2
usage error or no source readable.

Flags:
`

// options is the parsed command line.
type options struct {
	jsonOut   string
	htmlOut   string
	workers   int
	timeout   time.Duration
	resample  time.Duration
	top       int
	token     string
	threshold inspect.Thresholds
	sources   []inspect.Source
	settings  *config.Settings // -config, -baseline, -write-baseline
}

func parseArgs(args []string, stdout io.Writer) (*options, error) {
	c := &options{threshold: inspect.DefaultThresholds}
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fs.StringVar(&c.jsonOut, "json", "", "write the JSON report (leakhound.report/v1) to `FILE`; \"-\" for stdout")
	fs.StringVar(&c.htmlOut, "html", "", "write the HTML report to `FILE`; \"-\" for stdout")
	fs.IntVar(&c.workers, "j", 8, "read at most `N` sources at once")
	fs.DurationVar(&c.timeout, "timeout", 30*time.Second, "give up on one source after `D`")
	fs.DurationVar(&c.resample, "resample", 0, "fetch every URL a second time after `D` to measure growth (0: once)")
	var tokenFile string
	fs.StringVar(&tokenFile, "token-file", "", "send the bearer token in `FILE` to every URL (default: $LEAKHOUND_TOKEN)")
	fs.IntVar(&c.top, "top", 20, "show at most `N` suspects on stdout (the JSON report has all)")
	fs.IntVar(&c.threshold.MinCount, "min-count", c.threshold.MinCount, "rank a site with at least `N` blocked goroutines (all instances)")
	fs.DurationVar(&c.threshold.MinAge, "min-age", c.threshold.MinAge, "rank a site whose goroutines have waited at least `D`")
	fs.IntVar(&c.threshold.MinGrowth, "min-growth", c.threshold.MinGrowth, "rank a site that grew by at least `N` between two samples of one instance")
	c.settings = config.AddFlags(fs, policy.ModeInspect)
	if helped, err := cmdutil.Parse(fs, args, usage, stdout); helped || err != nil {
		if err == nil {
			err = flag.ErrHelp
		}
		return nil, err
	}
	switch {
	case c.workers < 1:
		return nil, cmdutil.Usagef("inspect: -j must be at least 1")
	case c.timeout <= 0:
		return nil, cmdutil.Usagef("inspect: -timeout must be positive")
	case c.resample < 0:
		return nil, cmdutil.Usagef("inspect: -resample must not be negative")
	case c.top < 0 || c.threshold.MinCount < 0 || c.threshold.MinAge < 0 || c.threshold.MinGrowth < 0:
		return nil, cmdutil.Usagef("inspect: -top, -min-count, -min-age and -min-growth must not be negative")
	case fs.NArg() == 0:
		return nil, cmdutil.Usagef("inspect: no source given: name goroutine dump or profile files or http(s):// URLs")
	}
	if err := cmdutil.CheckStdout(cmdutil.Output{Flag: "-json", Path: c.jsonOut}, cmdutil.Output{Flag: "-html", Path: c.htmlOut},
		cmdutil.Output{Flag: "-write-baseline", Path: c.settings.Baseline.Write}); err != nil {
		return nil, cmdutil.Usagef("inspect: %v", err)
	}
	// The sources are dumps, not packages: the configuration is searched
	// from where inspect runs, as from the package directory of the others.
	if err := c.settings.Load("."); err != nil {
		return nil, cmdutil.Usagef("inspect: %v", err)
	}
	token, err := readToken(tokenFile, getenv("LEAKHOUND_TOKEN"))
	if err != nil {
		return nil, cmdutil.Usagef("inspect: %v", err)
	}
	c.token = token
	for _, arg := range fs.Args() {
		s, err := inspect.ParseSource(arg)
		if err != nil {
			return nil, cmdutil.Usagef("inspect: %v", err)
		}
		c.sources = append(c.sources, s)
	}
	return c, nil
}

// getenv reads the environment; tests replace it.
var getenv = os.Getenv

// readToken returns the bearer token: the first line of file when given,
// else env; surrounding white space is dropped.
func readToken(file, env string) (string, error) {
	if file == "" {
		return strings.TrimSpace(env), nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("-token-file: %w", err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	token := strings.TrimSpace(line)
	if token == "" {
		return "", fmt.Errorf("-token-file %s is empty: put the agent's token on its first line", file)
	}
	return token, nil
}

// Main runs `leakhound inspect` with args (the words after "inspect").
func Main(args []string, stdout, stderr io.Writer) error {
	c, err := parseArgs(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	loader := &inspect.Loader{Workers: c.workers, Timeout: c.timeout, Token: c.token}
	ctx := context.Background()
	results := loader.LoadAll(ctx, c.sources)
	if c.resample > 0 {
		results = append(results, resample(ctx, loader, c)...)
	}
	var obs []inspect.Observation
	failed, truncated := 0, 0
	for _, r := range results {
		if r.Err != nil {
			failed++
			fmt.Fprintf(stderr, "leakhound inspect: %s: %s\n", r.Source.Redacted(), oneLine(r.Err))
			continue
		}
		if r.Sample.Truncated {
			truncated++
			fmt.Fprintf(stderr, "leakhound inspect: %s: the dump is truncated (Go stops /debug/pprof/goroutine?debug=2 at 64 MiB): analyzed the %d goroutines before the cut; its counts are lower bounds\n",
				r.Source.Redacted(), r.Sample.Goroutines)
		}
		obs = append(obs, inspect.Observation{Instance: r.Source.Instance, Time: r.Time, Sample: r.Sample})
	}
	if len(obs) == 0 {
		return fmt.Errorf("inspect: none of the %d source(s) could be read (errors above)", len(results))
	}
	agg := inspect.Aggregate(obs)
	suspects := inspect.Rank(agg, c.threshold)
	rep, failing := judge(c.settings, suspects, agg.Instances)
	c.settings.PrintApplied(stderr)
	if err := cmdutil.WriteReports(c.jsonOut, c.htmlOut, rep, stdout); err != nil {
		return fmt.Errorf("inspect: %w", err)
	}
	if c.jsonOut != "-" && c.htmlOut != "-" && c.settings.Baseline.Write != "-" {
		writeText(stdout, c, agg, failing, len(suspects)-len(failing), len(obs), failed, truncated)
	}
	if err := c.settings.Finish(rep, stdout, stderr); err != nil {
		return fmt.Errorf("inspect: %w", err)
	}
	if len(failing) > 0 {
		return cmdutil.ErrFindings
	}
	return nil
}

// judge applies the ignore rules and the baseline of set to the findings
// of suspects. It returns the report of the findings no rule ignores
// (those the baseline lists marked known), and the suspects with a finding
// that fails: reported, neither ignored nor known. Stable ids are given
// over the findings of every suspect, before any is dropped, as the other
// commands do.
func judge(set *config.Settings, suspects []inspect.Suspect, instances int) (*report.Report, []inspect.Suspect) {
	var all []report.Finding
	ends := make([]int, len(suspects))
	for i := range suspects {
		all = append(all, inspect.Findings(suspects[i:i+1], instances)...)
		ends[i] = len(all)
	}
	report.AssignStableIDs(all)
	rep := report.New(report.ModeInspect, nil)
	var failing []inspect.Suspect
	start := 0
	for i, end := range ends {
		kept := set.Apply(all[start:end])
		start = end
		rep.Findings = append(rep.Findings, kept...)
		if len(policy.Failing(kept)) > 0 {
			failing = append(failing, suspects[i])
		}
	}
	report.Sort(rep.Findings)
	return rep, failing
}

// resample fetches every URL source again after c.resample, so that growth
// can be measured between the two samples.
func resample(ctx context.Context, loader *inspect.Loader, c *options) []inspect.Result {
	var urls []inspect.Source
	for _, s := range c.sources {
		if s.IsURL() {
			urls = append(urls, s)
		}
	}
	if len(urls) == 0 {
		return nil
	}
	time.Sleep(c.resample)
	return loader.LoadAll(ctx, urls)
}

func oneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}

// writeText prints the summary of the samples and the suspects that fail;
// passed counts the others, ignored or known.
func writeText(w io.Writer, c *options, agg *inspect.Aggregation, suspects []inspect.Suspect, passed, samples, failed, truncated int) {
	total := 0
	for _, s := range agg.Sites {
		total += s.Count
	}
	fmt.Fprintf(w, "inspected %d sample(s) of %d instance(s): %d goroutines at %d blocking site(s)",
		samples, agg.Instances, total, len(agg.Sites))
	if failed > 0 {
		fmt.Fprintf(w, "; %d source(s) could not be read", failed)
	}
	if truncated > 0 {
		fmt.Fprintf(w, "; %d truncated dump(s): counts are lower bounds", truncated)
	}
	fmt.Fprintln(w)
	if len(suspects) == 0 && passed > 0 {
		fmt.Fprintf(w, "no new suspects: the %d found are ignored by the configuration's rules or known from the baseline\n", passed)
		return
	}
	if len(suspects) == 0 {
		fmt.Fprintf(w, "no suspects: no proven leak, and no site with >= %d blocked goroutines, waits >= %s or growth >= %d\n",
			c.threshold.MinCount, c.threshold.MinAge, c.threshold.MinGrowth)
		return
	}
	for i, s := range suspects {
		if i == c.top {
			fmt.Fprintf(w, "\n... and %d more suspect(s): see -json or raise -top\n", len(suspects)-i)
			break
		}
		label := "suspected"
		if s.Proven {
			label = "PROVEN LEAK"
		}
		fmt.Fprintf(w, "\n#%d %s: %s\n", i+1, label, s.Summary(agg.Instances))
		for _, why := range s.Why {
			fmt.Fprintf(w, "   why: %s\n", why)
		}
		site := s.Site
		var inst []string
		for j, ic := range site.Instances {
			if j == 5 {
				inst = append(inst, fmt.Sprintf("... %d more", len(site.Instances)-5))
				break
			}
			inst = append(inst, fmt.Sprintf("%s (%s)", ic.Instance, ic.CountText()))
		}
		if agg.Instances > 1 {
			fmt.Fprintf(w, "   instances: %s\n", strings.Join(inst, ", "))
		}
		fmt.Fprintf(w, "   stack:\n")
		for j, f := range site.Example.Frames {
			if j == 8 {
				fmt.Fprintf(w, "      ... %d more frame(s)\n", len(site.Example.Frames)-j)
				break
			}
			fmt.Fprintf(w, "      %s\n          %s:%d\n", f.Func, f.File, f.Line)
		}
		if cb := site.Example.CreatedBy; cb != nil {
			fmt.Fprintf(w, "   created by %s\n          %s:%d\n", cb.Func, cb.File, cb.Line)
		}
	}
}
