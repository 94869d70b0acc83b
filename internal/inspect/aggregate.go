package inspect

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/leakhound/leakhound/internal/stack"
)

// Observation is one decoded sample of one instance, taken at a time.
type Observation struct {
	// Instance names the process the sample came from. Observations with
	// the same Instance are samples of one process, in time order.
	Instance string
	Time     time.Time
	Sample   *Sample
}

// SiteKey identifies a blocking site: where goroutines wait (the innermost
// frame outside the runtime and the standard synchronization packages) and
// why. The creator is left out, since profiles do not record it.
type SiteKey struct {
	Wait string
	Site stack.Frame
}

// String formats the key as "func file:line [wait]".
func (k SiteKey) String() string {
	return fmt.Sprintf("%s %s:%d [%s]", k.Site.Func, k.Site.File, k.Site.Line, k.Wait)
}

// SiteOf returns the key of a group, and false for goroutines that have no
// frame outside the runtime (the runtime's own workers).
func SiteOf(g *Group) (SiteKey, bool) {
	k := SiteKey{Wait: g.Wait}
	for _, f := range g.Frames {
		if !isPlumbing(f.Func) {
			k.Site = f
			return k, true
		}
	}
	return k, false
}

// isPlumbing reports whether fn belongs to the runtime or to the packages a
// blocked goroutine passes through on its way to parking (sync, time), which
// say nothing about which code is blocked.
func isPlumbing(fn string) bool {
	switch {
	case strings.HasPrefix(fn, "runtime."), strings.HasPrefix(fn, "internal/"),
		strings.HasPrefix(fn, "sync."), strings.HasPrefix(fn, "sync/atomic."),
		strings.HasPrefix(fn, "time.Sleep"), strings.HasPrefix(fn, "iter."):
		return true
	}
	return false
}

// Site is everything observed at one blocking site across instances.
type Site struct {
	Key SiteKey
	// Count is the number of goroutines at the site in the latest sample
	// of every instance, summed.
	Count int
	// Leaked is how many of them the garbage collector proved leaked.
	Leaked int
	// MaxAge is the longest wait seen at the site.
	MaxAge time.Duration
	// Instances are the instances where the site has goroutines.
	Instances []InstanceCount
	// Growth is the largest increase at the site between the first and the
	// last sample of one instance, and GrowthInstance that instance.
	Growth         int
	GrowthInstance string
	GrowthOver     time.Duration
	// Example is one group seen at the site, for its stack.
	Example Group
}

// InstanceCount is the number of goroutines at a site in one instance.
type InstanceCount struct {
	Instance string
	Count    int
	// Truncated reports that the count comes from a truncated dump, so
	// it is a lower bound.
	Truncated bool
}

// CountText is the count, "at least N (dump truncated)" for a lower bound.
func (ic InstanceCount) CountText() string {
	if ic.Truncated {
		return fmt.Sprintf("at least %d (dump truncated)", ic.Count)
	}
	return fmt.Sprint(ic.Count)
}

// Aggregation is the result of [Aggregate].
type Aggregation struct {
	// Instances is the number of distinct instances observed.
	Instances int
	Sites     []*Site
}

// Aggregate groups the goroutines of all observations by blocking site.
// For every instance, counts come from its latest observation, and growth
// compares its first and latest observations.
func Aggregate(obs []Observation) *Aggregation {
	byInstance := map[string][]Observation{}
	var order []string
	for _, o := range obs {
		if _, ok := byInstance[o.Instance]; !ok {
			order = append(order, o.Instance)
		}
		byInstance[o.Instance] = append(byInstance[o.Instance], o)
	}
	waits := knownWaits(obs)
	sites := map[SiteKey]*Site{}
	get := func(k SiteKey, g *Group) *Site {
		s, ok := sites[k]
		if !ok {
			s = &Site{Key: k, Example: *g}
			sites[k] = s
		}
		return s
	}
	for _, inst := range order {
		list := byInstance[inst]
		first, last := list[0], list[len(list)-1]
		lastCounts := countSites(last.Sample, waits)
		for k, c := range lastCounts {
			s := get(k, c.example)
			s.Count += c.count
			s.Leaked += c.leaked
			s.MaxAge = max(s.MaxAge, c.maxAge)
			s.Instances = append(s.Instances, InstanceCount{Instance: inst, Count: c.count, Truncated: last.Sample.Truncated})
		}
		if len(list) < 2 {
			continue
		}
		firstCounts := countSites(first.Sample, waits)
		for k, c := range lastCounts {
			growth := c.count
			if f, ok := firstCounts[k]; ok {
				growth -= f.count
			}
			if s := sites[k]; growth > s.Growth {
				s.Growth, s.GrowthInstance, s.GrowthOver = growth, inst, last.Time.Sub(first.Time)
			}
		}
	}
	a := &Aggregation{Instances: len(order)}
	for _, s := range sites {
		slices.SortFunc(s.Instances, func(x, y InstanceCount) int {
			return cmp.Or(cmp.Compare(y.Count, x.Count), cmp.Compare(x.Instance, y.Instance))
		})
		a.Sites = append(a.Sites, s)
	}
	slices.SortFunc(a.Sites, func(x, y *Site) int {
		return cmp.Or(cmp.Compare(y.Count, x.Count), cmp.Compare(x.Key.String(), y.Key.String()))
	})
	return a
}

type siteCount struct {
	count, leaked int
	maxAge        time.Duration
	example       *Group
}

// knownWaits maps each site frame to the wait reason some observation
// gives for it, so that goroutines from formats without wait reasons
// (debug=1 text) join the site of formats with them. A frame seen with
// several reasons is left out.
func knownWaits(obs []Observation) map[stack.Frame]string {
	m := map[stack.Frame]string{}
	for _, o := range obs {
		for i := range o.Sample.Groups {
			k, ok := SiteOf(&o.Sample.Groups[i])
			if !ok || k.Wait == "" {
				continue
			}
			if w, seen := m[k.Site]; seen && w != k.Wait {
				m[k.Site] = ""
				continue
			}
			m[k.Site] = k.Wait
		}
	}
	return m
}

func countSites(s *Sample, waits map[stack.Frame]string) map[SiteKey]*siteCount {
	m := map[SiteKey]*siteCount{}
	for i := range s.Groups {
		g := &s.Groups[i]
		k, ok := SiteOf(g)
		if !ok {
			continue
		}
		if k.Wait == "" {
			k.Wait = waits[k.Site]
		}
		c := m[k]
		if c == nil {
			c = &siteCount{example: g}
			m[k] = c
		}
		c.count += g.Count
		if g.Leaked {
			c.leaked += g.Count
		}
		c.maxAge = max(c.maxAge, g.Age)
	}
	return m
}
