// Package inspect reads goroutine dumps and profiles from files and URLs,
// groups the goroutines of many processes by the site where they block, and
// ranks the sites the way Uber's LeakProf does: many goroutines at one site,
// blocked for long, or growing between two samples of the same process are
// suspects, and goroutines the garbage collector proved leaked come first.
//
// It serves `leakhound inspect` and the production agent.
package inspect
