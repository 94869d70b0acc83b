package inspect

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/leakhound/leakhound/internal/stack"
	"github.com/leakhound/leakhound/report"
)

// Thresholds say how much evidence makes a blocking site a suspect. A site
// is ranked when it has proven leaks, or when its blocked goroutines meet at
// least one threshold.
type Thresholds struct {
	// MinCount is the number of goroutines blocked at one site, summed over
	// instances, that makes the site a suspect.
	MinCount int
	// MinAge is how long a goroutine must have been blocked at the site.
	MinAge time.Duration
	// MinGrowth is the increase of the count at the site between two samples
	// of one instance.
	MinGrowth int
}

// DefaultThresholds are the thresholds of `leakhound inspect` and the agent.
var DefaultThresholds = Thresholds{MinCount: 100, MinAge: 10 * time.Minute, MinGrowth: 10}

// Suspect is a ranked site and the evidence that ranked it.
type Suspect struct {
	Site *Site
	// Proven reports that the garbage collector proved some goroutines at
	// the site leaked.
	Proven bool
	// Evidence is how many thresholds the site met (0 to 3).
	Evidence int
	// Why lists, one sentence each, why the site was ranked.
	Why []string
}

// Rank returns the sites that are suspects under t, most suspicious first:
// proven sites, then by the number of thresholds met, count, age and growth.
func Rank(a *Aggregation, t Thresholds) []Suspect {
	var out []Suspect
	for _, s := range a.Sites {
		sus := Suspect{Site: s, Proven: s.Leaked > 0}
		if s.Leaked > 0 {
			sus.Why = append(sus.Why, fmt.Sprintf("%d goroutine(s) proven leaked by the garbage collector (goroutineleak profile)", s.Leaked))
		}
		// LeakProf-style evidence counts goroutines waiting for another
		// goroutine (channels, select, sync primitives), not I/O, sleeping,
		// system calls or running ones; an unknown wait counts, since
		// debug=1 profiles do not say.
		if c := stack.ClassifyWait(s.Key.Wait); c == stack.WaitUnknown || c.WaitsOnGoroutine() {
			if t.MinCount > 0 && s.Count >= t.MinCount {
				sus.Evidence++
				sus.Why = append(sus.Why, fmt.Sprintf("%d goroutines blocked at this one site (threshold %d)", s.Count, t.MinCount))
			}
			if t.MinAge > 0 && s.MaxAge >= t.MinAge {
				sus.Evidence++
				sus.Why = append(sus.Why, fmt.Sprintf("blocked for %s (threshold %s)", fmtAge(s.MaxAge), fmtAge(t.MinAge)))
			}
			if t.MinGrowth > 0 && s.Growth >= t.MinGrowth {
				sus.Evidence++
				sus.Why = append(sus.Why, fmt.Sprintf("grew by %d in %s between two samples of %s (threshold %d)",
					s.Growth, s.GrowthOver.Round(time.Millisecond), s.GrowthInstance, t.MinGrowth))
			}
		}
		if !sus.Proven && sus.Evidence == 0 {
			continue
		}
		if a.Instances > 1 {
			sus.Why = append(sus.Why, fmt.Sprintf("present on %d of %d instances", len(s.Instances), a.Instances))
		}
		out = append(out, sus)
	}
	slices.SortStableFunc(out, func(x, y Suspect) int {
		return cmp.Or(
			-cmpBool(x.Proven, y.Proven),
			cmp.Compare(y.Evidence, x.Evidence),
			cmp.Compare(y.Site.Count, x.Site.Count),
			cmp.Compare(y.Site.MaxAge, x.Site.MaxAge),
			cmp.Compare(y.Site.Growth, x.Site.Growth),
		)
	})
	return out
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// fmtAge formats a wait as a dump does, in minutes, or as hours when long.
func fmtAge(d time.Duration) string {
	switch {
	case d >= 2*time.Hour:
		return fmt.Sprintf("%.1fh", d.Hours())
	case d >= time.Minute:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
	return d.String()
}

// Summary is the one-line description of a suspect:
// "main.worker (main.go:17) has 40000 goroutines blocked in chan send for 3.0h across 12 of 15 instances".
func (s *Suspect) Summary(instances int) string {
	site := s.Site
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s:%d) has %d goroutine(s)", site.Key.Site.Func, shortFile(site.Key.Site.File), site.Key.Site.Line, site.Count)
	if site.Key.Wait != "" {
		fmt.Fprintf(&b, " blocked in %s", site.Key.Wait)
	} else {
		b.WriteString(" waiting (reason unknown in this format)")
	}
	if site.MaxAge > 0 {
		fmt.Fprintf(&b, " for %s", fmtAge(site.MaxAge))
	}
	if instances > 1 {
		fmt.Fprintf(&b, " across %d of %d instances", len(site.Instances), instances)
	}
	return b.String()
}

func shortFile(file string) string {
	if i := strings.LastIndex(file, "/"); i >= 0 {
		return file[i+1:]
	}
	return file
}

// Findings turns ranked suspects into report findings: the proven goroutines
// of a site as kind goroutine, reason unreachable-wait, proven; the others,
// when they met a threshold, as reason long-blocked, suspected.
func Findings(sus []Suspect, instances int) []report.Finding {
	var out []report.Finding
	for i := range sus {
		s := &sus[i]
		site := s.Site
		stk := stack.ReportFrames(site.Example.Frames)
		var origin []report.Frame
		if cb := site.Example.CreatedBy; cb != nil {
			origin = stack.ReportFrames([]stack.Frame{*cb})
		}
		idFrames := origin
		if len(idFrames) == 0 {
			idFrames = stk
		}
		detail := detailOf(s, instances)
		if s.Proven {
			out = append(out, report.Finding{
				ID:        report.FindingID(report.KindGoroutine, report.ReasonUnreachableWait, idFrames),
				Kind:      report.KindGoroutine,
				Certainty: report.Proven,
				Reason:    report.ReasonUnreachableWait,
				Resource:  "goroutine",
				Count:     site.Leaked,
				Message: fmt.Sprintf("%d goroutine(s) blocked at %s can never run again: make sure the other side of the %s always happens, or give the wait a way out (context, close)",
					site.Leaked, site.Key.Site.Func, waitOrBlock(site.Key.Wait)),
				Wait:   site.Key.Wait,
				Detail: detail,
				Stack:  stk,
				Origin: origin,
			})
		}
		if rest := site.Count - site.Leaked; s.Evidence > 0 && rest > 0 {
			out = append(out, report.Finding{
				ID:        report.FindingID(report.KindGoroutine, report.ReasonLongBlocked, idFrames),
				Kind:      report.KindGoroutine,
				Certainty: report.Suspected,
				Reason:    report.ReasonLongBlocked,
				Resource:  "goroutine",
				Count:     rest,
				Message:   s.Summary(instances) + ": check what should wake them and whether it can be missed",
				Wait:      site.Key.Wait,
				Detail:    detail,
				Stack:     stk,
				Origin:    origin,
			})
		}
	}
	return out
}

func waitOrBlock(wait string) string {
	if wait == "" {
		return "wait"
	}
	return wait
}

// detailOf lists the instances and the reasons for the rank.
func detailOf(s *Suspect, instances int) string {
	var parts []string
	var inst []string
	for i, ic := range s.Site.Instances {
		if i == 5 {
			inst = append(inst, fmt.Sprintf("and %d more", len(s.Site.Instances)-5))
			break
		}
		inst = append(inst, ic.Instance+": "+ic.CountText())
	}
	parts = append(parts, "instances: "+strings.Join(inst, ", "))
	parts = append(parts, "ranked because: "+strings.Join(s.Why, "; "))
	return strings.Join(parts, "; ")
}
